// Starts code-server (VS Code's real server + web workbench) for one test run: its own temp folder, a free loopback
// port, no auth, no marketplace, and its own process group so the whole tree can be ended afterwards.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOOLS_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
const CODE_SERVER = process.env.CODE_SERVER_BIN || join(TOOLS_DIR, 'node_modules', '.bin', 'code-server');

/** Settings that keep a fresh profile quiet: no welcome page, telemetry, updates, experiments or AI side bar. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
};

/** The path of code-server's executable (installed by tools/vscode-test/setup.sh). */
export function codeServerPath() {
  return CODE_SERVER;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Ends a process group: SIGTERM, then SIGKILL after 3 s (an orphaned extension host was seen to outlive SIGTERM). */
export async function endProcessGroup(pid) {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Starts code-server and waits for /healthz.
 * @param {{ settings?: Record<string, unknown>, workspaceTrust?: boolean, userSettingsFile?: string, env?: Record<string, string> }} [options]
 *   workspaceTrust: true keeps Workspace Trust on with no startup prompt, so a folder opens in Restricted Mode.
 */
export async function startCodeServer(options = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'losslab-vscode-'));
  // code-server puts an IPC socket in the user-data-dir: a short path keeps it under the socket-path limit.
  const userData = join(tmp, 'ud');
  const extensions = join(tmp, 'ext');
  const tmpForServer = join(tmp, 't');
  for (const dir of [join(userData, 'User'), extensions, tmpForServer]) mkdirSync(dir, { recursive: true });
  const trust = options.workspaceTrust
    ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }
    : { 'security.workspace.trust.enabled': false };
  const userSettings = options.userSettingsFile ? JSON.parse(readFileSync(options.userSettingsFile, 'utf8')) : {};
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...userSettings, ...options.settings, ...trust }, null, 1));

  const port = await freePort();
  // Without --config, code-server writes ~/.config/code-server/config.yaml: give it one of its own.
  const config = join(tmp, 'config.yaml');
  writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const logFile = join(tmp, 'code-server.log');
  const log = openSync(logFile, 'a');
  const args = ['--config', config, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
    '--disable-update-check', '--disable-getting-started-override', '--user-data-dir', userData, '--extensions-dir', extensions];
  if (!options.workspaceTrust) args.push('--disable-workspace-trust');
  const child = spawn(CODE_SERVER, args, {
    detached: true,
    stdio: ['ignore', log, log],
    // TMPDIR: VS Code leaves vscode-ipc-*.sock and friends in os.tmpdir(); keep them in our folder.
    env: { ...process.env, ...options.env, EXTENSIONS_GALLERY: '{}', TMPDIR: tmpForServer },
  });
  let exited = null;
  child.on('exit', (code, signal) => { exited = signal ?? code; });
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    tmp,
    logFile,
    /** The last lines of code-server's log (for failure reports). */
    logTail(lines = 25) {
      try {
        return readFileSync(logFile, 'utf8').split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
    /** Ends code-server's process group and removes the temp folder unless `keep`. */
    async stop({ keep = false } = {}) {
      await endProcessGroup(child.pid);
      if (!keep) rmSync(tmp, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (exited !== null || Date.now() > deadline) {
      const tail = server.logTail();
      await server.stop({ keep: true });
      throw new Error(`code-server did not start (${exited !== null ? `exited with ${exited}` : 'no answer in 60 s'}); log ${logFile}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
