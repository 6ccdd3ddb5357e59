/* eslint-disable @typescript-eslint/ban-ts-comment -- AssemblyScript, compiled by scripts/build-wasm.mjs, not by tsc */
// @ts-nocheck
import {
  DONE, GENERATION, NEXT_CHUNK, POSTED, QUIT, TASK, THREADS, TICKET, copyPosted, joinTask, postArguments, privateArgs, privateTask, taskTotal,
} from './control';
import { runTask } from './tasks';

/** Polls before sleeping: kernels come microseconds apart, and a futex wake-up costs tens of microseconds. */
const SPIN: i32 = 1 << 16;

/**
 * Runs `task` with the posted arguments on the calling thread and, when `parallel`, on every worker too; returns
 * when all its chunks are done. The caller never waits for a worker that took no chunk, so a worker the OS has
 * not scheduled yet costs nothing: the caller simply runs more chunks itself.
 */
export function run(task: i32, parallel: i32): void {
  const t = atomic.load<i32>(TICKET) + 2;
  atomic.store<i32>(TICKET, t - 1);
  postArguments();
  store<i32>(TASK, task);
  atomic.store<i64>(NEXT_CHUNK, <i64>t << 32);
  atomic.store<i32>(DONE, 0);
  atomic.store<i32>(TICKET, t);
  joinTask(0, t, POSTED);
  if (parallel != 0 && load<i32>(THREADS) > 1) {
    atomic.add<i32>(GENERATION, 1);
    atomic.notify(GENERATION, -1);
  }
  runTask(task, 0);
  const chunks = taskTotal();
  let spins = 0;
  for (;;) {
    const done = atomic.load<i32>(DONE);
    if (done >= chunks) break;
    if (++spins > SPIN) {
      memory.atomic.wait32(DONE, done, 1000000);
      spins = 0;
    }
  }
}

/**
 * A worker's whole life: wait for the next generation, run its share of the posted task, until told to quit.
 * `seen` is the generation when the worker was spawned (read by JS then, so a task posted before the worker got
 * here is not missed).
 */
export function worker_loop(tid: i32, seen: i32): void {
  for (;;) {
    let spins = 0;
    while (atomic.load<i32>(GENERATION) == seen) {
      if (++spins > SPIN) {
        memory.atomic.wait32(GENERATION, seen, -1);
        spins = 0;
      }
    }
    seen = atomic.load<i32>(GENERATION);
    if (atomic.load<i32>(QUIT) != 0) return;
    let t = copyPosted(tid);
    while (t < 0) t = copyPosted(tid);
    joinTask(tid, t, privateArgs(tid));
    runTask(privateTask(tid), tid);
    joinTask(tid, 0, privateArgs(tid));
  }
}

/** Wakes every sleeping worker so it sees QUIT and returns. */
export function stop_workers(): void {
  atomic.store<i32>(QUIT, 1);
  atomic.add<i32>(GENERATION, 1);
  atomic.notify(GENERATION, -1);
}
