import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../../export/report/escape';

/** What the page is built from: the webview's CSP source and asset URIs (already asWebviewUri'd), and settings. */
export interface DashboardPageOptions {
  /** webview.cspSource. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Smoothing used until the user moves the slider (losslab.smoothing). */
  defaultSmoothing: number;
  /** Bring this chart into view once (e.g. "lr" for Preview Learning-Rate Schedule). */
  focusChart: string | null;
  /** dist/webview/trainer.js as a webview URI when the page may host the browser trainer; null: it may not. */
  trainerScriptUri?: string | null;
}

/**
 * The dashboard's HTML, the one place its Content Security Policy is written: nothing by default, styles and
 * fonts only from the extension, scripts only with this page's nonce, images from the extension or as data: URLs.
 * A page that hosts the browser trainer may also fetch the extension's files and run a worker from a blob: URL.
 */
export function dashboardHtml(options: DashboardPageOptions, nonce = randomBytes(16).toString('base64')): string {
  const { cspSource } = options;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    ...(options.trainerScriptUri ? [`connect-src ${cspSource}`, 'worker-src blob:'] : []),
  ].join('; ');
  // A fresh token per request: the page remembers the last one it handled, so a reload does not scroll again.
  const focus = options.focusChart ? ` data-focus-chart="${escapeHtml(options.focusChart)}" data-focus-token="${randomBytes(8).toString('hex')}"` : '';
  const trainer = options.trainerScriptUri ? ` data-trainer-script="${escapeHtml(options.trainerScriptUri)}"` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${escapeHtml(nonce)}" href="${escapeHtml(options.styleUri)}">
<title>Loss Lab Dashboard</title>
</head>
<body data-default-smoothing="${escapeHtml(String(options.defaultSmoothing))}"${focus}${trainer}>
<div id="root"></div>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}
