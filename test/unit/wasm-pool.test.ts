import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigText } from '../../src/config';
import { WasmBackend } from '../../src/engine/backends/wasm';
import { ALIGN, MemoryPool } from '../../src/engine/backends/wasm/pool';
import { prepareData } from '../../src/engine/data/prepare';
import { Trainer } from '../../src/engine/train/trainer';

/** A memory like the backend's, small: 1 page to start, so the pool must grow it. */
function memory() {
  return new (globalThis as unknown as { WebAssembly: { Memory: new (d: object) => { buffer: ArrayBuffer; grow(n: number): number } } })
    .WebAssembly.Memory({ initial: 1, maximum: 4096 });
}

describe('memory pool', () => {
  it('hands out aligned, disjoint blocks above its base and grows the memory', () => {
    const mem = memory();
    const pool = new MemoryPool(mem, 1000);
    const a = pool.allocate(10);
    const b = pool.allocate(100_000);
    const c = pool.allocate(4);
    for (const p of [a, b, c]) assert.equal(p % ALIGN, 0);
    assert.ok(a >= 1000);
    assert.ok(b >= a + 10 && c >= b + 100_000, 'blocks do not overlap');
    assert.ok(mem.buffer.byteLength >= c + 4, 'the memory grew to hold every block');
    assert.deepEqual(pool.stats(), { reservedBytes: c + 64 - 1000, liveBytes: 64 + 100_032 + 64, freshAllocations: 3, reusedAllocations: 0 });
  });

  it('reuses a released block of the same size, last released first, and never one of another size', () => {
    const pool = new MemoryPool(memory(), 0);
    const a = pool.allocate(256);
    const b = pool.allocate(256);
    const odd = pool.allocate(300);
    pool.release(a, 256);
    pool.release(b, 256);
    assert.equal(pool.allocate(250), b, 'same aligned size (256) → the last released block');
    assert.equal(pool.allocate(256), a);
    const fresh = pool.allocate(256);
    assert.ok(fresh > odd, 'no free block left of that size → fresh memory');
    pool.release(odd, 300);
    assert.notEqual(pool.allocate(64), odd, 'a 320-byte block is not handed out for 64 bytes');
    assert.equal(pool.stats().reusedAllocations, 2);
  });

  it('returns to the same high-water mark when the same sizes are allocated again', () => {
    const pool = new MemoryPool(memory(), 0);
    const sizes = [4096, 12, 4096, 777, 65536, 12];
    const round = () => sizes.map((n) => pool.allocate(n));
    const first = round();
    first.forEach((p, i) => pool.release(p, sizes[i]));
    const reserved = pool.stats().reservedBytes;
    const second = round();
    assert.equal(pool.stats().reservedBytes, reserved);
    assert.deepEqual([...second].sort((x, y) => x - y), [...first].sort((x, y) => x - y));
  });
});

describe('wasm backend memory in training', () => {
  let backend: WasmBackend;
  before(async () => {
    backend = await WasmBackend.create({ threads: 2 });
  });
  after(() => backend.dispose());

  it('allocates nothing new once the first steps have run (activations come from the pool)', async () => {
    const parsed = parseConfigText(`name: pool
model: { kind: gpt, d_model: 32, n_layers: 2, n_heads: 2, d_ff: 64, context: 16 }
data: { train: t.txt, vocab: char }
training: { steps: 6, batch_size: 4, grad_clip: 1.0, eval_interval: 0 }
`, 'pool.lab.yaml');
    assert.ok(parsed.config);
    const text = 'abcdefghij klmnop qrstuv wxyz. '.repeat(50);
    const trainer = new Trainer(parsed.config, prepareData(parsed.config, { train: text, val: null }), { backend });
    await trainer.trainStep();
    await trainer.trainStep();
    const settled = backend.runtime.poolStats();
    for (let i = 0; i < 4; i++) await trainer.trainStep();
    const later = backend.runtime.poolStats();
    assert.equal(later.freshAllocations, settled.freshAllocations, 'no fresh allocation in steps 3–6');
    assert.equal(later.reservedBytes, settled.reservedBytes);
    assert.ok(later.reusedAllocations > settled.reusedAllocations, 'the steps did allocate, from the free lists');
  });

  it('rejects a storage used or released after release', async () => {
    const s = backend.alloc('f32', 8);
    backend.release(s);
    assert.throws(() => backend.release(s), /released twice/);
    const out = backend.alloc('f32', 8);
    assert.throws(() => backend.kernels.add(s, s, out, 8), /released storage/);
  });

  it('reads zeros from fresh and zero-filled storage without writing it, and real values after a kernel wrote it', async () => {
    const s = backend.upload(Float32Array.from([1, 2, 3, 4]));
    backend.kernels.fill(s, 0, 4);
    assert.deepEqual(await backend.read(s, 'f32'), new Float32Array(4));
    const x = backend.upload(Float32Array.from([1, -2, 3, -4]));
    backend.kernels.accumulate(s, x, 4, 2);
    assert.deepEqual(await backend.read(s, 'f32'), Float32Array.from([2, -4, 6, -8]));
    backend.kernels.accumulate(s, x, 4, 1);
    assert.deepEqual(await backend.read(s, 'f32'), Float32Array.from([3, -6, 9, -12]));
  });
});

describe('wasm kernel build', () => {
  it('the embedded module is what the AssemblyScript sources compile to', () => {
    const script = join(__dirname, '..', '..', 'scripts', 'build-wasm.mjs');
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, result.stderr);
  });
});
