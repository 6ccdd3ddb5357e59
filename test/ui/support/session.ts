// Set-up shared by the UI tests: a temp copy of the fixture workspace, one VS Code session per test, and where the
// screenshots go.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startVsCode, type StartOptions, type VsCodeUi } from '../../../tools/vscode-test/lib/ui.mjs';

export const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'vscode', 'fixture');

/** A fresh copy of test/vscode/fixture (never the repo's own files: the tests train and edit). */
export function fixtureCopy(): string {
  const folder = mkdtempSync(join(tmpdir(), 'losslab-ui-ws-'));
  cpSync(FIXTURE, folder, { recursive: true, filter: (source) => !source.split(/[\\/]/).includes('.losslab') });
  return folder;
}

/** 1-based number of the first line of `file` that contains `text`. */
export function lineContaining(file: string, text: string): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`${file} has no line with "${text}"`);
  return index + 1;
}

/** Where a screenshot goes: the repo's media/screenshots with LOSSLAB_UPDATE_SCREENSHOT=1, else a temp folder. */
export function screenshotPath(name: string): string {
  const folder = process.env.LOSSLAB_UPDATE_SCREENSHOT === '1' ? join(ROOT, 'media', 'screenshots') : join(tmpdir(), 'losslab-ui-screenshots');
  mkdirSync(folder, { recursive: true });
  return join(folder, name);
}

/**
 * Runs `body` with a VS Code session on a fresh fixture copy; always closes it. On failure it saves a screenshot and
 * keeps code-server's temp folder, and says where.
 */
export async function withVsCode(t: TestContext, options: Omit<StartOptions, 'folder' | 'extensionPath'>,
  body: (ui: VsCodeUi, workspace: string, lap: (what: string) => void) => Promise<void>): Promise<void> {
  const started = Date.now();
  const lap = (what: string) => t.diagnostic(`${((Date.now() - started) / 1000).toFixed(1)} s  ${what}`);
  const workspace = fixtureCopy();
  const ui = await startVsCode({ ...options, folder: workspace, extensionPath: ROOT });
  lap('workbench open');
  let failed = true;
  try {
    await body(ui, workspace, lap);
    failed = false;
  } finally {
    if (failed) {
      // Always a temp folder, never media/: a failure is not the README's picture.
      const shot = join(mkdtempSync(join(tmpdir(), 'losslab-ui-failure-')), `${t.name.replace(/\W+/g, '-').slice(0, 60)}.png`);
      await ui.screenshot(shot).catch(() => undefined);
      t.diagnostic(`failure screenshot: ${shot}`);
    }
    const kept = await ui.close({ keep: failed });
    if (kept) t.diagnostic(`kept code-server's folder: ${kept}`);
    rmSync(workspace, { recursive: true, force: true });
  }
}
