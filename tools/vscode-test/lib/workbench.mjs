// Opens code-server's workbench in Debian's headless Chromium (driven by playwright-core), optionally with extensions
// loaded from source and an extension test runner, which code-server only accepts through the `payload` URL parameter.
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { format } from 'node:util';
import { chromium } from 'playwright-core';

const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** $CHROMIUM_BIN, else the first Chromium-family executable on PATH (Debian's package installs `chromium`). */
export function chromiumPath() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of BROWSER_NAMES) {
      try {
        accessSync(join(folder, name), constants.X_OK);
        return join(folder, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error(`no Chromium on PATH (looked for ${BROWSER_NAMES.join(', ')}): apt-get install -y chromium, or set CHROMIUM_BIN`);
}
// Headless in a container: no sandbox (root), no GPU, and nothing that phones home.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * VS Code's web workbench honours the payload's extensionDevelopmentPath / extensionTestsPath only when
 * developmentOptions.enableSmokeTestDriver is set (enforced from VS Code 1.13x; 1.100 accepts them anyway).
 * code-server renders the workbench configuration into a meta tag and has no flag for it, so patch what the workbench
 * reads before any of its code runs. (Rewriting the HTML with page.route() also works, but then Chromium's Local
 * Network Access checks block the workbench's WebSocket.)
 */
async function enableSmokeTestDriver(page) {
  await page.addInitScript(() => {
    const getAttribute = globalThis.Element.prototype.getAttribute; // runs in the page
    globalThis.Element.prototype.getAttribute = function (name) {
      const value = getAttribute.call(this, name);
      if (name !== 'data-settings' || this.id !== 'vscode-workbench-web-configuration' || !value) return value;
      try {
        const config = JSON.parse(value);
        config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
        return JSON.stringify(config);
      } catch {
        return value;
      }
    };
  });
}

/** code-server names its remote authority "remote": local paths become vscode-remote://remote/<path>. */
const remoteUri = (path) => `vscode-remote://remote${resolve(path)}`;

/**
 * Opens the workbench.
 * @param {{ url: string, tmp: string }} server from startCodeServer
 * @param {{ folder?: string, developmentPaths?: string[], testsPath?: string, viewport?: { width: number, height: number },
 *   onLog?: (type: string, line: string) => void, onExit?: (code: number) => void }} [options]
 *   onLog / onExit: the extension host's console and its test runner's exit code (window.codeAutomationLog /
 *   codeAutomationExit, the hooks @vscode/test-web uses; the workbench calls them only when they exist).
 */
export async function openWorkbench(server, options = {}) {
  const context = await chromium.launchPersistentContext(join(server.tmp, 'chromium'), {
    executablePath: chromiumPath(),
    headless: true,
    viewport: options.viewport ?? { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await enableSmokeTestDriver(page);
  if (options.onLog) {
    const onLog = options.onLog;
    await page.exposeFunction('codeAutomationLog', (type, args) => onLog(type, format(...(Array.isArray(args) ? args : [args]))));
  }
  if (options.onExit) await page.exposeFunction('codeAutomationExit', options.onExit);

  const payload = [
    ...(options.developmentPaths ?? []).map((path) => ['extensionDevelopmentPath', remoteUri(path)]),
    ...(options.testsPath ? [['extensionTestsPath', remoteUri(options.testsPath)]] : []),
  ];
  const query = new URLSearchParams();
  if (options.folder?.endsWith('.code-workspace')) query.set('workspace', resolve(options.folder));
  else if (options.folder) query.set('folder', resolve(options.folder));
  else query.set('ew', 'true');
  if (payload.length > 0) query.set('payload', JSON.stringify(payload));
  await page.goto(`${server.url}/?${query}`);
  return { context, page };
}
