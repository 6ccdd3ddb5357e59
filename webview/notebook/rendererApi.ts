// The parts of VS Code's notebook renderer API (vscode-notebook-renderer) this renderer uses, typed by hand so the
// webview project needs no extra type package.

/** One output item handed to the renderer. */
export interface OutputItem {
  readonly id: string;
  readonly mime: string;
  json(): unknown;
}

/** What VS Code gives the renderer's `activate`; messaging exists when the extension set up renderer messaging. */
export interface RendererContext {
  postMessage?(message: unknown): void;
  onDidReceiveMessage?(listener: (message: unknown) => void): { dispose(): void };
}

/** What `activate` returns. */
export interface OutputRenderer {
  renderOutputItem(item: OutputItem, element: HTMLElement): void;
  disposeOutputItem?(id?: string): void;
}
