import type { BrowserTrainerToHost, HostToBrowserTrainer } from '../../src/protocol/browserTrainer';
import { transferablesOf } from '../../src/protocol/trainingTransfer';

/**
 * The dashboard's browser trainer: a Web Worker started from dist/webview/trainer.js (fetched from the webview's
 * resource URI and run from a blob: URL, as webview workers must be) on the first relayed message. Messages both ways
 * pass through unchanged; a worker that cannot start answers a TrainPrepared with DidFail 'no-adapter', so the host
 * trains on the CPU instead and says why.
 */
export class TrainerHost {
  private worker: Promise<Worker> | null = null;
  /** Relays in order: a StopRun never overtakes the TrainPrepared that is still waiting for the worker to start. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly scriptUri: string | null, private readonly send: (message: BrowserTrainerToHost) => void) {}

  relay(message: HostToBrowserTrainer): void {
    this.queue = this.queue.then(async () => {
      try {
        const worker = await this.start();
        worker.postMessage(message, transferablesOf(message));
      } catch (error) {
        if (message.type !== 'TrainPrepared') return;
        const why = error instanceof Error ? error.message : String(error);
        this.send({ type: 'DidFail', runId: message.runId, kind: 'no-adapter', message: `the dashboard could not start its training worker: ${why}` });
      }
    });
  }

  private start(): Promise<Worker> {
    this.worker ??= this.create();
    // A failed start is tried again on the next relay (e.g. after the bundle was rebuilt).
    this.worker.catch(() => (this.worker = null));
    return this.worker;
  }

  private async create(): Promise<Worker> {
    if (!this.scriptUri) throw new Error('this dashboard was opened without the training worker');
    const response = await fetch(this.scriptUri);
    if (!response.ok) throw new Error(`the training worker's script could not be loaded (HTTP ${response.status})`);
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/javascript' }));
    const worker = new Worker(url);
    worker.addEventListener('message', (event: MessageEvent<BrowserTrainerToHost>) => this.send(event.data));
    worker.addEventListener('error', (event) => console.error('Loss Lab training worker:', event.message));
    return worker;
  }
}
