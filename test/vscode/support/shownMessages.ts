// Records the notifications the extension shows, answering each at once as if dismissed: a test can read what the
// user was told, and a command that awaits its error message is not left waiting for a click.
import type * as vscode from 'vscode';

type Severity = 'information' | 'warning' | 'error';
type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

const METHODS = { information: 'showInformationMessage', warning: 'showWarningMessage', error: 'showErrorMessage' } as const;

/** Every notification shown while installed, oldest first; `dispose` puts VS Code's own functions back. */
export class ShownMessages implements vscode.Disposable {
  readonly shown: { severity: Severity; text: string }[] = [];
  private readonly originals: [Severity, Show][] = [];

  constructor(private readonly window: typeof vscode.window) {
    const methods = window as unknown as Record<string, Show>;
    for (const severity of Object.keys(METHODS) as Severity[]) {
      this.originals.push([severity, methods[METHODS[severity]]]);
      methods[METHODS[severity]] = (message: string) => {
        this.shown.push({ severity, text: message });
        return Promise.resolve(undefined);
      };
    }
  }

  /** The texts of one severity shown since `from` (an index into `shown`). */
  texts(severity: Severity, from = 0): string[] {
    return this.shown.slice(from).filter((message) => message.severity === severity).map((message) => message.text);
  }

  dispose(): void {
    const methods = this.window as unknown as Record<string, Show>;
    for (const [severity, original] of this.originals.splice(0)) methods[METHODS[severity]] = original;
  }
}
