// The one HTML escaper of Loss Lab: the report, every webview page and panel import it from here.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML/SVG elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Any value read from disk or a message, as escaped text: numbers as written, strings escaped, null and undefined
 * as `missing`, anything else as escaped JSON (a tampered field never reaches the page raw).
 */
export function htmlText(value: unknown, missing = '–'): string {
  if (value === null || value === undefined) return missing;
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return escapeHtml(JSON.stringify(value) ?? String(value));
}
