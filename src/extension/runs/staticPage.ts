import { randomBytes } from 'node:crypto';

/** Escapes text for an HTML attribute or element. */
export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A script-free webview page (as the dashboard's html.ts does it, one CSP per page): nothing by default, only this
 * page's nonce'd <style>, images only as data: URLs.
 */
export function staticPageHtml(title: string, css: string, body: string, nonce = randomBytes(16).toString('base64')): string {
  const csp = ["default-src 'none'", 'img-src data:', `style-src 'nonce-${nonce}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${escapeAttr(nonce)}">${css}</style>
<title>${escapeAttr(title)}</title>
</head>
<body>
${body}
</body>
</html>`;
}

/** A self-contained HTML document (the run report) made safe for a webview: the same CSP put into its <head>. */
export function withStaticCsp(html: string, nonce = randomBytes(16).toString('base64')): string {
  const csp = ["default-src 'none'", 'img-src data:', `style-src 'nonce-${nonce}'`].join('; ');
  return html
    .replace(/<head>/i, `<head>\n<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">`)
    .replace(/<style>/gi, `<style nonce="${escapeAttr(nonce)}">`);
}
