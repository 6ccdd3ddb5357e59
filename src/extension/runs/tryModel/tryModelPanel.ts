import * as vscode from 'vscode';
import { MessageChannel } from '../../../protocol/channel';
import { validateTryModelMessage, type HostToTryModel, type TryModelToHost } from '../../../protocol/tryModel';
import { log } from '../../log';
import { pickRun } from '../runPicker';
import { TryModelSession } from './modelSession';
import { tryModelHtml } from './tryModelHtml';

/**
 * `losslab.tryModel [run or config]`: a panel that generates text (gpt) or translates (encoder-decoder) with the
 * run's ONNX model. The model runs in onnxruntime-web's wasm backend in the extension host; the page only asks and
 * shows. Resolves with the panel, or undefined when no run was chosen or the model did not load.
 */
export async function tryModelCommand(extensionUri: vscode.Uri, arg: unknown, version: string): Promise<vscode.WebviewPanel | undefined> {
  const run = await pickRun(arg, { title: 'Loss Lab: Try Model', accept: (info) => info.steps_completed > 0, noneReason: 'trained a step' });
  if (!run) return undefined;
  const title = `Try ${run.info.name} (${run.info.id})`;
  const panel = vscode.window.createWebviewPanel('losslab.tryModel', title, vscode.ViewColumn.Beside, {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist')],
  });
  const webview = panel.webview;
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name)).toString();
  const channel = new MessageChannel<TryModelToHost, HostToTryModel>(
    (message) => void webview.postMessage(message),
    validateTryModelMessage,
    (reason) => log().warn(`Try Model: ignored a message from the panel: ${reason}`),
    (error) => channel.send({ type: 'DidFail', message: error instanceof Error ? error.message : String(error) }),
  );
  const loading = TryModelSession.open(run.folder, run.info.id, version);
  loading.catch((error: unknown) => log().error(`Try Model: could not load the model of ${run.folder}: ${String(error)}`));
  channel.on('Ready', async () => {
    channel.send((await loading).description);
  });
  channel.on('Generate', async (request) => {
    const session = await loading;
    const started = performance.now();
    const result = await session.generate(request, (text, tokens) => channel.send({ type: 'DidGenerate', text, tokens, done: false, stop: null, ms: performance.now() - started }));
    channel.send({ type: 'DidGenerate', text: result.text, tokens: result.tokens.length, done: true, stop: result.stop, ms: performance.now() - started });
  });
  const received = webview.onDidReceiveMessage((raw: unknown) => channel.receive(raw));
  panel.onDidDispose(() => {
    received.dispose();
    void loading.then((session) => session.dispose(), () => undefined);
  });
  webview.html = tryModelHtml({ cspSource: webview.cspSource, scriptUri: asset('tryModel.js'), styleUri: asset('tryModel.css'), title });
  return panel;
}
