import * as vscode from 'vscode';
import { formatLearningRate } from '../../config/editLearningRate';
import type { LrFinderResult } from '../../engine/train/lrFinder';
import { escapeHtml } from '../../export/report/escape';
import { lineChart } from '../../export/report/svgChart';
import { staticHtmlPage } from '../../export/report/page';

const CSS = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 8px 16px; }
.chart { background: transparent; } .plot { fill: none; stroke: var(--vscode-panel-border, #8886); }
.grid { stroke: var(--vscode-editorWidget-border, #8883); } .axis { stroke: var(--vscode-descriptionForeground); }
.tick, .legend, .axis-label { font-size: 11px; fill: var(--vscode-descriptionForeground); }
.chart-title { font-size: 13px; font-weight: 600; fill: var(--vscode-foreground); } .chart-empty { fill: var(--vscode-descriptionForeground); }
.marker { stroke: var(--vscode-charts-red, #c92a2a); stroke-dasharray: 3 3; } .marker-label { font-size: 11px; fill: var(--vscode-charts-red, #c92a2a); }
p { color: var(--vscode-descriptionForeground); }
`;

const STOPS: Record<LrFinderResult['stop'], string> = {
  end: 'reached the last learning rate',
  diverged: 'stopped early: the smoothed loss passed 4× its best',
  not_finite: 'stopped early: a loss or gradient was not finite',
};

/** The page of an LR range test: loss and smoothed loss against lr on a log axis, the suggestion marked. */
export function lrFinderPage(configName: string, result: LrFinderResult): string {
  const suggestion = formatLearningRate(result.suggestion);
  const chart = lineChart([
    { name: 'loss', points: result.points.map((p) => [p.lr, p.loss] as const), color: '#1f6fd1' },
    { name: 'smoothed', points: result.points.map((p) => [p.lr, p.smoothed] as const), color: '#d9480f', dashed: true },
  ], {
    title: `LR range test — ${configName}`, xLabel: 'learning rate (log scale)', logX: true, width: 720, height: 360,
    markers: [{ x: result.suggestion, label: `suggested ${suggestion}` }],
  });
  const body = `${chart}
<p data-testid="lr-suggestion">Suggested learning rate: <strong>${escapeHtml(suggestion)}</strong> (steepest descent of the smoothed loss);
min-loss/10: ${escapeHtml(formatLearningRate(result.minLossOver10))}. ${escapeHtml(result.points.length.toString())} steps, ${escapeHtml(STOPS[result.stop])}.</p>`;
  return staticHtmlPage(`LR range test — ${configName}`, CSS, body);
}

/** Shows (or replaces) the LR range test panel beside the editor. */
export function showLrFinderChart(configName: string, result: LrFinderResult): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel('losslab.lrFinder', `LR range test: ${configName}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
    enableScripts: false, localResourceRoots: [],
  });
  panel.webview.html = lrFinderPage(configName, result);
  return panel;
}
