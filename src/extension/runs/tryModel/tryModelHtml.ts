import { randomBytes } from 'node:crypto';
import { escapeHtml } from '../../../export/report/escape';

/** What the Try Model page is built from: the webview's CSP source and its asset URIs (already asWebviewUri'd). */
export interface TryModelPageOptions {
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  title: string;
}

/**
 * The Try Model page and its Content Security Policy, as the dashboard's: nothing by default, styles and fonts only
 * from the extension, the one script only with this page's nonce. The model runs in the extension host, so the
 * page needs neither wasm nor network access.
 */
export function tryModelHtml(options: TryModelPageOptions, nonce = randomBytes(16).toString('base64')): string {
  const { cspSource } = options;
  const csp = [
    "default-src 'none'",
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${escapeHtml(nonce)}" href="${escapeHtml(options.styleUri)}">
<title>${escapeHtml(options.title)}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}
