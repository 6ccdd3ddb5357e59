// In Restricted Mode, Train says why it will not train, and nothing is written.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode } from './support/session';

test('Train in an untrusted workspace is refused with the reason', { timeout: 180_000 }, async (t) => {
  await withVsCode(t, { workspaceTrust: true }, async (ui, workspace, lap) => {
    await ui.openFile('tiny.lab.yaml');
    await ui.runCommand('Loss Lab: Train');
    const message = await ui.waitForNotification(/untrusted workspace/i);
    lap(`notification: ${message}`);
    assert.match(message, /does not train/i);
    assert.match(message, /trust/i);
    await ui.page.waitForTimeout(2000);
    assert.equal(existsSync(join(workspace, '.losslab')), false, 'a run folder was written');
  });
});
