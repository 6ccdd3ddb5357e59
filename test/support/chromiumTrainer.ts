// Drives dist/webview/trainer.js as a Web Worker in Debian's headless Chromium (through the playwright-core and the
// Chromium lookup of tools/vscode-test), the way the dashboard webview hosts it: a page relays messages both ways.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserTrainerToHost, HostToBrowserTrainer } from '../../src/protocol/browserTrainer';

const ROOT = resolve(__dirname, '../..');
const WORKBENCH = join(ROOT, 'tools/vscode-test/lib/workbench.mjs');
const TRAINER_BUNDLE = join(ROOT, 'dist/webview/trainer.js');

/** Quiet headless Chromium; `webgpu` adds the flag that exposes an adapter (SwiftShader's where there is no GPU). */
const QUIET_FLAGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];
const NO_GPU_FLAGS = ['--disable-gpu'];

/** The parts of playwright-core used here. */
interface Page {
  exposeFunction(name: string, callback: (text: string) => void): Promise<void>;
  goto(url: string): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launchPersistentContext(userDataDir: string, options: { executablePath: string; headless: boolean; args: string[] }): Promise<BrowserContext> };
}

// Typed arrays cross the Node ↔ page boundary as base64 inside JSON (page.evaluate and exposed functions carry strings).
type TypedName = 'Float32Array' | 'Float64Array' | 'Int32Array' | 'Uint16Array';
const TYPED = { Float32Array, Float64Array, Int32Array, Uint16Array } as const;

function encode(message: unknown): string {
  return JSON.stringify(message, (_key, value: unknown) => {
    if (value instanceof Float32Array || value instanceof Float64Array || value instanceof Int32Array || value instanceof Uint16Array) {
      return { $typed: value.constructor.name, base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    }
    return value;
  });
}

function decode(text: string): unknown {
  return JSON.parse(text, (_key, value: { $typed?: TypedName; base64?: string } | null) => {
    if (!value || typeof value !== 'object' || !value.$typed || value.base64 === undefined) return value;
    return new TYPED[value.$typed](new Uint8Array(Buffer.from(value.base64, 'base64')).buffer);
  });
}

/** The page: starts the worker and relays, decoding and encoding typed arrays like `encode`/`decode` above. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>trainer</title><script>
const TYPED = { Float32Array, Float64Array, Int32Array, Uint16Array };
const toBase64 = (v) => { const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength); let s = ''; for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192)); return btoa(s); };
const fromBase64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)).buffer;
const encode = (m) => JSON.stringify(m, (k, v) => ArrayBuffer.isView(v) ? { $typed: v.constructor.name, base64: toBase64(v) } : v);
const decode = (t) => JSON.parse(t, (k, v) => v && v.$typed ? new TYPED[v.$typed](fromBase64(v.base64)) : v);
const worker = new Worker('/trainer.js');
worker.onmessage = (event) => window.fromWorker(encode(event.data));
worker.onerror = (event) => window.fromWorker(JSON.stringify({ type: 'WorkerError', message: event.message }));
window.toWorker = (text) => worker.postMessage(decode(text));
window.adapterIsFallback = async () => { const a = await navigator.gpu?.requestAdapter(); return a ? a.info.isFallbackAdapter : null; };
</script>`;

/** What a worker said, in order; a 'WorkerError' stands for an uncaught error in the worker itself. */
export type Received = BrowserTrainerToHost | { type: 'WorkerError'; message: string };

/** One page with one trainer worker. */
export class TrainerPage {
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly page: Page) {}

  static async open(context: BrowserContext, url: string): Promise<TrainerPage> {
    const page = await context.newPage();
    const trainer = new TrainerPage(page);
    await page.exposeFunction('fromWorker', (text: string) => {
      trainer.received.push(decode(text) as Received);
      for (const wake of trainer.waiters.splice(0)) wake();
    });
    await page.goto(url);
    return trainer;
  }

  async send(message: HostToBrowserTrainer): Promise<void> {
    await this.page.evaluate((text) => (globalThis as unknown as { toWorker(t: string): void }).toWorker(text), encode(message));
  }

  /** Whether the page's adapter is a software fallback; null when it has none. */
  adapterIsFallback(): Promise<boolean | null> {
    return this.page.evaluate(() => (globalThis as unknown as { adapterIsFallback(): Promise<boolean | null> }).adapterIsFallback(), null);
  }

  /** Waits for the first message from `from` on that satisfies `done`; returns every message up to and including it. */
  async until(done: (message: Received) => boolean, timeoutMs = 240_000, from = 0): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.received.findIndex((m, i) => i >= from && (done(m) || m.type === 'WorkerError'));
      if (at >= 0) return this.received.slice(from, at + 1);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the trainer worker did not answer in ${timeoutMs} ms; it said: ${this.received.map((m) => m.type).join(', ')}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => { clearTimeout(timer); wake(); });
      });
    }
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

/** A headless Chromium serving the trainer bundle; `close()` ends both. */
export interface ChromiumTrainer {
  open(): Promise<TrainerPage>;
  close(): Promise<void>;
}

/**
 * Launches Chromium with (`webgpu: true`) or without WebGPU and a local server for the page and the bundle (an http
 * origin on 127.0.0.1 is a secure context, which navigator.gpu needs). Throws a sentence when Chromium, playwright-core
 * or the bundle is missing.
 */
export async function launchChromiumTrainer(webgpu: boolean): Promise<ChromiumTrainer> {
  let bundle: Buffer;
  try {
    bundle = readFileSync(TRAINER_BUNDLE);
  } catch {
    throw new Error('dist/webview/trainer.js is missing: run `node scripts/build.mjs` first');
  }
  let playwright: Playwright;
  let executablePath: string;
  try {
    const workbench = (await import(pathToFileURL(WORKBENCH).href)) as { chromiumPath(): string };
    executablePath = workbench.chromiumPath();
    playwright = createRequire(WORKBENCH)('playwright-core') as Playwright;
  } catch (error) {
    throw new Error(`no headless Chromium to run the browser trainer in (sh tools/vscode-test/setup.sh; apt-get install chromium): ${error instanceof Error ? error.message : String(error)}`);
  }
  const server = await serve(bundle);
  const profile = mkdtempSync(join(tmpdir(), 'losslab-trainer-chromium-'));
  const args = [...QUIET_FLAGS, ...(webgpu ? WEBGPU_FLAGS : NO_GPU_FLAGS)];
  const context = await playwright.chromium.launchPersistentContext(profile, { executablePath, headless: true, args }).catch((error: unknown) => {
    server.close();
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`headless Chromium (${executablePath}) did not start: ${error instanceof Error ? error.message : String(error)}`);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    open: () => TrainerPage.open(context, url),
    close: async () => {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function serve(bundle: Buffer): Promise<Server> {
  const server = createServer((request, response) => {
    const isBundle = request.url === '/trainer.js';
    response.setHeader('content-type', isBundle ? 'text/javascript' : 'text/html');
    response.end(isBundle ? bundle : PAGE);
  });
  return new Promise((resolveServer) => server.listen(0, '127.0.0.1', () => resolveServer(server)));
}
