// Types of ui.mjs for the TypeScript UI tests (test/ui), written by hand so that type-checking the project does not
// need this folder's node_modules.

/** Options of startVsCode. */
export interface StartOptions {
  /** The workspace folder to open. */
  folder: string;
  /** The extension to load from source (extensionDevelopmentPath). */
  extensionPath: string;
  /** User settings on top of the quiet defaults. */
  settings?: Record<string, unknown>;
  /** true: Workspace Trust on, so the folder opens in Restricted Mode. */
  workspaceTrust?: boolean;
  viewport?: { width: number; height: number };
}

/** The part of playwright's Page the tests may use directly. */
export interface UiPage {
  keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
  waitForTimeout(ms: number): Promise<void>;
}

/** One webview's document. */
export interface WebviewFrame {
  text(testId: string): Promise<string | null>;
  waitForText(testId: string, pattern: RegExp | ((text: string) => boolean), timeoutMs?: number): Promise<string>;
  click(testId: string): Promise<void>;
  /** Moves the mouse over the element with data-testid=`testId`, at `position` (CSS pixels from its top left). */
  hover(testId: string, position: { x: number; y: number }): Promise<void>;
  /** textContent of every element matching a CSS selector, in document order. */
  texts(selector: string): Promise<string[]>;
  /** Scrolls the element with data-testid=`testId` to the top of the webview. */
  scrollTo(testId: string): Promise<void>;
  /** Sends any value to the extension host through the webview's real postMessage channel. */
  postToHost(message: unknown): Promise<void>;
}

/** A running code-server + Chromium session. */
export interface VsCodeUi {
  readonly page: UiPage;
  runCommand(title: string, options?: { attempts?: number }): Promise<void>;
  /** The command palette's rows for `text`, in the order it shows them. */
  paletteLabels(text: string): Promise<string[]>;
  /** Opens a file through Quick Open; waits for a text editor, or a notebook editor with `{ notebook: true }`. */
  openFile(relativePath: string, options?: { notebook?: boolean }): Promise<void>;
  replaceLine(lineNumber: number, text: string): Promise<void>;
  closeTab(label: string): Promise<void>;
  webview(selector: string, timeoutMs?: number): Promise<WebviewFrame>;
  /** Waits until no webview shows `selector`. */
  waitForNoWebview(selector: string, timeoutMs?: number): Promise<void>;
  notificationTexts(): Promise<string[]>;
  waitForNotification(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The rendered lines of the active diff editor's two sides. */
  diffEditorLines(): Promise<{ original: string[]; modified: string[] }>;
  /** The labels of the editor tabs of every editor group, in order. */
  tabLabels(): Promise<string[]>;
  screenshot(path: string): Promise<void>;
  /** Resolves with the kept temp folder when `keep`. */
  close(options?: { keep?: boolean }): Promise<string | undefined>;
}

export function startVsCode(options: StartOptions): Promise<VsCodeUi>;
