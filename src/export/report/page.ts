import { createHash } from 'node:crypto';
import { escapeHtml } from './escape';

/**
 * The Content Security Policy of a script-free page: nothing loads, images only as data: URLs, and only the page's
 * own stylesheet (by its SHA-256, so an injected <style> never matches), no base or form targets.
 */
export function staticPageCsp(css: string): string {
  const hash = createHash('sha256').update(css, 'utf8').digest('base64');
  return ["default-src 'none'", 'img-src data:', `style-src 'sha256-${hash}'`, "base-uri 'none'", "form-action 'none'"].join('; ');
}

/**
 * A self-contained, script-free HTML page carrying its own CSP: the same bytes work as a file to share and as a
 * webview's html. `body` must already be escaped HTML.
 */
export function staticHtmlPage(title: string, css: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(staticPageCsp(css))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
