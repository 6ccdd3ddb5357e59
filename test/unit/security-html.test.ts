// Issue 15, item 7: every string that reaches HTML is escaped, and a page's CSP lets only its own style apply.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LabConfig } from '../../src/config/types';
import { dashboardHtml } from '../../src/extension/dashboard/html';
import { escapeHtml, htmlText } from '../../src/export/report/escape';
import { renderReport, type ReportInput } from '../../src/export/report/htmlReport';
import { staticHtmlPage } from '../../src/export/report/page';
import type { RunInfo } from '../../src/protocol/runInfo';

const XSS = '<img src=x onerror=alert(1)>';
const STYLE_XSS = '</style><style>body{background:url(https://evil.example/x)}</style>';
const step = { step: 1, loss: 2.5, lr: 0.01, grad_norm: 1, grad_norm_clipped: 1, tokens: 8, tokens_per_sec: 100, time_ms: 5 };

/** A run.json with a hostile string in every string field and a hostile string where numbers belong. */
function hostileInfo(): RunInfo {
  const numberField = XSS as unknown as number;
  return {
    id: XSS, name: STYLE_XSS, config_file: XSS, status: XSS as RunInfo['status'],
    backend: { name: XSS, description: XSS, reason: STYLE_XSS, adapter: null },
    versions: { losslab: XSS, node: XSS }, started_at: XSS, finished_at: XSS,
    steps_completed: numberField, total_steps: numberField, parameters: numberField, vocab_size: numberField,
    final_loss: numberField, final_val_loss: numberField, tokens_per_sec: numberField, message: XSS,
  };
}

function hostileReport(): string {
  const config = { name: XSS, seed: 1, [XSS]: XSS, model: { kind: XSS, [XSS]: [XSS, { x: XSS }] } } as unknown as LabConfig;
  const input: ReportInput = {
    id: XSS, configName: XSS, info: hostileInfo(), config,
    steps: [step, { ...step, step: XSS as unknown as number }], evals: [{ step: XSS as unknown as number, val_loss: 2 }],
  };
  return renderReport(input, { version: XSS, generatedAt: XSS });
}

/** The CSP meta tag's content and every <style> element's text of a page. */
function cspAndStyles(html: string): { csp: string; styles: string[]; styleTags: string[] } {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1] ?? '';
  return {
    csp: csp.replace(/&#39;/g, "'"),
    styles: [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]),
    styleTags: [...html.matchAll(/<style\b[^>]*>/gi)].map((m) => m[0]),
  };
}

describe('one HTML escaper', () => {
  it('escapes the five characters and shows any value from disk as escaped text', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    assert.equal(htmlText(XSS), '&lt;img src=x onerror=alert(1)&gt;');
    assert.equal(htmlText(1234.5), '1234.5');
    assert.equal(htmlText(null), '–');
    assert.equal(htmlText({ a: '<b>' }), '{&quot;a&quot;:&quot;&lt;b&gt;&quot;}');
  });

  it('is the only one: no other module of src or webview writes HTML entities itself', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.ts$/.test(name) && readFileSync(path, 'utf8').includes("'&amp;'")) offenders.push(path);
      }
    };
    const root = join(__dirname, '..', '..');
    walk(join(root, 'src'));
    walk(join(root, 'webview'));
    assert.deepEqual(offenders.map((p) => p.slice(root.length + 1)), [join('src', 'export', 'report', 'escape.ts')]);
  });
});

describe('the run report under hostile run folders', () => {
  it('writes no tag from run.json, config.json or metrics raw: every hostile value is escaped', () => {
    const html = hostileReport();
    assert.doesNotMatch(html, /<img|onerror=alert\(1\)>|<style><\/style>|evil\.example\/x\)}<\/style>/);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'the hostile text is shown, escaped');
    assert.ok(html.includes('&lt;/style&gt;&lt;style&gt;'), 'an injected style element is shown as text');
    // Only the report's own elements: one <style>, no scripts, nothing loaded.
    assert.equal((html.match(/<style/g) ?? []).length, 1);
    assert.doesNotMatch(html, /<script|<link|<iframe|<object|<embed|href=/i);
    // The status class takes only a plain word, never the hostile value.
    assert.match(html, /<span class="status-unknown">&lt;img/);
  });

  it('carries a strict CSP whose style hash matches only its own stylesheet (no nonce to borrow)', () => {
    const html = hostileReport();
    const { csp, styles, styleTags } = cspAndStyles(html);
    assert.deepEqual(styleTags, ['<style>']);
    const hash = createHash('sha256').update(styles[0], 'utf8').digest('base64');
    assert.equal(csp, `default-src 'none'; img-src data:; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'`);
    assert.doesNotMatch(html, /nonce/);
    // The CSP comes before the style it governs.
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<style>'));
  });

  it('draws a tampered step number as no point rather than as markup', () => {
    const html = hostileReport();
    assert.doesNotMatch(html, /cx="NaN"|cy="NaN"|d="[^"]*NaN/);
  });
});

describe('webview pages', () => {
  it('a static page escapes its title and hashes only its own css; a body is never given the style permission', () => {
    const page = staticHtmlPage(XSS, 'p { color: red; }', '<p>ok</p>');
    const { csp, styles } = cspAndStyles(page);
    assert.match(page, /<title>&lt;img src=x onerror=alert\(1\)&gt;<\/title>/);
    assert.deepEqual(styles, ['p { color: red; }']);
    assert.ok(csp.includes(`'sha256-${createHash('sha256').update('p { color: red; }').digest('base64')}'`));
    assert.doesNotMatch(csp, /unsafe-inline|script-src/);
  });

  it('the dashboard page escapes every value it writes into attributes', () => {
    const page = dashboardHtml({
      cspSource: 'https://r.example', scriptUri: `x" onload="${XSS}`, styleUri: `"><script>alert(1)</script>`,
      defaultSmoothing: 0.6, focusChart: XSS, trainerScriptUri: `"'><b>`,
    }, 'Tk9OQ0U=');
    assert.doesNotMatch(page, /<img|<script>alert|<b>|onload="/);
    assert.equal((page.match(/<script /g) ?? []).length, 1, 'only the extension\'s own script element');
  });
});
