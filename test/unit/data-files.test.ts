import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LabConfig } from '../../src/config/types';
import { DataError } from '../../src/engine/data/errors';
import { DataFileError, firstInvalidUtf8Offset, formatBytes, readDatasetFile, readDatasetFiles } from '../../src/node/dataFiles';

const dir = mkdtempSync(join(tmpdir(), 'losslab-data-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, contents: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, contents);
  return path;
}

async function assertFileError(promise: Promise<unknown>, file: string, line: number, column: number, reason: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DataFileError, `expected a DataFileError, got ${String(error)}`);
    assert.ok(error instanceof DataError);
    assert.equal(error.file, file);
    assert.equal(error.line, line);
    assert.equal(error.column, column);
    if (typeof reason === 'string') assert.equal(error.reason, reason);
    else assert.match(error.reason, reason);
    assert.equal(error.message, `${file}: ${error.reason}`);
    return true;
  });
}

describe('readDatasetFile', () => {
  it('reads UTF-8 text', async () => {
    assert.equal(await readDatasetFile(write('ok.txt', 'Grüße 😀\n'), 'data.train'), 'Grüße 😀\n');
  });

  it('names a missing file and the config key to fix', async () => {
    const path = join(dir, 'missing.txt');
    await assertFileError(readDatasetFile(path, 'data.val'), path, 0, 0, "file not found: check data.val in the config (relative paths are relative to the config file's folder)");
    const underAFile = join(write('plain.txt', 'x'), 'child.txt');
    await assertFileError(readDatasetFile(underAFile, 'data.train'), underAFile, 0, 0, /^file not found: check data\.train/);
  });

  it('rejects a folder', async () => {
    const path = join(dir, 'folder');
    mkdirSync(path);
    await assertFileError(readDatasetFile(path, 'data.train'), path, 0, 0, 'the path is a folder, not a file: data.train must name a text file');
  });

  it('rejects an empty file', async () => {
    const path = write('empty.txt', '');
    await assertFileError(readDatasetFile(path, 'data.train'), path, 0, 0, 'the file is empty: data.train must name a file with training text');
  });

  it('locates the first byte that is not UTF-8', async () => {
    const path = write('latin1.txt', Buffer.concat([Buffer.from('ok line\nna'), Buffer.from([0xef, 0xbf]), Buffer.from('ve\n')]));
    await assertFileError(readDatasetFile(path, 'data.train'), path, 2, 3, 'the file is not valid UTF-8: byte 0xef at offset 10 (line 2) does not form a character; save the file as UTF-8');
  });

  it('rejects a file over the size limit, with both sizes', async () => {
    const path = write('big.txt', 'x'.repeat(2048));
    await assertFileError(
      readDatasetFile(path, 'data.train', { maxBytes: 1024 }),
      path, 0, 0,
      'Loss Lab loads datasets into memory; this file is 2 KiB; the limit is 1 KiB — split it or use a sample',
    );
    assert.equal((await readDatasetFile(path, 'data.train', { maxBytes: 2048 })).length, 2048);
  });
});

describe('readDatasetFiles', () => {
  const config = (train: string, val: string | null): LabConfig => ({ data: { train, val } }) as unknown as LabConfig;

  it('reads train and, when configured, val', async () => {
    const train = write('train.txt', 'abc');
    const val = write('val.txt', 'de');
    assert.deepEqual(await readDatasetFiles(config(train, val)), { train: 'abc', val: 'de' });
    assert.deepEqual(await readDatasetFiles(config(train, null)), { train: 'abc', val: null });
  });

  it('passes the size limit on and names the failing key', async () => {
    const train = write('train2.txt', 'abc');
    const val = write('val2.txt', 'x'.repeat(100));
    await assertFileError(readDatasetFiles(config(train, val), { maxBytes: 10 }), val, 0, 0, /this file is 100 bytes; the limit is 10 bytes/);
    await assertFileError(readDatasetFiles(config(train, join(dir, 'nope.txt'))), join(dir, 'nope.txt'), 0, 0, /check data\.val/);
  });
});

describe('UTF-8 validation and sizes', () => {
  it('finds the first invalid byte of each kind', () => {
    const at = (...bytes: number[]): number => firstInvalidUtf8Offset(Uint8Array.from(bytes));
    assert.equal(at(0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62), -1);
    assert.equal(at(0x61, 0x80), 1);
    assert.equal(at(0xc0, 0x80), 0);
    assert.equal(at(0x61, 0xe0, 0x80, 0x80), 1);
    assert.equal(at(0xed, 0xa0, 0x80), 0);
    assert.equal(at(0xf4, 0x90, 0x80, 0x80), 0);
    assert.equal(at(0xf5, 0x80, 0x80, 0x80), 0);
    assert.equal(at(0x61, 0x62, 0xe2, 0x82), 2);
    assert.equal(at(0xc3, 0x41), 0);
  });

  it('formats sizes in binary units', () => {
    assert.equal(formatBytes(Math.round(3.2 * 1024 ** 3)), '3.2 GiB');
    assert.equal(formatBytes(512 * 1024 ** 2), '512 MiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(1), '1 byte');
  });
});
