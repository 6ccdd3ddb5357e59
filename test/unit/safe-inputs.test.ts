import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeSafetensors } from '../../src/engine/io/safetensors';
import { MAX_CONFIG_BYTES, UserError, loadConfigFile } from '../../src/node/configFile';
import { DataFileError, MAX_DATASET_BYTES, dataFileDiagnostics, datasetFileProblem, readDatasetFile } from '../../src/node/dataFiles';
import { MAX_WEIGHTS_BYTES, UnsafeFileError, checkRegularFile, readRegularFile, readRegularFileSync } from '../../src/node/safeFile';
import { readWeightsFile } from '../../src/node/session';

const dir = mkdtempSync(join(tmpdir(), 'losslab-safe-inputs-'));
const fifo = join(dir, 'fifo');
const socket = join(dir, 'socket');
const folder = join(dir, 'folder');
const server = createServer();
const isRoot = process.getuid?.() === 0;

function write(name: string, contents: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

/** A sparse file of `bytes` bytes: its size is on record, nothing is written. */
function sparse(name: string, bytes: number): string {
  const path = write(name, '');
  truncateSync(path, bytes);
  return path;
}

before(async () => {
  execFileSync('mkfifo', [fifo]);
  mkdirSync(folder);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refused(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UnsafeFileError, `expected an UnsafeFileError, got ${String(error)}`);
    assert.ok(error instanceof UserError, 'an unsafe file is the user\'s to fix');
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('readRegularFile', () => {
  const options = { maxBytes: 1024, what: 'test file' };

  it('reads a regular file whole, synchronously too', async () => {
    const path = write('ok.txt', 'hello');
    assert.equal((await readRegularFile(path, options)).toString(), 'hello');
    assert.equal(readRegularFileSync(path, options).toString(), 'hello');
    assert.equal(await checkRegularFile(path, options), 5);
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const started = Date.now();
    await refused(readRegularFile(fifo, options), 'EFIFO', /fifo: is a pipe \(FIFO\), not a test file: name a regular file$/);
    await refused(checkRegularFile(fifo, options), 'EFIFO', /pipe/);
    assert.throws(() => readRegularFileSync(fifo, options), (e: unknown) => e instanceof UnsafeFileError && e.code === 'EFIFO');
    assert.ok(Date.now() - started < 2000, 'a FIFO must not block');
  });

  it('refuses devices, sockets and folders, naming what they are', async () => {
    await refused(readRegularFile('/dev/zero', options), 'ESPECIAL', /^\/dev\/zero: is a device or other special file, not a test file/);
    await refused(readRegularFile(socket, options), 'ESOCKET', /socket: is a socket, not a test file/);
    await refused(readRegularFile(folder, options), 'EISDIR', /folder: is a folder, not a test file$/);
    await refused(readRegularFile(join(dir, 'missing.txt'), options), 'ENOENT', /missing\.txt: no such file$/);
    await refused(readRegularFile(join(write('plain.txt', 'x'), 'child'), options), 'ENOENT', /no such file/);
  });

  it('refuses a file over the limit from its size, before reading it', async () => {
    const huge = sparse('huge.bin', 64 * 1024 ** 3);
    await refused(readRegularFile(huge, options), 'ETOOBIG', /huge\.bin: the test file is 64 GiB; the limit is 1 KiB$/);
    await assert.rejects(checkRegularFile(huge, options), (e: unknown) => e instanceof UnsafeFileError && e.size === 64 * 1024 ** 3);
    assert.equal((await readRegularFile(sparse('exact.bin', 1024), options)).length, 1024);
  });

  it('refuses an unreadable file', { skip: isRoot ? 'root reads any file' : false }, async () => {
    const path = write('secret.txt', 'x');
    chmodSync(path, 0o000);
    await refused(readRegularFile(path, options), 'EACCES', /secret\.txt: the test file is not readable \(permission denied\)/);
  });
});

describe('config files', () => {
  it('refuses a 200 MB config from its size, with the limit', async () => {
    const path = sparse('big.lab.yaml', 200 * 1024 ** 2);
    await assert.rejects(loadConfigFile(path), new UserError(`${path}: the config file is 200 MiB; the limit is 1 MiB`));
    assert.equal(MAX_CONFIG_BYTES, 1024 * 1024);
  });

  it('refuses a FIFO, a device and a folder as the config', async () => {
    await assert.rejects(loadConfigFile(fifo), /fifo: is a pipe \(FIFO\), not a config file/);
    await assert.rejects(loadConfigFile('/dev/zero'), /^Error: \/dev\/zero: is a device or other special file, not a config file/);
    await assert.rejects(loadConfigFile(folder), /folder: is a folder, not a config file/);
    await assert.rejects(loadConfigFile(join(dir, 'none.lab.yaml')), /none\.lab\.yaml: no such file/);
  });
});

describe('dataset files', () => {
  async function dataError(path: string, reason: RegExp): Promise<void> {
    await assert.rejects(readDatasetFile(path, 'data.train'), (error: unknown) => {
      assert.ok(error instanceof DataFileError, String(error));
      assert.equal(error.file, path);
      assert.match(error.reason, reason);
      return true;
    });
  }

  it('refuses a FIFO, a device, a socket and a huge file without reading them', async () => {
    await dataError(fifo, /^the path is a pipe \(FIFO\), not a regular file: data\.train must name a text file$/);
    await dataError('/dev/zero', /^the path is a device or other special file, not a regular file: data\.train/);
    await dataError(socket, /^the path is a socket, not a regular file/);
    await dataError(sparse('huge.txt', MAX_DATASET_BYTES + 1), /^Loss Lab loads datasets into memory; this file is 512\.0 MiB; the limit is 512 MiB/);
  });

  it('says why a file cannot be used without reading it, null when it can', async () => {
    assert.equal(await datasetFileProblem(write('text.txt', 'abc'), 'data.train'), null);
    assert.equal(await datasetFileProblem(write('empty.txt', ''), 'data.val'), 'the file is empty: data.val must name a file with training text');
    assert.match(await datasetFileProblem(join(dir, 'nope.txt'), 'data.val') ?? '', /^file not found: check data\.val in the config/);
    assert.match(await datasetFileProblem(folder, 'data.train') ?? '', /^the path is a folder, not a file/);
    assert.match(await datasetFileProblem(write('big.txt', 'x'.repeat(20)), 'data.train', { maxBytes: 10 }) ?? '', /this file is 20 bytes; the limit is 10 bytes/);
  });

  it('locates each data path problem at its value in the config', async () => {
    write('story.txt', 'fine text');
    const source = 'name: t\ndata:\n  train: fifo\n  val: "missing.txt"\n';
    const found = await dataFileDiagnostics(source, 'x.lab.yaml', dir);
    assert.deepEqual(found.map((d) => [d.line, d.column, d.path, d.severity]), [[3, 10, 'data.train', 'error'], [4, 8, 'data.val', 'error']]);
    assert.match(found[0].message, /^fifo \(.*fifo\): the path is a pipe \(FIFO\)/);
    assert.match(found[1].message, /^missing\.txt \(.*missing\.txt\): file not found/);
    assert.deepEqual(await dataFileDiagnostics('data: { train: story.txt }\n', 'y.lab.json', dir), []);
  });
});

describe('weights files (--init-from)', () => {
  const tensor = (data: number[]) => ({ dtype: 'F32' as const, shape: [data.length], data: Float32Array.from(data) });

  it('refuses /dev/zero, a FIFO and a file over the limit at once', async () => {
    await refused(readWeightsFile('/dev/zero'), 'ESPECIAL', /not a weights file/);
    await refused(readWeightsFile(fifo), 'EFIFO', /not a weights file/);
    await refused(readWeightsFile(sparse('huge.safetensors', MAX_WEIGHTS_BYTES + 1)), 'ETOOBIG', /the weights file is 1\.6 GiB; the limit is 1\.6 GiB/);
  });

  it('names a checkpoint\'s optimizer state and the weights file beside it', async () => {
    const state = write('step-000004.state.safetensors', encodeSafetensors({ 'w.exp_avg': tensor([1]) }, { optimizer_step: '4' }));
    await assert.rejects(readWeightsFile(state), new UserError(`${state}: this is a checkpoint's optimizer state, not model weights: use ${join(dir, 'step-000004.safetensors')}`));
    const renamed = write('renamed.safetensors', encodeSafetensors({ 'w.exp_avg': tensor([1]) }, { optimizer_step: '4' }));
    await assert.rejects(readWeightsFile(renamed), /renamed\.safetensors: this is a checkpoint's optimizer state, not model weights: use the checkpoint's step-N\.safetensors/);
  });

  it('refuses integer tensors and a file without tensors; reads float tensors', async () => {
    const ints = write('ints.safetensors', encodeSafetensors({ idx: { dtype: 'I32', shape: [1], data: Int32Array.from([3]) } }));
    await assert.rejects(readWeightsFile(ints), /ints\.safetensors: tensor idx holds integers \(I32\); weights must be floating point/);
    await assert.rejects(readWeightsFile(write('none.safetensors', encodeSafetensors({}))), /none\.safetensors: the weights file holds no tensors/);
    const weights = await readWeightsFile(write('w.safetensors', encodeSafetensors({ w: tensor([1, 2]) })));
    assert.deepEqual([...weights.get('w')?.data ?? []], [1, 2]);
  });
});
