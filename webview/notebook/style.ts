// The renderer's styles, injected once per notebook webview (a renderer module cannot link a stylesheet of its own).
export const NOTEBOOK_CSS = `
.losslab-summaries { font-family: var(--vscode-font-family); margin: 4px 0 8px; }
.losslab-summary { display: flex; align-items: center; gap: 6px; line-height: 1.6; }
.losslab-summary[data-status="failed"] { color: var(--vscode-errorForeground); }
.losslab-swatch { display: inline-block; width: 12px; height: 3px; border-radius: 1px; }
.losslab-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 10px; }
.losslab-chart h4 { margin: 0 0 4px; font-weight: 600; font-size: 12px; color: var(--vscode-descriptionForeground); }
.losslab-canvas-box { position: relative; height: 170px; }
.losslab-chart-summary { margin: 4px 0 0; font-size: 11px; color: var(--vscode-descriptionForeground); }
.losslab-heatmap { margin-top: 10px; }
`;
