// A small driver for UI tests: one code-server + Chromium session with an extension loaded from source, and the few
// gestures the tests need (command palette, quick open, editing a line, reading a webview, notifications, screenshots).
// Types: ui.d.mts.
import { startCodeServer } from './codeServer.mjs';
import { openWorkbench } from './workbench.mjs';

const isMac = process.platform === 'darwin';
const MOD = isMac ? 'Meta' : 'Control';

/** Starts code-server, opens `folder` with the extension at `extensionPath` and waits for the workbench. */
export async function startVsCode({ folder, extensionPath, settings = {}, workspaceTrust = false, viewport }) {
  const server = await startCodeServer({ settings, workspaceTrust });
  try {
    const { context, page } = await openWorkbench(server, { folder, developmentPaths: [extensionPath], viewport });
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    return new VsCodeUi(server, context, page);
  } catch (error) {
    await server.stop({ keep: true });
    throw error;
  }
}

class VsCodeUi {
  constructor(server, context, page) {
    this.server = server;
    this.context = context;
    /** The playwright Page, for what the methods below do not cover. */
    this.page = page;
  }

  /** Runs a command by its palette title ("Loss Lab: Train"); retried while extensions are still registering. */
  /** The command palette's rows for `text`, in the order it shows them (the palette is closed again). */
  async paletteLabels(text) {
    const page = this.page;
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`>${text}`);
    const rows = page.locator('.quick-input-list .monaco-list-row .label-name');
    await rows.first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    const labels = (await rows.allTextContents()).map((label) => label.trim());
    await page.keyboard.press('Escape');
    return labels;
  }

  async runCommand(title, { attempts = 15 } = {}) {
    const page = this.page;
    for (let i = 0; i < attempts; i++) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget .quick-input-box input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      try {
        await row.waitFor({ timeout: 3000 });
      } catch {
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
        continue;
      }
      // The first row must be this command, not a longer title that contains it.
      const label = (await row.locator('.label-name').first().textContent())?.trim();
      if (label !== title) {
        await page.keyboard.press('Escape');
        throw new Error(`the palette's first match for "${title}" is "${label}"`);
      }
      // Clicked, not Enter: the palette may rank another fuzzy match first ("Resume Training" above "Train").
      await row.click();
      return;
    }
    throw new Error(`command "${title}" never appeared in the command palette`);
  }

  /**
   * Opens a workspace file through Quick Open and waits for its editor tab to be active and its editor drawn: a text
   * editor, or with `{ notebook: true }` a notebook editor (which has no text editor of its own).
   */
  async openFile(relativePath, { notebook = false } = {}) {
    const page = this.page;
    const name = relativePath.split('/').pop();
    await page.keyboard.press(`${MOD}+P`);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(relativePath);
    // Clicked rather than Enter: under load Enter can land before the file search has filled the list.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click({ timeout: 30_000 });
    await page.locator('.tab.active', { hasText: name }).first().waitFor({ timeout: 30_000 });
    // Playwright sees a notebook's elements as hidden (they are drawn in an overlay): its first cell row, attached, shows it open.
    if (notebook) await page.locator('.notebook-editor .monaco-list-row').first().waitFor({ state: 'attached', timeout: 30_000 });
    else await page.locator('.editor-instance .monaco-editor').first().waitFor({ timeout: 30_000 });
  }

  /** Replaces the text of line `lineNumber` (1-based, after its indentation) in the active editor by typing. */
  async replaceLine(lineNumber, text) {
    const page = this.page;
    await page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await page.keyboard.press(`${MOD}+G`);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${lineNumber}`);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.type(text);
    // Close a completion list the typing may have opened, so nothing else gets inserted.
    await page.keyboard.press('Escape');
  }

  /** Closes the editor tab whose label contains `label` with its close button. */
  async closeTab(label) {
    const tab = this.page.locator('.tabs-container .tab', { hasText: label }).first();
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await tab.waitFor({ state: 'detached', timeout: 10_000 });
  }

  /**
   * The webview frame (iframe.webview > iframe#active-frame) whose document has `selector`, waiting for it; looked up
   * anew each call because closing and reopening a panel replaces its frames.
   */
  async webview(selector, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        if (frame.isDetached()) continue;
        try {
          if (await frame.$(selector)) return new WebviewFrame(frame);
        } catch {
          // a frame that went away while we looked
        }
      }
      await this.page.waitForTimeout(250);
    }
    throw new Error(`no webview shows ${selector}`);
  }

  /** Waits until no webview shows `selector` (a closed panel's frames outlive its tab for a moment). */
  async waitForNoWebview(selector, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let shown = false;
      for (const frame of this.page.frames()) {
        if (!frame.isDetached() && (await frame.$(selector).catch(() => null))) shown = true;
      }
      if (!shown) return;
      if (Date.now() > deadline) throw new Error(`a webview still shows ${selector}`);
      await this.page.waitForTimeout(250);
    }
  }

  /** Texts of the notifications on screen (toasts), newest last. */
  async notificationTexts() {
    return this.page.locator('.notification-toast .notification-list-item-message').allTextContents();
  }

  /** Waits for a notification toast whose text matches `pattern`; returns the text. */
  async waitForNotification(pattern, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (await this.notificationTexts()).find((text) => pattern.test(text));
      if (match) return match;
      if (Date.now() > deadline) throw new Error(`no notification matched ${pattern}; shown: ${JSON.stringify(await this.notificationTexts())}`);
      await this.page.waitForTimeout(250);
    }
  }

  /** The rendered lines of the active diff editor's two sides (only the lines in view: Monaco renders no others). */
  async diffEditorLines() {
    const editor = this.page.locator('.monaco-diff-editor').last();
    await editor.waitFor({ state: 'visible', timeout: 15_000 });
    // Monaco renders spaces as no-break spaces: plain spaces, as in the file.
    const side = async (name) => (await editor.locator(`.${name}-in-monaco-diff-editor .view-lines .view-line`).allTextContents()).map((line) => line.replace(/\u00a0/g, ' '));
    return { original: await side('original'), modified: await side('modified') };
  }

  /** The labels of the editor tabs of every editor group, in order. */
  async tabLabels() {
    return this.page.locator('.tabs-container .tab .label-name').allTextContents();
  }

  /** Saves a PNG of the whole workbench. */
  async screenshot(path) {
    await this.page.screenshot({ path });
  }

  /** Closes the browser and code-server; `keep` leaves the temp folder (code-server.log, profile) for a post-mortem. */
  async close({ keep = false } = {}) {
    await this.context.close().catch(() => undefined);
    await this.server.stop({ keep });
    return keep ? this.server.tmp : undefined;
  }
}

class WebviewFrame {
  constructor(frame) {
    this.frame = frame;
  }

  /** textContent of the element with data-testid=`testId` (null when there is none). */
  async text(testId) {
    const element = await this.frame.$(`[data-testid="${testId}"]`);
    return element ? element.textContent() : null;
  }

  /** Waits until the text of data-testid=`testId` matches `pattern` (a RegExp or a predicate); returns that text. */
  async waitForText(testId, pattern, timeoutMs = 30_000) {
    const matches = typeof pattern === 'function' ? pattern : (text) => pattern.test(text);
    const deadline = Date.now() + timeoutMs;
    let last = null;
    for (;;) {
      if (this.frame.isDetached()) throw new Error(`the webview went away while waiting for data-testid="${testId}" to match ${pattern}`);
      last = await this.text(testId).catch(() => null);
      if (last !== null && matches(last)) return last;
      if (Date.now() > deadline) throw new Error(`data-testid="${testId}" never matched ${pattern}; last text: ${JSON.stringify(last)}`);
      await this.frame.page().waitForTimeout(250);
    }
  }

  /** textContent of every element matching a CSS selector, in document order. */
  async texts(selector) {
    return this.frame.locator(selector).allTextContents();
  }

  /** Scrolls the element with data-testid=`testId` to the top of the webview. */
  async scrollTo(testId) {
    await this.frame.$eval(`[data-testid="${testId}"]`, (element) => element.scrollIntoView({ block: 'start' }));
  }

  /** Moves the mouse over the element with data-testid=`testId`, at `position` (CSS pixels from its top left). */
  async hover(testId, position) {
    await this.frame.hover(`[data-testid="${testId}"]`, { position });
  }

  /** Clicks the element with data-testid=`testId`. */
  async click(testId) {
    await this.frame.click(`[data-testid="${testId}"]`);
  }

  /**
   * Posts a raw value to the extension host through the webview's real channel, bypassing the page's own script
   * (acquireVsCodeApi() can be called once per page). In VS Code's webview host (webview/browser/pre/index.html),
   * acquireVsCodeApi().postMessage(m) calls __vscode_post_message__('onmessage', { message: m }) on the host frame
   * around the page; the page itself loses its `parent` reference, so call it on that frame directly.
   */
  async postToHost(message) {
    const host = this.frame.parentFrame();
    if (!host) throw new Error('the webview page has no host frame');
    await host.evaluate((data) => globalThis.__vscode_post_message__('onmessage', { message: data }), message);
  }
}
