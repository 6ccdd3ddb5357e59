#!/usr/bin/env node
// Stands in for the VS Code executable that @vscode/test-electron's runTests() spawns (its `vscodeExecutablePath`), on
// machines where desktop VS Code cannot be downloaded. It takes the same arguments (--extensionDevelopmentPath=,
// --extensionTestsPath=, a folder, ...) and runs the tests in a real VS Code all the same: code-server's extension host,
// with the workbench open in headless Chromium. It relays the extension host's console (the mocha report) and exits
// with the test runner's exit code.
//
// Environment:
//   VSCODE_TEST_TIMEOUT_MS       give up after this long (default 300000)
//   VSCODE_TEST_WORKSPACE_TRUST  "untrusted": open the folder in Restricted Mode (runTests always passes
//                                --disable-workspace-trust, so this is the only way to ask for it)
//   VSCODE_TEST_KEEP=1           keep the temp folder (code-server log, browser profile) even when the tests pass
//   VSCODE_TEST_SCREENSHOT=FILE  save a screenshot of the workbench when the tests end
//   VSCODE_TEST_VERBOSE=1        also relay the workbench's own start-up chatter
//   CODE_SERVER_BIN, CHROMIUM_BIN  other code-server / Chromium executables
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startCodeServer } from './lib/codeServer.mjs';
import { openWorkbench } from './lib/workbench.mjs';

const started = Date.now();
const note = (...parts) => console.error(`[vscode-test ${((Date.now() - started) / 1000).toFixed(1)}s]`, ...parts);
const TIMEOUT_MS = Number(process.env.VSCODE_TEST_TIMEOUT_MS || 300_000);
// Workbench start-up lines that say nothing about the tests (relayed only with VSCODE_TEST_VERBOSE=1).
const CHATTER = /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional builtin|\[Service Worker\]|ChatSessionStore|Updating additional builtin extensions cache)/;
const VALUE_FLAGS = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'locale']);

/** The VS Code command line, as far as code-server can honour it; Electron-only flags are ignored. */
function parseArguments(argv) {
  const parsed = { developmentPaths: [], testsPath: undefined, userDataDir: undefined, folder: undefined };
  for (let i = 0; i < argv.length; i++) {
    const flag = /^--([^=]+)(?:=(.*))?$/.exec(argv[i]);
    if (!flag) {
      parsed.folder ??= resolve(argv[i]);
      continue;
    }
    const [, name, inline] = flag;
    const value = inline ?? (VALUE_FLAGS.has(name) ? argv[++i] : undefined);
    if (name === 'extensionDevelopmentPath') parsed.developmentPaths.push(resolve(value));
    else if (name === 'extensionTestsPath') parsed.testsPath = resolve(value);
    else if (name === 'user-data-dir') parsed.userDataDir = resolve(value);
    // --disable-extensions: code-server's extensions folder is a fresh empty one, which has the same effect.
  }
  return parsed;
}

const args = parseArguments(process.argv.slice(2));
const userSettingsFile = args.userDataDir && join(args.userDataDir, 'User', 'settings.json');
const server = await startCodeServer({
  workspaceTrust: process.env.VSCODE_TEST_WORKSPACE_TRUST === 'untrusted',
  userSettingsFile: userSettingsFile && existsSync(userSettingsFile) ? userSettingsFile : undefined,
}).catch((error) => {
  note(String(error));
  process.exit(1);
});
note(`code-server ${server.url}`);

let workbench;
let ending = false;
async function end(code) {
  if (ending) return;
  ending = true;
  const keep = code !== 0 || Boolean(process.env.VSCODE_TEST_KEEP);
  const screenshot = process.env.VSCODE_TEST_SCREENSHOT || (code !== 0 ? join(server.tmp, 'workbench.png') : undefined);
  if (workbench && screenshot) await workbench.page.screenshot({ path: screenshot }).catch(() => undefined);
  await workbench?.context.close().catch(() => undefined);
  await server.stop({ keep });
  if (code !== 0) note(`kept ${server.tmp} (code-server.log, workbench.png); code-server log ends:\n${server.logTail()}`);
  process.exit(code);
}
process.on('SIGINT', () => void end(130));
process.on('SIGTERM', () => void end(143));
const timer = setTimeout(() => {
  note(`no result after ${TIMEOUT_MS} ms`);
  void end(1);
}, TIMEOUT_MS);

try {
  let reportExit;
  const exited = new Promise((resolveExit) => { reportExit = resolveExit; });
  workbench = await openWorkbench(server, {
    folder: args.folder,
    developmentPaths: args.developmentPaths,
    testsPath: args.testsPath,
    viewport: { width: 1280, height: 800 },
    onLog: (type, line) => {
      if (!process.env.VSCODE_TEST_VERBOSE && CHATTER.test(line)) return;
      (type === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
    },
    onExit: (code) => reportExit(Number(code)),
  });
  workbench.page.on('pageerror', (error) => note('workbench error:', String(error).slice(0, 300)));
  workbench.page.on('crash', () => {
    note('the workbench page crashed');
    reportExit(1);
  });
  note('workbench open; the extension tests run in its extension host');
  const code = await exited;
  clearTimeout(timer);
  note(`extension tests exited with ${code}`);
  await end(code === 0 ? 0 : code || 1);
} catch (error) {
  note(error instanceof Error ? error.stack : String(error));
  await end(1);
}
