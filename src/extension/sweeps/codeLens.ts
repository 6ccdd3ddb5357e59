import * as vscode from 'vscode';
import { parseJsonConfig } from '../../config/parseJson';
import { parseYamlConfig } from '../../config/parseYaml';
import { LineIndex, pathKey } from '../../config/sourceMap';
import { sweepSpecOf } from '../../config/sweep';
import { plannedTrials } from '../../config/sweepTrials';
import { isConfigDocument } from '../language/documents';

/** "▶ Run Sweep · 6 trials" on the line of a config's `sweep:` key. */
export class SweepCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isConfigDocument(document)) return [];
    const text = document.getText();
    const lines = new LineIndex(text);
    const parsed = /\.json$/i.test(document.fileName) ? parseJsonConfig(text, lines) : parseYamlConfig(text, lines);
    const where = parsed.locations.get(pathKey(['sweep']));
    if (!where) return [];
    const line = document.positionAt((where.key ?? where.value)[0]).line;
    const spec = sweepSpecOf(parsed.value);
    const trials = spec ? plannedTrials(spec) : 0;
    const range = new vscode.Range(line, 0, line, 0);
    return [new vscode.CodeLens(range, {
      title: trials > 0 ? `▶ Run Sweep · ${trials} trial${trials === 1 ? '' : 's'}` : '▶ Run Sweep',
      command: 'losslab.runSweep', arguments: [document.uri], tooltip: 'Train every trial of this sweep, each an ordinary run',
    })];
  }
}
