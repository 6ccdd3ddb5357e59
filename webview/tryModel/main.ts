import './tryModel.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { MessageChannel } from '../../src/protocol/channel';
import type { DidGenerate, DidLoadModel, HostToTryModel, TryModelToHost } from '../../src/protocol/tryModel';
import { parseSettings, validateHostMessage, type SamplingSettings } from './settings';

/** The part of the webview API the panel uses. */
interface VsCodeApi {
  postMessage(message: TryModelToHost): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The sampling inputs of the panel (vscode-elements expose `value` / `checked`). */
interface SettingFields {
  maxTokens: HTMLElement;
  temperature: HTMLElement;
  topK: HTMLElement;
  seed: HTMLElement;
  greedy: HTMLElement;
}

const valueOf = (input: HTMLElement): string => String((input as unknown as { value?: unknown }).value ?? input.getAttribute('value') ?? '');

/** The controls' current values as settings, or what is wrong with them. */
function readSettings(fields: SettingFields): SamplingSettings | string {
  return parseSettings({
    maxTokens: valueOf(fields.maxTokens), temperature: valueOf(fields.temperature), topK: valueOf(fields.topK), seed: valueOf(fields.seed),
    greedy: Boolean((fields.greedy as unknown as { checked?: unknown }).checked),
  });
}

const vscode = acquireVsCodeApi();

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

function field(label: string, input: HTMLElement): HTMLLabelElement {
  const wrapper = element('label', {}, label);
  wrapper.append(input);
  return wrapper;
}

const root = document.getElementById('root') ?? document.body;
const heading = element('h1', { 'data-testid': 'try-title' }, 'Loading the model…');
const sub = element('p', { class: 'sub', 'data-testid': 'try-model' });
const prompt = element('vscode-textarea', { class: 'prompt', rows: '3', 'data-testid': 'try-prompt' });
const fields: SettingFields = {
  maxTokens: element('vscode-textfield', { type: 'number', min: '1', value: '200', 'data-testid': 'try-max-tokens' }),
  temperature: element('vscode-textfield', { type: 'number', min: '0', step: '0.1', value: '1', 'data-testid': 'try-temperature' }),
  topK: element('vscode-textfield', { type: 'number', min: '0', value: '0', 'data-testid': 'try-top-k' }),
  seed: element('vscode-textfield', { type: 'number', min: '0', value: '1', 'data-testid': 'try-seed' }),
  greedy: element('vscode-checkbox', { label: 'Greedy', 'data-testid': 'try-greedy' }),
};
const run = element('vscode-button', { 'data-testid': 'try-generate', disabled: '' }, 'Generate');
const status = element('p', { class: 'status', 'data-testid': 'try-status' });
const output = element('div', { class: 'output', 'data-testid': 'try-output' });
const controls = element('div', { class: 'controls' });
controls.append(
  field('Max tokens', fields.maxTokens), field('Temperature', fields.temperature), field('Top-k (0 = all)', fields.topK),
  field('Seed', fields.seed), fields.greedy, run,
);
root.append(heading, sub, prompt, controls, status, output);

const channel = new MessageChannel<HostToTryModel, TryModelToHost>(
  (message) => vscode.postMessage(message),
  validateHostMessage,
  (reason) => console.warn(`Loss Lab Try Model: ignored a message from the host (${reason})`),
  (error) => console.error('Loss Lab Try Model:', error),
);

function showModel(model: DidLoadModel): void {
  const action = model.kind === 'gpt' ? 'Continue a prompt' : 'Translate';
  heading.textContent = `${action} with ${model.name || 'the model'}`;
  sub.textContent = `${model.kind}, context ${model.context}${model.step === null ? '' : `, trained ${model.step} steps`} · run ${model.runId} · onnxruntime-web (wasm)`;
  prompt.setAttribute('placeholder', model.kind === 'gpt' ? (model.needsPrompt ? 'Text to continue' : 'Text to continue (may be empty)') : 'Text to translate');
  fields.maxTokens.setAttribute('value', String(model.defaults.maxTokens));
  fields.temperature.setAttribute('value', String(model.defaults.temperature || 1));
  fields.topK.setAttribute('value', String(model.defaults.topK));
  if (model.defaults.temperature === 0) fields.greedy.setAttribute('checked', '');
  run.removeAttribute('disabled');
}

function showGeneration(result: DidGenerate): void {
  output.textContent = result.text;
  const speed = result.ms > 0 ? `, ${((1000 * result.tokens) / result.ms).toFixed(1)} tokens/s` : '';
  const why = result.stop === 'eos' ? ' (end of sequence)' : result.stop === 'context' ? ' (context full)' : '';
  status.textContent = `${result.done ? 'Done' : 'Generating'}: ${result.tokens} tokens${speed}${why}`;
  status.classList.remove('error');
  if (result.done) run.removeAttribute('disabled');
}

channel.on('DidLoadModel', showModel);
channel.on('DidGenerate', showGeneration);
channel.on('DidFail', (message) => {
  status.textContent = message.message;
  status.classList.add('error');
  if (heading.textContent === 'Loading the model…') heading.textContent = 'The model could not be loaded';
  else run.removeAttribute('disabled');
});

run.addEventListener('click', () => {
  if (run.hasAttribute('disabled')) return;
  const settings = readSettings(fields);
  if (typeof settings === 'string') {
    status.textContent = settings;
    status.classList.add('error');
    return;
  }
  run.setAttribute('disabled', '');
  status.textContent = 'Generating…';
  status.classList.remove('error');
  channel.send({ type: 'Generate', prompt: (prompt as unknown as { value: string }).value ?? '', ...settings });
});

window.addEventListener('message', (event: MessageEvent<unknown>) => channel.receive(event.data));
channel.send({ type: 'Ready' });
