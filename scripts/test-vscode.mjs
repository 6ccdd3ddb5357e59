// Tests Loss Lab in a real VS Code.
//   node scripts/test-vscode.mjs            extension-host suites (mocha inside VS Code's extension host)
//   node scripts/test-vscode.mjs --ui       UI tests (node:test + playwright-core driving the workbench)
//   node scripts/test-vscode.mjs --all      both
//   --grep PATTERN                          only the tests whose full title matches
//   --no-build                              use dist/ as it is (the test bundle is always rebuilt)
// By default VS Code is code-server (tools/vscode-test; run tools/vscode-test/setup.sh once), driven through a stand-in
// for the VS Code executable. LOSSLAB_VSCODE=desktop runs the extension-host suite in desktop VS Code instead, which
// @vscode/test-electron downloads (or LOSSLAB_VSCODE_PATH names a local build).
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const TOOLS = join(ROOT, 'tools', 'vscode-test');
const SHIM = join(TOOLS, 'code-test-shim.mjs');
const FIXTURE = join(ROOT, 'test', 'vscode', 'fixture');

const { values } = parseArgs({ options: { ui: { type: 'boolean' }, all: { type: 'boolean' }, grep: { type: 'string' }, 'no-build': { type: 'boolean' } } });
const desktop = process.env.LOSSLAB_VSCODE === 'desktop';
const runHost = !values.ui || values.all;
const runUi = values.ui || values.all;

function step(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The stand-in must be executable (a checkout or copy may have lost the bit). */
function ensureShim() {
  if (!existsSync(join(TOOLS, 'node_modules', 'code-server', 'package.json')) || !existsSync(join(TOOLS, 'node_modules', 'playwright-core'))) {
    console.error('code-server / playwright-core are not installed: run tools/vscode-test/setup.sh (needs: apt-get install -y chromium libkrb5-dev ripgrep)');
    process.exit(1);
  }
  try {
    accessSync(SHIM, constants.X_OK);
  } catch {
    chmodSync(SHIM, 0o755);
  }
}

/** A fresh copy of the fixture workspace, so runs and edits never touch the repo. */
function fixtureCopy() {
  const folder = mkdtempSync(join(tmpdir(), 'losslab-ws-'));
  cpSync(FIXTURE, folder, { recursive: true, filter: (source) => !source.split(/[\\/]/).includes('.losslab') });
  return folder;
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one extension-host suite; returns true when it passed. */
async function hostSuite(suite) {
  const workspace = fixtureCopy();
  const reportFile = join(workspace, '..', `${workspace.split(/[\\/]/).pop()}-report.json`);
  const started = Date.now();
  let passed = false;
  try {
    await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(ROOT, 'dist-test', 'vscode', 'index.js'),
      launchArgs: [workspace, '--disable-extensions'],
      extensionTestsEnv: {
        LOSSLAB_TEST_SUITE: suite,
        LOSSLAB_TEST_REPORT: reportFile,
        ...(values.grep ? { LOSSLAB_TEST_GREP: values.grep } : {}),
        ...(suite === 'untrusted' ? { VSCODE_TEST_WORKSPACE_TRUST: 'untrusted' } : {}),
      },
      ...(desktop ? (process.env.LOSSLAB_VSCODE_PATH ? { vscodeExecutablePath: process.env.LOSSLAB_VSCODE_PATH } : {}) : { vscodeExecutablePath: SHIM }),
    });
    passed = true;
  } catch (error) {
    console.error(`${suite} suite: ${error instanceof Error ? error.message : String(error)}`);
  }
  const wall = Date.now() - started;
  if (existsSync(reportFile)) {
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    console.log(`\n=== extension-host suite "${suite}": ${report.passes} passed, ${report.failures} failed, ${report.pending} pending; mocha ${seconds(report.durationMs)}, wall ${seconds(wall)}`);
    for (const test of report.tests.filter((t) => t.state === 'failed')) console.log(`  ✗ ${test.title}\n      ${test.error.split('\n')[0]}`);
    for (const test of report.tests.filter((t) => t.state === 'pending')) console.log(`  ○ ${test.title} (pending: skipped by the test itself)`);
    rmSync(reportFile, { force: true });
  } else {
    console.log(`\n=== extension-host suite "${suite}": no report (the tests did not run to the end); wall ${seconds(wall)}`);
  }
  rmSync(workspace, { recursive: true, force: true });
  return passed;
}

function uiTests() {
  const files = readdirSync(join(ROOT, 'test', 'ui')).filter((name) => name.endsWith('.test.ts')).sort().map((name) => join('test', 'ui', name));
  const started = Date.now();
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...(values.grep ? ['--test-name-pattern', values.grep] : []), ...files];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  console.log(`\n=== UI tests: ${result.status === 0 ? 'passed' : 'FAILED'}; wall ${seconds(Date.now() - started)}`);
  return result.status === 0;
}

if (!values['no-build']) step(process.execPath, ['scripts/build.mjs']);
step(process.execPath, ['scripts/build-tests.mjs']);
if (!desktop || runUi) ensureShim();

let ok = true;
if (runHost) {
  ok = (await hostSuite('trusted')) && ok;
  // runTests always passes --disable-workspace-trust, which desktop VS Code obeys: only the stand-in can open untrusted.
  if (desktop) console.log('\n=== extension-host suite "untrusted": skipped (desktop runTests forces --disable-workspace-trust)');
  else ok = (await hostSuite('untrusted')) && ok;
}
if (runUi) ok = uiTests() && ok;
process.exit(ok ? 0 : 1);
