// Issue 15, item 7: data outside the workspace is allowed but shown; which paths count as outside.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataOutsideWorkspace } from '../../src/extension/training/dataLocation';

describe('dataOutsideWorkspace', () => {
  const ws = join('/', 'home', 'u', 'project');
  it('names only the data files outside every workspace folder', () => {
    assert.deepEqual(dataOutsideWorkspace({ train: join(ws, 'data', 'a.txt'), val: null }, [ws]), []);
    assert.deepEqual(dataOutsideWorkspace({ train: join(ws, 'a.txt'), val: join('/', 'etc', 'passwd') }, [ws]), [join('/', 'etc', 'passwd')]);
    assert.deepEqual(dataOutsideWorkspace({ train: join(ws, '..', 'secret.txt'), val: null }, [ws]), [join(ws, '..', 'secret.txt')]);
    // A sibling folder whose name starts like the workspace's is still outside.
    assert.deepEqual(dataOutsideWorkspace({ train: `${ws}-other/a.txt`, val: null }, [ws]), [`${ws}-other/a.txt`]);
    assert.deepEqual(dataOutsideWorkspace({ train: join('/', 'data', 'b.txt'), val: null }, [ws, join('/', 'data')]), []);
    assert.deepEqual(dataOutsideWorkspace({ train: join(ws, 'a.txt'), val: null }, []), [join(ws, 'a.txt')], 'no folder open: everything is outside');
  });
});
