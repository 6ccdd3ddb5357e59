// losslab.trainingLocation: where a Train goes (choosePlace), and the dashboard page that may host the trainer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackendChoice } from '../../src/config/types';
import { dashboardHtml } from '../../src/extension/dashboard/html';
import { choosePlace, type TrainingLocation } from '../../src/extension/training/trainingLocation';
import type { DidProbeWebGpu } from '../../src/protocol/worker';

const REAL = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', isFallbackAdapter: false };
const SOFTWARE = { ...REAL, vendor: 'mesa', architecture: 'software', description: 'llvmpipe', isFallbackAdapter: true };

/** choosePlace with a probe that answers `answer` and records what it was asked. */
async function place(location: TrainingLocation, backend: BackendChoice, answer: Omit<DidProbeWebGpu, 'type' | 'requestId'> | null) {
  const asked: boolean[] = [];
  const choice = await choosePlace(location, backend, async (allowFallback) => {
    asked.push(allowFallback);
    assert.ok(answer, 'the probe was not expected to be asked');
    return { type: 'DidProbeWebGpu', requestId: 'p', ...answer };
  });
  return { ...choice, asked };
}

describe('choosePlace (losslab.trainingLocation)', () => {
  it('extensionHost, webview and cpu decide without asking the worker', async () => {
    assert.deepEqual(await place('extensionHost', 'webgpu', null), { place: 'extensionHost', reason: '', asked: [] });
    assert.deepEqual(await place('webview', 'auto', null), { place: 'webview', reason: 'losslab.trainingLocation is webview', asked: [] });
    const cpu = await place('cpu', 'webgpu', null);
    assert.equal(cpu.place, 'extensionHost');
    assert.equal(cpu.withoutGpu, 'losslab.trainingLocation is cpu');
  });

  it('auto keeps a run in the extension host when WebGPU passes there, or is not wanted', async () => {
    assert.deepEqual(await place('auto', 'cpu', null), { place: 'extensionHost', reason: '', asked: [] });
    assert.deepEqual(await place('auto', 'webgpu', { passed: true, adapter: SOFTWARE, reason: 'passed' }), { place: 'extensionHost', reason: '', asked: [true] });
    assert.deepEqual(await place('auto', 'auto', { passed: true, adapter: REAL, reason: 'passed' }), { place: 'extensionHost', reason: '', asked: [false] });
    // Only a software adapter, which auto does not want: nothing to gain in the webview.
    assert.deepEqual(await place('auto', 'auto', { passed: false, adapter: SOFTWARE, reason: 'software only' }), { place: 'extensionHost', reason: '', asked: [false] });
    assert.deepEqual(await place('auto', 'auto', { passed: false, adapter: null, reason: 'no adapter' }), { place: 'extensionHost', reason: '', asked: [false] });
  });

  it('auto moves a run to the webview when a real GPU, or WebGPU asked for by name, fails its self-test in the extension host', async () => {
    const electron = 'WebGPU (nvidia hopper: NVIDIA H200) failed its self-test: the self-test failed: external buffers are not allowed';
    const real = await place('auto', 'auto', { passed: false, adapter: REAL, reason: electron });
    assert.equal(real.place, 'webview');
    assert.equal(real.reason, `WebGPU failed in the extension host (${electron}), so the run trains in the dashboard webview's Web Worker`);
    const named = await place('auto', 'webgpu', { passed: false, adapter: null, reason: 'no WebGPU adapter was found' });
    assert.deepEqual([named.place, named.asked], ['webview', [true]]);
  });
});

describe('the dashboard page that hosts the trainer', () => {
  const options = { cspSource: 'https://r.example', scriptUri: 's', styleUri: 'c', defaultSmoothing: 0.6, focusChart: null };
  const csp = (html: string) => /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';

  it('allows fetching the trainer and running it from a blob: URL only when it hosts the trainer', () => {
    const plain = dashboardHtml(options, 'Tk9OQ0U=');
    assert.doesNotMatch(csp(plain), /worker-src|connect-src/);
    assert.doesNotMatch(plain, /data-trainer-script/);
    const hosting = dashboardHtml({ ...options, trainerScriptUri: 'https://r.example/dist/webview/trainer.js' }, 'Tk9OQ0U=');
    assert.match(csp(hosting), /; connect-src https:\/\/r\.example; worker-src blob:$/);
    assert.match(hosting, /data-trainer-script="https:\/\/r\.example\/dist\/webview\/trainer\.js"/);
  });
});
