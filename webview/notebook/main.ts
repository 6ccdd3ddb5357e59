// The notebook renderer of Loss Lab's chart outputs (an ES module, as VS Code loads renderers). Live outputs
// subscribe to their run through renderer messaging and grow as the extension host forwards new metrics.
import { isRunOutputData, type AppendMessage, type SubscribeMessage } from '../../src/extension/notebook/outputData';
import type { OutputRenderer, RendererContext } from './rendererApi';
import { RunView } from './runView';
import { NOTEBOOK_CSS } from './style';

export function activate(context: RendererContext): OutputRenderer {
  const views = new Map<string, RunView>();
  context.onDidReceiveMessage?.((message) => {
    const append = message as Partial<AppendMessage> | null;
    if (append?.type !== 'append' || typeof append.runId !== 'string' || !append.series || !append.summary) return;
    for (const view of views.values()) if (view.liveRunIds.includes(append.runId)) view.append(append.runId, append.series, append.summary, append.reset === true);
  });
  return {
    renderOutputItem(item, element) {
      injectStyle(element.ownerDocument);
      views.get(item.id)?.dispose();
      const data = item.json();
      if (!isRunOutputData(data)) {
        element.textContent = 'Loss Lab: this output is not a run chart.';
        return;
      }
      const view = new RunView(element, data);
      views.set(item.id, view);
      for (const runId of view.liveRunIds) context.postMessage?.({ type: 'subscribe', runId } satisfies SubscribeMessage);
    },
    disposeOutputItem(id) {
      for (const [key, view] of views) {
        if (id !== undefined && key !== id) continue;
        view.dispose();
        views.delete(key);
      }
    },
  };
}

function injectStyle(document: Document): void {
  if (document.getElementById('losslab-notebook-style')) return;
  const style = document.createElement('style');
  style.id = 'losslab-notebook-style';
  style.textContent = NOTEBOOK_CSS;
  document.head.append(style);
}
