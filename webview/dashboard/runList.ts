import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import { h, icon, ICONS } from './dom';
import type { DashboardRun } from './model';
import { runRowText, runTimeLabel, type RunRowText } from './status';

/** What the run list asks the dashboard to do. */
export interface RunListEvents {
  onToggleRun(runId: string, visible: boolean): void;
  onSelectRun(runId: string, selected: boolean): void;
  onCompare(runA: string, runB: string): void;
}

/** One run as the list shows it. */
export interface RunRow {
  run: DashboardRun;
  color: string;
  visible: boolean;
  selected: boolean;
}

/** The config's runs: colour and visibility toggle, status, progress, latest values, and picking two to compare. */
export class RunList {
  readonly element: HTMLElement;
  private readonly body = h('tbody');
  private readonly count = h('span', { class: 'count' });
  private readonly compare: HTMLElementTagNameMap['vscode-button'];
  private selected: string[] = [];
  /** What the rows last drawn said: a redraw that would say the same leaves the table (and its focus) alone. */
  private drawn = '';

  constructor(private readonly events: RunListEvents) {
    this.compare = h('vscode-button', {
      attrs: { 'data-testid': 'compare-configs', title: 'Select two runs to compare their resolved configs' },
      on: { click: () => this.selected.length === 2 && events.onCompare(this.selected[0], this.selected[1]) },
    }, [icon(ICONS.diff), 'Compare configs']);
    this.compare.secondary = true;
    const headings = ['', 'Run', 'Status', 'Steps', 'Loss', 'Val loss', 'Tokens/s', 'Padding', 'Backend', 'Compare'];
    this.element = h('section', { class: 'runs', attrs: { 'aria-labelledby': 'runs-title', 'data-testid': 'run-list' } }, [
      h('header', { class: 'runs-header' }, [h('h2', { attrs: { id: 'runs-title' } }, ['Runs ', this.count]), h('span', { class: 'spacer' }), this.compare]),
      h('div', { class: 'table-scroll' }, [h('table', {}, [
        h('thead', {}, [h('tr', {}, headings.map((text) => h('th', { text, attrs: { scope: 'col' } })))]),
        this.body,
      ])]),
    ]);
  }

  render(rows: RunRow[]): void {
    this.selected = rows.filter((r) => r.selected).map((r) => r.run.info.id);
    this.count.textContent = `(${rows.length})`;
    this.compare.disabled = this.selected.length !== 2;
    const shown = rows.slice().reverse().map((row) => ({ row, text: runRowText(row.run) }));
    const drawn = JSON.stringify(shown.map(({ row, text }) => [row.run.info.id, row.run.info.message, row.run.info.backend, row.color, row.visible, row.selected, text]));
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    if (rows.length === 0) {
      this.body.replaceChildren(h('tr', {}, [h('td', { class: 'empty', attrs: { colspan: '10' }, text: 'No runs of this config yet.' })]));
      return;
    }
    this.body.replaceChildren(...shown.map(({ row, text }) => this.row(row, text)));
  }

  private row({ run, color, visible, selected }: RunRow, text: RunRowText): HTMLTableRowElement {
    const { info } = run;
    const toggle = h('button', {
      class: `run-toggle${visible ? '' : ' off'}`,
      attrs: { type: 'button', 'aria-pressed': String(visible), 'aria-label': `Show run ${info.id} in the charts`, title: visible ? 'Hide from the charts' : 'Show in the charts' },
      on: { click: () => this.events.onToggleRun(info.id, !visible) },
    });
    toggle.style.setProperty('--run-color', color);
    const pick = h('vscode-checkbox', { attrs: { 'aria-label': `Select run ${info.id} to compare` } });
    pick.checked = selected;
    pick.addEventListener('change', () => this.events.onSelectRun(info.id, pick.checked));
    return h('tr', { class: visible ? '' : 'hidden-run', attrs: { 'data-run': info.id, 'data-testid': `run-${info.id}` } }, [
      h('td', {}, [toggle]),
      h('td', { attrs: { title: info.id } }, [h('span', { class: 'run-time', text: runTimeLabel(info.id) }), h('span', { class: 'run-id', text: info.id.slice(-4) })]),
      h('td', {}, [h('span', { class: `status status-${info.status}`, text: text.status, attrs: { title: info.message ?? '' } })]),
      h('td', { class: 'num', text: text.steps }),
      h('td', { class: 'num', text: text.loss }),
      h('td', { class: 'num', text: text.valLoss }),
      h('td', { class: 'num', text: text.throughput }),
      h('td', { class: 'num', text: text.padding, attrs: { title: 'Mean share of padded target positions per step' } }),
      h('td', { class: 'backend', text: info.backend.name, attrs: { title: `${info.backend.description} — ${info.backend.reason}` } }),
      h('td', {}, [pick]),
    ]);
  }
}
