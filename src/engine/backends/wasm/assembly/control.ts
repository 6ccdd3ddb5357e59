/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
/**
 * The control block every thread reads: where the task's arguments, the work counter and the scratch areas are.
 * JS writes the arguments (runtime.ts mirrors these offsets), then calls `run`; workers read them after the wake-up.
 */

export const CTRL: usize = 16384;
/** Bumped (and waited on) to wake the workers. */
export const GENERATION: usize = CTRL;
/** Chunks of the current task finished so far. */
export const DONE: usize = CTRL + 4;
export const TASK: usize = CTRL + 8;
export const THREADS: usize = CTRL + 12;
export const QUIT: usize = CTRL + 16;
/** The ticket of the task whose arguments are posted (every run, parallel or not, takes a new one). */
export const TICKET: usize = CTRL + 20;
export const SCRATCH: usize = CTRL + 24;
export const SCRATCH_BYTES: usize = CTRL + 28;
export const SHARED: usize = CTRL + 32;
/** (ticket << 32) | chunks taken from the back << 16 | from the front: one 64-bit word, so a claim can never take a chunk of another task. */
export const NEXT_CHUNK: usize = CTRL + 40;
/** Arguments as JS writes them for the next run: 32 i32 then 16 f64. */
export const STAGING: usize = CTRL + 64;
/** The arguments of the posted task, copied from STAGING while the ticket is odd (a seqlock). */
export const POSTED: usize = CTRL + 512;
/** Chunks each thread has run since start (one i32 per thread; diagnostics for tests and the benchmark). */
export const CHUNKS_RUN: usize = CTRL + 768;
/** Each worker's private copy of the posted arguments (256 bytes per thread). */
const PRIVATE: usize = CTRL + 1024;
const ARGS_BYTES: usize = 256;
const FLOAT_OFFSET: usize = 128;
export const INT_ARGS: usize = STAGING;
export const FLOAT_ARGS: usize = STAGING + FLOAT_OFFSET;

/** Where this thread reads its task's arguments. */
let args: usize = POSTED;
/** This thread's counter in CHUNKS_RUN. */
let counter: usize = CHUNKS_RUN;
/** This thread's ticket (instance globals are per thread: every thread instantiates the module). */
let ticket: i32 = 0;
/** Whether this thread holds a claimed chunk that it has not reported done. */
let holding = false;
/** The chunk count of the task this thread last claimed from. */
let total: i32 = 0;
/** Whether this thread takes row chunks from the last one down (claimRows). */
let fromBack = false;

/** Thread `tid` starts taking part in the task with ticket `t`, reading its arguments at `argsAt`. */
export function joinTask(tid: i32, t: i32, argsAt: usize): void {
  counter = CHUNKS_RUN + (<usize>tid << 2);
  fromBack = tid == 1;
  ticket = t;
  args = argsAt;
  holding = false;
  total = 0;
}

/** Copies an argument block (V8 runs memory.copy on a shared memory as a call into C). */
function copyBytes(dst: usize, src: usize): void {
  for (let i: usize = 0; i < ARGS_BYTES; i += 16) v128.store(dst + i, v128.load(src + i));
}

/** Copies the staged arguments to POSTED (the calling thread holds the odd ticket while it does). */
export function postArguments(): void {
  copyBytes(POSTED, STAGING);
}

/**
 * A worker's consistent copy of the posted task and its arguments, or −1 when the ticket changed while copying
 * (the caller retries). Returns the ticket; the task id lands in the copy's last int slot.
 */
export function copyPosted(tid: i32): i32 {
  const t = atomic.load<i32>(TICKET);
  if ((t & 1) != 0) return -1;
  const mine = PRIVATE + <usize>tid * ARGS_BYTES;
  copyBytes(mine, POSTED);
  store<i32>(mine + FLOAT_OFFSET - 4, load<i32>(TASK));
  return atomic.load<i32>(TICKET) == t ? t : -1;
}

export function privateArgs(tid: i32): usize {
  return PRIVATE + <usize>tid * ARGS_BYTES;
}

/** The task id saved by copyPosted. */
export function privateTask(tid: i32): i32 {
  return load<i32>(privateArgs(tid) + FLOAT_OFFSET - 4);
}

/** The chunk count the current task declared in its claims (0 when it claimed nothing). */
export function taskTotal(): i32 {
  return total;
}

/** The i-th integer (or pointer) argument of the current task. */
export function argI(i: i32): i32 {
  return load<i32>(args + (<usize>i << 2));
}

export function argP(i: i32): usize {
  return <usize>load<i32>(args + (<usize>i << 2));
}

/** The i-th float argument of the current task (stored as f64 so JS numbers pass unrounded). */
export function argF(i: i32): f64 {
  return load<f64>(args + FLOAT_OFFSET + (<usize>i << 3));
}

/** This thread's private scratch area. */
export function scratchOf(tid: i32): usize {
  return <usize>load<i32>(SCRATCH) + <usize>tid * <usize>load<i32>(SCRATCH_BYTES);
}

/** Scratch visible to every thread (per-chunk partial sums that a second phase reduces in a fixed order). */
export function sharedScratch(): usize {
  return <usize>load<i32>(SHARED);
}

/** Chunk counts up to this can be claimed from both ends (16 bits each); a larger task is claimed from the front. */
const TWO_ENDED_MAX: i32 = 0xffff;

/**
 * Reports the chunk this thread was working on as done, then claims the next chunk of the current task (of
 * `chunks`), or returns −1 when none is left or the task is no longer current. Chunks are independent, so which
 * thread runs one does not change any result; a thread that wakes late can never take a chunk of a later task.
 * Chunks are taken in order from the first.
 */
export function claim(chunks: i32): i32 {
  return claimFrom(chunks, false);
}

/**
 * claim for a task whose chunks follow the rows of its tensors: thread 1 takes them from the last one down, the
 * others from the first up, so with 2 threads each core keeps its end of the rows from one such task to the next
 * (attention backward then finds what its forward wrote on the same core: −1.5 ms per reference GPT step).
 */
export function claimRows(chunks: i32): i32 {
  return claimFrom(chunks, fromBack);
}

/**
 * The low 16 bits of the claim word count chunks taken from the front, the next 16 those taken from the back;
 * `back` asks for the last chunk left, which a task of more than TWO_ENDED_MAX chunks still takes from the front.
 */
function claimFrom(chunks: i32, back: bool): i32 {
  total = chunks;
  if (holding) {
    holding = false;
    if (atomic.add<i32>(DONE, 1) + 1 == chunks) atomic.notify(DONE, -1);
  }
  const twoEnded = chunks <= TWO_ENDED_MAX, takeBack = back && twoEnded;
  let word = atomic.load<i64>(NEXT_CHUNK);
  while (<i32>(word >>> 32) == ticket) {
    const low = <i32>word;
    const front = twoEnded ? low & 0xffff : low, back = twoEnded ? low >>> 16 : 0;
    if (front + back >= chunks) return -1;
    const seen = atomic.cmpxchg<i64>(NEXT_CHUNK, word, word + (takeBack ? 0x10000 : 1));
    if (seen == word) {
      holding = true;
      store<i32>(counter, load<i32>(counter) + 1);
      return takeBack ? chunks - 1 - back : front;
    }
    word = seen;
  }
  return -1;
}
