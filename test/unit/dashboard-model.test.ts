import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepMetrics } from '../../src/engine/train/metrics';
import { packEvals, packSteps, type PackedRun } from '../../src/protocol/metricColumns';
import type { RunInfo } from '../../src/protocol/runInfo';
import { blend, parseColor, readTheme, themeKind, withAlpha } from '../../webview/charts/theme';
import { validateHostMessage } from '../../webview/dashboard/hostMessages';
import { DashboardModel } from '../../webview/dashboard/model';
import { RedrawScheduler, type RedrawWork } from '../../webview/dashboard/redrawScheduler';
import { defaultUiState, restoreUiState } from '../../webview/dashboard/uiState';

const info = (id: string, status: RunInfo['status'] = 'finished'): RunInfo => ({
  id, name: 'story', config_file: '/lab/story.lab.yaml', status, backend: { name: 'cpu', description: 'CPU', reason: 'auto' },
  versions: { losslab: '0', node: 'v20' }, started_at: '', finished_at: null, steps_completed: 0, total_steps: 10,
  parameters: 1, vocab_size: 1, final_loss: null, final_val_loss: null, tokens_per_sec: null, message: null,
});
const step = (n: number): StepMetrics => ({ step: n, loss: 1, lr: 1, grad_norm: 1, grad_norm_clipped: 1, tokens: 1, tokens_per_sec: 1, time_ms: n });
const series = (id: string, steps: number): PackedRun => ({ info: info(id), steps: packSteps(Array.from({ length: steps }, (_, i) => step(i + 1))), evals: packEvals([]) });

describe('dashboard model', () => {
  it('replaces everything on DidSelectConfig and keeps runs oldest first', () => {
    const model = new DashboardModel();
    const change = model.apply({ type: 'DidSelectConfig', configFile: '/lab/story.lab.yaml', configName: 'story', runs: [series('20261129-2', 1), series('20261129-1', 2)], schedule: null, backendNote: null });
    assert.deepEqual(change, { kind: 'reset' });
    assert.deepEqual(model.runs.map((r) => r.info.id), ['20261129-1', '20261129-2']);
    assert.equal(model.latest?.info.id, '20261129-2');
  });

  it('appends only steps and evals newer than what it has, and ignores unknown runs', () => {
    const model = new DashboardModel();
    model.apply({ type: 'DidSelectConfig', configFile: null, configName: null, runs: [series('a', 3)], schedule: null, backendNote: null });
    const change = model.apply({ type: 'DidAppendMetrics', runId: 'a', steps: packSteps([step(2), step(3), step(4)]), evals: packEvals([{ step: 4, val_loss: 1 }]) });
    assert.deepEqual(change, { kind: 'append', runId: 'a', steps: packSteps([step(4)]), evals: packEvals([{ step: 4, val_loss: 1 }]) });
    assert.deepEqual(model.apply({ type: 'DidAppendMetrics', runId: 'a', steps: packSteps([step(4)]), evals: packEvals([]) }), { kind: 'none' });
    assert.deepEqual(model.apply({ type: 'DidAppendMetrics', runId: 'zzz', steps: packSteps([step(1)]), evals: packEvals([]) }), { kind: 'none' });
    assert.equal(model.run('a')?.steps.step.length, 4);
  });

  it('adds a started run and updates a known one', () => {
    const model = new DashboardModel();
    assert.deepEqual(model.apply({ type: 'DidUpdateRun', info: info('b', 'running') }), { kind: 'run', runId: 'b', added: true });
    assert.deepEqual(model.apply({ type: 'DidUpdateRun', info: info('b', 'stopped') }), { kind: 'run', runId: 'b', added: false });
    assert.equal(model.run('b')?.info.status, 'stopped');
    model.apply({ type: 'DidUpdateSchedule', schedule: { lrs: [1], gradClip: 0, error: null } });
    assert.deepEqual(model.schedule, { lrs: [1], gradClip: 0, error: null });
  });

  it('takes a 100 000-step append without overflowing the stack', () => {
    const model = new DashboardModel();
    model.apply({ type: 'DidUpdateRun', info: info('big', 'running') });
    model.apply({ type: 'DidAppendMetrics', runId: 'big', steps: packSteps(Array.from({ length: 200_000 }, (_, i) => step(i + 1))), evals: packEvals([]) });
    assert.equal(model.run('big')?.steps.step.length, 200_000);
  });
});

describe('host message check (webview side)', () => {
  it('accepts the four host messages and rejects malformed ones', () => {
    assert.equal(typeof validateHostMessage({ type: 'DidSelectConfig', configFile: null, configName: null, runs: [], schedule: null, backendNote: null }), 'object');
    assert.equal(typeof validateHostMessage({ type: 'DidAppendMetrics', runId: 'a', steps: packSteps([]), evals: packEvals([]) }), 'object');
    assert.equal(typeof validateHostMessage({ type: 'DidUpdateRun', info: info('a') }), 'object');
    assert.equal(typeof validateHostMessage({ type: 'DidUpdateSchedule', schedule: { lrs: [], gradClip: 0, error: null } }), 'object');
    assert.equal(validateHostMessage({ type: 'DidAppendMetrics', runId: 1, steps: packSteps([]), evals: packEvals([]) }), 'DidAppendMetrics: malformed');
    assert.equal(validateHostMessage({ type: 'DidSelectConfig', configFile: null, runs: [{ info: {} }], schedule: null }), 'DidSelectConfig: malformed');
    assert.equal(validateHostMessage({ type: 'Evil' }), 'unknown message type "Evil"');
    assert.equal(validateHostMessage('x'), 'not an object');
  });
});

describe('saved UI state', () => {
  it('restores what was saved and falls back field by field', () => {
    const saved = { configFile: '/lab/a.lab.yaml', smoothing: 0.9, xAxis: 'tokens', log: { loss: true, lr: 'yes' }, fitAll: true, hiddenRuns: ['a', 3], selectedRuns: ['a', 'b', 'c'], focusToken: 't' };
    assert.deepEqual(restoreUiState(saved, 0.6), {
      configFile: '/lab/a.lab.yaml', smoothing: 0.9, xAxis: 'tokens', log: { loss: true, lr: false, 'grad-norm': false, throughput: false },
      fitAll: true, hiddenRuns: ['a'], selectedRuns: ['b', 'c'], focusToken: 't',
    });
    assert.deepEqual(restoreUiState({ xAxis: 'epochs', smoothing: 7 }, 0.3), { ...defaultUiState(0.3), smoothing: 0.99 });
    assert.deepEqual(restoreUiState(undefined, 0.6), defaultUiState(0.6));
  });
});

describe('redraw scheduling', () => {
  function fakeClock() {
    let now = 0;
    const frames: (() => void)[] = [];
    const timers: { at: number; run: () => void }[] = [];
    return {
      clock: { now: () => now, frame: (f: () => void) => void frames.push(f), timer: (f: () => void, ms: number) => void timers.push({ at: now + ms, run: f }) },
      runFrames: () => { for (const f of frames.splice(0)) f(); },
      /** Time passing inside a redraw (its cost). */
      spend: (ms: number) => void (now += ms),
      advance: (ms: number) => {
        now += ms;
        for (const t of timers.filter((t) => t.at <= now)) { timers.splice(timers.indexOf(t), 1); t.run(); }
      },
      pendingFrames: () => frames.length,
    };
  }

  it('redraws everything at once for an urgent request and coalesces requests into one frame', () => {
    const fake = fakeClock();
    const work: RedrawWork[] = [];
    const scheduler = new RedrawScheduler((w) => work.push(w), fake.clock);
    scheduler.request(true);
    scheduler.request(false);
    scheduler.request(false);
    assert.equal(fake.pendingFrames(), 1);
    fake.runFrames();
    assert.deepEqual(work, [{ rescale: true }]);
  });

  it('rate-limits rescaling during live appends, then catches up once the data goes quiet', () => {
    const fake = fakeClock();
    const work: RedrawWork[] = [];
    const scheduler = new RedrawScheduler((w) => work.push(w), fake.clock, { rescale: 400, costFactor: 2 });
    scheduler.request(true);
    fake.runFrames();
    fake.advance(50);
    scheduler.request(false);
    fake.runFrames();
    assert.deepEqual(work[1], { rescale: false });
    fake.advance(400);
    fake.runFrames();
    assert.deepEqual(work[2], { rescale: true });
    fake.advance(600);
    fake.runFrames();
    assert.equal(work.length, 3);
  });

  it('waits twice a slow redraw’s cost before the next live redraw', () => {
    const fake = fakeClock();
    let count = 0;
    const scheduler = new RedrawScheduler(() => {
      count++;
      fake.spend(100);
    }, fake.clock, { rescale: 0, costFactor: 2 });
    scheduler.request(false);
    fake.runFrames();
    scheduler.request(false);
    assert.equal(fake.pendingFrames(), 0);
    fake.advance(150);
    assert.equal(fake.pendingFrames(), 0);
    fake.advance(60);
    assert.equal(fake.pendingFrames(), 1);
    fake.runFrames();
    assert.equal(count, 2);
  });
});

describe('theme colours', () => {
  it('reads the theme from --vscode-* variables with fallbacks', () => {
    const vars: Record<string, string> = { '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-charts-blue': ' #3794ff ', '--vscode-font-size': '13px' };
    const theme = readTheme((name) => vars[name] ?? '', 'vscode-dark');
    assert.equal(theme.kind, 'dark');
    assert.equal(theme.runColors[0], '#3794ff');
    assert.equal(theme.runColors[1], '#d18616');
    assert.equal(theme.grid, 'rgba(204, 204, 204, 0.1)');
    assert.equal(theme.fontSize, 13);
    assert.equal(themeKind('vscode-high-contrast-light other'), 'high-contrast-light');
    assert.equal(themeKind('vscode-high-contrast'), 'high-contrast');
    assert.equal(themeKind(''), 'light');
  });

  it('fades and blends colours in the forms VS Code uses', () => {
    assert.deepEqual(parseColor('#abc'), [170, 187, 204, 1]);
    assert.deepEqual(parseColor('#ffffff80'), [255, 255, 255, 128 / 255]);
    assert.deepEqual(parseColor('rgba(1, 2, 3, 0.5)'), [1, 2, 3, 0.5]);
    assert.equal(parseColor('red'), null);
    assert.equal(withAlpha('#ff0000', 0.25), 'rgba(255, 0, 0, 0.25)');
    assert.equal(withAlpha('red', 0.25), 'red');
    assert.equal(blend('#ffffff', '#000000', 0.25), 'rgb(64, 64, 64)');
    assert.equal(blend('#3794ff', 'transparent', 0.5), 'rgba(55, 148, 255, 0.5)');
  });
});
