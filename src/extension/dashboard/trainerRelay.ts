import type { BrowserTrainerToHost } from '../../protocol/browserTrainer';
import type { HostToDashboard } from '../../protocol/dashboard';
import { log } from '../log';
import { validateBrowserTrainerMessage } from '../training/browserTrainerMessages';
import type { BrowserTrainerPort, BrowserTrainerRelay } from '../training/events';

/**
 * The dashboard panel's part in webview training: hands the training side a port once the page is ready, passes the
 * trainer's messages back after validating them, and reports the trainer lost when the panel goes.
 */
export class TrainerRelay {
  private ready = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly training: BrowserTrainerRelay,
    private readonly send: (message: HostToDashboard) => void,
    private readonly rejected: (reason: string) => void,
  ) {}

  /** The page loaded (again): waiting ports can relay now. */
  pageReady(): void {
    this.ready = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** The relay to the browser trainer, once the page is ready for it. */
  async port(): Promise<BrowserTrainerPort> {
    if (!this.ready) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return { post: (message) => this.send({ type: 'RelayToTrainer', message }) };
  }

  /** The page is being rebuilt (a new focus request): its Web Worker ends, and with it the runs it trained. */
  pageReloading(): void {
    if (!this.ready) return;
    this.ready = false;
    this.training.browserTrainerLost('the dashboard reloaded its page, which ended its training worker; resume the run from its last checkpoint');
  }

  /** A message the page relayed from the trainer: checked, then handed to the training side. */
  fromTrainer(raw: BrowserTrainerToHost): void {
    const message = validateBrowserTrainerMessage(raw);
    if (typeof message === 'string') {
      this.rejected(message);
      log().warn(`dashboard: rejected a message from the training worker: ${message}`);
      return;
    }
    void this.training.relayFromBrowser(message);
  }

  /** The panel closed: the Web Worker went with it, and so did the runs it trained. */
  dispose(): void {
    this.training.browserTrainerLost('the dashboard that hosted the training worker was closed; resume the run from its last checkpoint');
  }
}
