import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SafetensorsError, decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/engine/io/safetensors';
import { Rng } from '../../src/engine/rng';

const PYTHON = process.env.LOSSLAB_PYTHON ?? 'python3';
const FILE = 'model.safetensors';

/** Runs a Python snippet with numpy; fails the test (never skips) when Python or numpy is missing. */
function python(script: string, ...args: string[]): string {
  const result = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  if (result.error) assert.fail(`the safetensors interop test needs ${PYTHON} with numpy (set LOSSLAB_PYTHON to choose one): ${result.error.message}`);
  if (/No module named .?numpy/.test(result.stderr)) assert.fail(`the safetensors interop test needs numpy for ${PYTHON}: ${result.stderr}`);
  assert.equal(result.status, 0, `python failed:\n${result.stderr}`);
  return result.stdout;
}

/** A file with this header (padded like the writer does) followed by `data`. */
function fileWith(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setUint32(0, json.length, true);
  bytes.set(new TextEncoder().encode(json), 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

function assertFails(bytes: Uint8Array, reason: string | RegExp): void {
  assert.throws(
    () => decodeSafetensors(bytes, FILE),
    (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, `expected a SafetensorsError, got ${String(error)}`);
      assert.equal(error.file, FILE);
      if (typeof reason === 'string') assert.equal(error.reason, reason);
      else assert.match(error.reason, reason);
      assert.equal(error.message, `${FILE}: ${error.reason}`);
      return true;
    },
  );
}

const hex = (data: Float32Array | Int32Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');

const tmp = mkdtempSync(join(tmpdir(), 'losslab-safetensors-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('encodeSafetensors', () => {
  it('writes the exact layout: u64 header length, JSON padded with spaces to 8 bytes, little-endian data', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    const json = '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    assert.equal(json.length, 54);
    assert.deepEqual([...bytes.subarray(0, 8)], [56, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(Buffer.from(bytes.subarray(8, 64)).toString('latin1'), json + '  ');
    assert.deepEqual([...bytes.subarray(64)], [0, 0, 0x80, 0x3f]);
  });

  it('round-trips tensors and metadata, scalars and empty tensors included', () => {
    const tensors: Record<string, Tensor> = {
      'wte.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.of(0.5, -1, 3.25, 1e-20, -0, 7) },
      steps: { dtype: 'I32', shape: [], data: Int32Array.of(-2147483648) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'losslab', step: '12' });
    assert.equal((bytes.length - 7 * 4) % 8, 0);
    const decoded = decodeSafetensors(bytes, FILE);
    assert.deepEqual(decoded.metadata, { format: 'losslab', step: '12' });
    assert.deepEqual([...decoded.tensors.keys()], ['wte.weight', 'steps', 'empty']);
    for (const [name, tensor] of Object.entries(tensors)) {
      assert.deepEqual(decoded.tensors.get(name), { ...tensor, storedAs: tensor.dtype });
    }
  });

  it('rejects tensors it cannot write', () => {
    const bad = (tensors: Record<string, Tensor>, reason: RegExp): void => {
      assert.throws(() => encodeSafetensors(tensors), (error: unknown) => error instanceof SafetensorsError && error.file === null && reason.test(error.message));
    };
    bad({ __metadata__: { dtype: 'F32', shape: [0], data: new Float32Array(0) } }, /^a tensor cannot be named __metadata__$/);
    bad({ x: { dtype: 'F32', shape: [3, 7], data: new Float32Array(20) } }, /^tensor "x": shape \[3,7\] has 21 elements but the data has 20$/);
    bad({ x: { dtype: 'F32', shape: [2, -1], data: new Float32Array(2) } }, /^tensor "x": shape \[2,-1\] must hold non-negative integers$/);
    bad({ x: { dtype: 'I32', shape: [1], data: new Float32Array(1) } as unknown as Tensor }, /^tensor "x": dtype I32 needs a Int32Array$/);
  });
});

describe('python interop', () => {
  it('Python (struct + json + numpy) reads what we write', () => {
    const path = join(tmp, 'ours.safetensors');
    writeFileSync(path, encodeSafetensors(
      {
        w: { dtype: 'F32', shape: [2, 2], data: Float32Array.of(1.5, -0.25, 1e-7, 3e38) },
        ids: { dtype: 'I32', shape: [3], data: Int32Array.of(7, -8, 2147483647) },
      },
      { note: 'héllo' },
    ));
    const read = JSON.parse(python(`
import json, struct, sys, numpy as np
raw = open(sys.argv[1], 'rb').read()
n, = struct.unpack('<Q', raw[:8])
assert (8 + n) % 8 == 0, 'data is not 8-byte aligned'
header = json.loads(raw[8:8 + n].decode('utf-8'))
out = {'metadata': header.pop('__metadata__', {}), 'tensors': {}}
for name, entry in header.items():
    begin, end = entry['data_offsets']
    arr = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype={'F32': '<f4', 'I32': '<i4'}[entry['dtype']]).reshape(entry['shape'])
    out['tensors'][name] = {'dtype': entry['dtype'], 'shape': list(arr.shape), 'values': arr.flatten().tolist()}
print(json.dumps(out))
`, path));
    assert.deepEqual(read, {
      metadata: { note: 'héllo' },
      tensors: {
        w: { dtype: 'F32', shape: [2, 2], values: Array.from(Float32Array.of(1.5, -0.25, 1e-7, 3e38)) },
        ids: { dtype: 'I32', shape: [3], values: [7, -8, 2147483647] },
      },
    });
  });

  it('we read what Python writes, converting F16/BF16/F64 to float32 and I64 to int32 like numpy', () => {
    const path = join(tmp, 'theirs.safetensors');
    const expected = JSON.parse(python(`
import json, struct, sys, numpy as np
bf16_source = np.array([1.5, -2.25, 3.140625, 1e30, -0.0], dtype='<f4')
tensors = {
    'f32': ('F32', np.array([[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]], dtype='<f4')),
    'i32': ('I32', np.array([1, -2, 2**31 - 1, -2**31], dtype='<i4')),
    'f16': ('F16', np.array([1.0, -0.5, 65504.0, 6e-8, np.inf, -np.inf], dtype='<f2')),
    'bf16': ('BF16', (bf16_source.view('<u4') >> 16).astype('<u2')),
    'f64': ('F64', np.array([[0.1, -1e-10], [1e30, 2.0]], dtype='<f8')),
    'i64': ('I64', np.array([5, -5, 2**31 - 1, -2**31], dtype='<i8')),
    'scalar': ('F32', np.array(3.0, dtype='<f4')),
}
header = {'__metadata__': {'format': 'pt', 'writer': 'numpy'}}
data = b''
for name, (dtype, arr) in tensors.items():
    raw = arr.tobytes()
    header[name] = {'dtype': dtype, 'shape': list(arr.shape), 'data_offsets': [len(data), len(data) + len(raw)]}
    data += raw
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + data)
def as32(dtype, arr):
    if dtype == 'BF16':
        return (arr.astype('<u4') << 16).view('<f4')
    return arr.astype('<i4' if dtype[0] == 'I' else '<f4')
print(json.dumps({name: {'storedAs': dtype, 'shape': list(arr.shape), 'hex': as32(dtype, arr).tobytes().hex()} for name, (dtype, arr) in tensors.items()}))
`, path));
    const decoded = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
    assert.deepEqual(decoded.metadata, { format: 'pt', writer: 'numpy' });
    assert.deepEqual([...decoded.tensors.keys()], Object.keys(expected));
    for (const [name, tensor] of decoded.tensors) {
      assert.deepEqual({ storedAs: tensor.storedAs, shape: tensor.shape, hex: hex(tensor.data) }, expected[name], name);
      assert.equal(tensor.dtype, tensor.storedAs.startsWith('I') ? 'I32' : 'F32');
    }
    assert.deepEqual(Array.from(decoded.tensors.get('f16')?.data ?? []), [1, -0.5, 65504, 5.960464477539063e-8, Infinity, -Infinity]);
  });
});

describe('decodeSafetensors errors', () => {
  const entry = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const eight = new Uint8Array(8);

  it('names foreign files by their magic bytes', () => {
    assertFails(Uint8Array.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 8, 0, 0, 0]), 'not a safetensors file: starts with PK (a zip / PyTorch .pt?)');
    assertFails(Uint8Array.from([0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]), /^not a safetensors file: starts with a Python pickle header/);
    assertFails(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /^not a safetensors file: starts with \\x89PNG \(a PNG image\)$/);
    assertFails(new TextEncoder().encode('{"a": {"dtype": "F32"}}'), /^not a safetensors file: starts with "\{" \(a JSON file\?/);
    assertFails(Uint8Array.from([0x50, 0x4b]), 'not a safetensors file: starts with PK (a zip / PyTorch .pt?)');
  });

  it('rejects files too short or with an impossible header length', () => {
    assertFails(Uint8Array.from([1, 2, 3]), 'the file is 3 bytes: too short for a safetensors file (it starts with an 8-byte header length)');
    const big = new Uint8Array(40);
    new DataView(big.buffer).setUint32(0, 1234567890, true);
    assertFails(big, 'header length 1234567890 exceeds file size 40');
    const huge = new Uint8Array(40);
    new DataView(huge.buffer).setUint32(4, 1, true);
    assertFails(huge, 'header length 4294967296 exceeds file size 40');
    assertFails(new Uint8Array(16), 'header length 0 is too small for a JSON header');
  });

  it('rejects a header that is not a JSON object', () => {
    const notUtf8 = Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0xff, 0x7d, 32, 32, 32, 32, 32]);
    assertFails(notUtf8, /^the 8-byte header is not valid UTF-8 JSON \(.*\)$/);
    const notJson = Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{"a": } ')]);
    assertFails(notJson, /^the 8-byte header is not valid UTF-8 JSON \(.*is not valid JSON.*\)$/);
    assertFails(fileWith([1, 2]), 'the header is an array: expected a JSON object of tensors');
    assertFails(fileWith('text'), 'the header is "text": expected a JSON object of tensors');
  });

  it('rejects malformed metadata', () => {
    assertFails(fileWith({ __metadata__: ['a'] }), '__metadata__ must be an object of strings');
    assertFails(fileWith({ __metadata__: { step: 12 } }), '__metadata__ entry "step" is 12: expected a string');
  });

  it('rejects malformed tensor entries', () => {
    assertFails(fileWith({ x: 5 }, eight), 'tensor "x": expected an object {"dtype", "shape", "data_offsets"}, got 5');
    assertFails(fileWith({ x: { shape: [2], data_offsets: [0, 8] } }, eight), 'tensor "x": "dtype" is missing or not a string');
    assertFails(fileWith({ x: { ...entry, dtype: 'U8' } }, eight), 'tensor "x": dtype U8 is not supported (Loss Lab reads F32, F16, BF16, F64, I32 and I64)');
    assertFails(fileWith({ x: { ...entry, shape: [2, -1] } }, eight), 'tensor "x": "shape" must be an array of non-negative integers, got [2,-1]');
    assertFails(fileWith({ x: { ...entry, data_offsets: [8, 0] } }, eight), 'tensor "x": "data_offsets" must be [begin, end] with 0 ≤ begin ≤ end, got [8,0]');
    assertFails(fileWith({ x: { ...entry, data_offsets: [0] } }, eight), 'tensor "x": "data_offsets" must be [begin, end] with 0 ≤ begin ≤ end, got [0]');
  });

  it('rejects offsets that disagree with the shape, run past the data, or overlap', () => {
    const shaped = { dtype: 'F32', shape: [3, 7], data_offsets: [0, 80] };
    assertFails(fileWith({ x: shaped }, new Uint8Array(80)), 'tensor "x": data_offsets [0, 80] do not match shape [3,7] × 4 bytes (F32) = 84 bytes');
    assertFails(fileWith({ x: entry }, new Uint8Array(4)), 'tensor "x": data_offsets [0, 8] run past the end of the data (4 bytes after the header): the file is truncated');
    const truncated = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } }).subarray(0, -1);
    assertFails(truncated, /^tensor "w": data_offsets \[0, 16\] run past the end of the data \(15 bytes after the header\)/);
    assertFails(fileWith({ a: entry, b: { ...entry, data_offsets: [4, 12] } }, new Uint8Array(12)), 'tensors "a" and "b" overlap in the data section');
  });

  it('rejects values that do not fit the in-memory dtype', () => {
    const i64 = new Uint8Array(16);
    new DataView(i64.buffer).setBigInt64(8, 2n ** 40n, true);
    assertFails(fileWith({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, i64), 'tensor "n": I64 value 1099511627776 at index 1 does not fit in int32');
    const f64 = new Uint8Array(8);
    new DataView(f64.buffer).setFloat64(0, 1e300, true);
    assertFails(fileWith({ f: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f64), 'tensor "f": F64 value 1e+300 at index 0 is too large for float32');
  });

  it('throws only SafetensorsErrors for every truncation and for random corruption of a valid file', () => {
    const valid = encodeSafetensors(
      { a: { dtype: 'F32', shape: [2, 3], data: new Float32Array(6) }, b: { dtype: 'I32', shape: [4], data: new Int32Array(4) } },
      { note: 'x' },
    );
    const attempt = (bytes: Uint8Array): void => {
      try {
        decodeSafetensors(bytes, FILE);
      } catch (error) {
        assert.ok(error instanceof SafetensorsError, `${String(error)} for bytes ${Buffer.from(bytes).toString('hex')}`);
      }
    };
    for (let length = 0; length < valid.length; length++) {
      assert.throws(() => decodeSafetensors(valid.subarray(0, length), FILE), SafetensorsError);
    }
    const rng = new Rng(5);
    for (let trial = 0; trial < 2000; trial++) {
      const corrupt = valid.slice();
      for (let flips = 1 + rng.int(3); flips > 0; flips--) corrupt[rng.int(corrupt.length)] = rng.int(256);
      attempt(corrupt);
    }
  });
});
