// The palette, typed as a new user would: "Loss Lab: Train" lists Train first, before resuming a run.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { withVsCode } from './support/session';

test('typing "Loss Lab: Train" lists Train first and Train: Resume a Run… after it', { timeout: 180_000 }, async (t) => {
  await withVsCode(t, {}, async (ui, _workspace, lap) => {
    await ui.openFile('tiny.lab.yaml');
    let labels: string[] = [];
    // The extension's commands register a moment after the workbench opens.
    for (let attempt = 0; attempt < 15 && !labels.includes('Loss Lab: Train: Resume a Run…'); attempt++) {
      labels = await ui.paletteLabels('Loss Lab: Train');
      if (!labels.includes('Loss Lab: Train: Resume a Run…')) await ui.page.waitForTimeout(1000);
    }
    lap(`palette: ${labels.join(' | ')}`);
    assert.equal(labels[0], 'Loss Lab: Train');
    assert.ok(labels.indexOf('Loss Lab: Train: Resume a Run…') > 0, labels.join(' | '));
  });
});
