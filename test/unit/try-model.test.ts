import assert from 'node:assert/strict';
import { existsSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TryModelSession } from '../../src/extension/runs/tryModel/modelSession';
import { tryModelHtml } from '../../src/extension/runs/tryModel/tryModelHtml';
import { startSession } from '../../src/node/session';
import { MAX_GENERATED_TOKENS, validateTryModelMessage, type GenerateText } from '../../src/protocol/tryModel';
import { parseSettings, validateHostMessage } from '../../webview/tryModel/settings';
import { tempDir } from '../support/cli';

const GENERATE: GenerateText = { type: 'Generate', prompt: 'the ', maxTokens: 12, temperature: 0, topK: 0, seed: 1 };

describe('Try Model messages', () => {
  it('accepts a well-formed Generate and Ready, and nothing else', () => {
    assert.deepEqual(validateTryModelMessage({ ...GENERATE }), GENERATE);
    assert.deepEqual(validateTryModelMessage({ type: 'Ready' }), { type: 'Ready' });
    assert.match(validateTryModelMessage({ type: 'Ready', extra: 1 }) as string, /unexpected keys/);
    assert.match(validateTryModelMessage({ type: 'Train' }) as string, /unknown message type "Train"/);
    assert.match(validateTryModelMessage({ ...GENERATE, maxTokens: MAX_GENERATED_TOKENS + 1 }) as string, /maxTokens/);
    assert.match(validateTryModelMessage({ ...GENERATE, maxTokens: 2.5 }) as string, /maxTokens/);
    assert.match(validateTryModelMessage({ ...GENERATE, temperature: -1 }) as string, /temperature/);
    assert.match(validateTryModelMessage({ ...GENERATE, topK: Number.NaN }) as string, /topK/);
    assert.match(validateTryModelMessage({ ...GENERATE, prompt: 'x'.repeat(5000) }) as string, /prompt/);
    assert.match(validateTryModelMessage({ ...GENERATE, file: '/etc/passwd' }) as string, /exactly/);
    assert.equal(validateTryModelMessage(null), 'not an object');
  });

  it('the page reads its controls strictly: greedy is temperature 0, empty or bad numbers are errors', () => {
    const texts = { maxTokens: '50', temperature: '0.8', topK: '5', seed: '3', greedy: false };
    assert.deepEqual(parseSettings(texts), { maxTokens: 50, temperature: 0.8, topK: 5, seed: 3 });
    assert.deepEqual(parseSettings({ ...texts, temperature: '', greedy: true }), { maxTokens: 50, temperature: 0, topK: 5, seed: 3 });
    assert.match(parseSettings({ ...texts, temperature: '0' }) as string, /^Temperature/);
    assert.match(parseSettings({ ...texts, maxTokens: '' }) as string, /^Max tokens/);
    assert.match(parseSettings({ ...texts, topK: '1.5' }) as string, /^Top-k/);
    assert.match(parseSettings({ ...texts, seed: 'abc' }) as string, /^Seed/);
  });

  it('the page checks what the host sends', () => {
    assert.equal(typeof validateHostMessage({ type: 'DidGenerate', text: 'a', tokens: 1, done: true, stop: 'eos', ms: 3 }), 'object');
    assert.match(validateHostMessage({ type: 'DidGenerate', text: 'a', tokens: 1, done: true, stop: 'bogus', ms: 3 }) as string, /malformed/);
    assert.match(validateHostMessage({ type: 'DidLoadModel', name: 'x' }) as string, /malformed/);
    assert.match(validateHostMessage({ type: 'Nope' }) as string, /unknown/);
  });

  it('the page allows only its own nonce\'d script, no wasm, no network, and escapes what it shows', () => {
    const html = tryModelHtml({ cspSource: 'vscode-resource:', scriptUri: 'https://x/tryModel.js', styleUri: 'https://x/tryModel.css', title: 'Try <b>"x"</b>' }, 'NONCE');
    const csp = (/content="([^"]*)"/.exec(html)?.[1] ?? '').replace(/&#39;/g, "'");
    assert.equal(csp, "default-src 'none'; style-src vscode-resource: 'nonce-NONCE'; script-src 'nonce-NONCE'; font-src vscode-resource:");
    assert.match(html, /<script nonce="NONCE" src="https:\/\/x\/tryModel.js"><\/script>/);
    assert.match(html, /<title>Try &lt;b&gt;&quot;x&quot;&lt;\/b&gt;<\/title>/);
  });
});

describe('TryModelSession (onnxruntime-web in Node)', () => {
  let folder: string;

  before(async () => {
    folder = join(tempDir('losslab-try-'), 'run');
    const session = await startSession({ configFile: 'test/vscode/fixture/tiny.lab.yaml', outDir: folder, backend: 'cpu', version: 'test' });
    await session.done;
  });
  after(() => rmSync(join(folder, '..'), { recursive: true, force: true }));

  it('exports model.onnx when missing, describes the model, and generates greedily and reproducibly', async () => {
    assert.equal(existsSync(join(folder, 'model.onnx')), false);
    const session = await TryModelSession.open(folder, 'run', 'test');
    try {
      assert.ok(existsSync(join(folder, 'model.onnx')));
      const d = session.description;
      assert.deepEqual([d.kind, d.context, d.step, d.name, d.needsPrompt], ['gpt', 16, 30, 'tiny', true]);
      assert.deepEqual(d.defaults, { maxTokens: 200, temperature: 1, topK: 0 });
      const first = await session.generate(GENERATE, () => undefined);
      const second = await session.generate(GENERATE, () => undefined);
      assert.equal(first.tokens.length, 12);
      assert.equal(first.stop, 'max_tokens');
      assert.ok(first.text.startsWith('the '), first.text);
      assert.deepEqual(second.tokens, first.tokens);
      const sampled = await session.generate({ ...GENERATE, temperature: 1.5, seed: 9, maxTokens: 40 }, () => undefined);
      assert.equal(sampled.tokens.length, 40);
      await assert.rejects(session.generate({ ...GENERATE, prompt: '' }, () => undefined), /needs|give it a prompt/);
    } finally {
      await session.dispose();
    }
  });

  it('refuses a second request while one is running, and re-exports a model.onnx older than the run', async () => {
    const onnx = join(folder, 'model.onnx');
    utimesSync(onnx, new Date(0), new Date(0));
    const session = await TryModelSession.open(folder, 'run', 'test');
    try {
      assert.ok(statSync(onnx).mtimeMs > 0, 'the stale export was rewritten');
      const running = session.generate({ ...GENERATE, maxTokens: 30 }, () => undefined);
      await assert.rejects(session.generate(GENERATE, () => undefined), /still generating/);
      assert.equal((await running).tokens.length, 30);
    } finally {
      await session.dispose();
    }
  });
});
