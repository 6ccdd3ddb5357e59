import { MessageChannel } from '../../src/protocol/channel';
import type { BrowserTrainerToHost, HostToBrowserTrainer } from '../../src/protocol/browserTrainer';
import { transferablesOf } from '../../src/protocol/trainingTransfer';
import { runIdOf, validateHostToBrowserTrainer } from './messages';
import { BrowserRuns } from './runs';

/** The parts of a dedicated worker's global scope this entry uses (the webview tsconfig types `self` as a Window). */
interface WorkerScope {
  postMessage(message: BrowserTrainerToHost, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
  navigator: { gpu?: GPU };
}

const scope = globalThis as unknown as WorkerScope;

// Tensors and tokens are transferred, not copied: the worker never touches a message after posting it.
const post = (message: BrowserTrainerToHost): void => scope.postMessage(message, transferablesOf(message));
const runs = new BrowserRuns({ send: post, gpu: scope.navigator.gpu });

const channel = new MessageChannel<HostToBrowserTrainer, BrowserTrainerToHost>(
  post,
  validateHostToBrowserTrainer,
  (reason, raw) => {
    // A refused request still gets an answer, so the host does not wait for a run that never starts.
    const runId = runIdOf(raw);
    if (runId) post({ type: 'DidFail', runId, kind: 'error', message: `the browser trainer refused a message: ${reason}` });
  },
);
channel.on('TrainPrepared', (message) => runs.start(message));
channel.on('StopRun', (message) => runs.stop(message.runId));
channel.on('ResumeRun', (message) => runs.resume(message.runId));
scope.addEventListener('message', (event) => channel.receive(event.data));
