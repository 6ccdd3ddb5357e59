import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirnamePath, isAbsolutePath, normalizePath, resolvePath } from '../../src/config';

test('isAbsolutePath knows POSIX, drive-letter and UNC paths', () => {
  for (const path of ['/a', '/', 'C:\\x', 'c:/x', '\\\\srv\\share\\x', '\\x']) assert.equal(isAbsolutePath(path), true, path);
  for (const path of ['a/b', './a', '../a', 'C:rel', 'data.txt', '']) assert.equal(isAbsolutePath(path), false, path);
});

test('dirnamePath keeps roots and accepts both separators', () => {
  const cases: Array<[string, string]> = [
    ['/a/b/c.lab.yaml', '/a/b'],
    ['c.lab.yaml', ''],
    ['a/c.lab.yaml', 'a'],
    ['/c.lab.yaml', '/'],
    ['C:\\c.lab.yaml', 'C:\\'],
    ['C:\\x\\c.lab.yaml', 'C:\\x'],
    ['\\\\srv\\share\\c.lab.yaml', '\\\\srv\\share\\'],
  ];
  for (const [path, expected] of cases) assert.equal(dirnamePath(path), expected, path);
});

test('resolvePath joins, normalizes and keeps absolute paths', () => {
  const cases: Array<[string, string, string]> = [
    ['/a/b', 'data/t.txt', '/a/b/data/t.txt'],
    ['/a/b/', 'c', '/a/b/c'],
    ['/a/b', '../t.txt', '/a/t.txt'],
    ['/a', '../../x', '/x'],
    ['/a/b', '/abs/./t', '/abs/t'],
    ['/', 'x', '/x'],
    ['C:\\a\\b', 'data/t.txt', 'C:\\a\\b\\data\\t.txt'],
    ['C:\\a', '..\\..\\x', 'C:\\x'],
    ['C:/a', 'b', 'C:\\a\\b'],
    ['C:\\a', 'D:\\y', 'D:\\y'],
    ['\\\\srv\\share\\dir', '..\\..\\f', '\\\\srv\\share\\f'],
    ['a/b', '../../../x', '../x'],
    ['', './x/./y', 'x/y'],
  ];
  for (const [dir, path, expected] of cases) assert.equal(resolvePath(dir, path), expected, `${dir} + ${path}`);
});

test('normalizePath removes dot segments and repeated separators', () => {
  assert.equal(normalizePath('/a/./b//c/..'), '/a/b');
  assert.equal(normalizePath('a/..'), '.');
  assert.equal(normalizePath(''), '.');
  assert.equal(normalizePath('C:\\a\\.\\b\\..\\c'), 'C:\\a\\c');
});
