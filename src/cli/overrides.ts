import { UserError } from '../node/configFile';

/** `--set optimizer.lr=0.001` pairs plus `--steps N`; values are checked by the schema like the file's own. */
export function overridesOf(steps: string | undefined, assignments: string[] = []): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const match = /^([A-Za-z_][\w.]*)=(.*)$/s.exec(assignment);
    if (!match) throw new UserError(`--set ${assignment}: expected KEY=VALUE with a dotted key, e.g. --set optimizer.lr=0.001`);
    overrides[match[1]] = match[2];
  }
  if (steps !== undefined) {
    const n = Number(steps);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--steps ${steps}: expected a whole number ≥ 1`);
    overrides['training.steps'] = n;
  }
  return overrides;
}

/** Exactly one config file and nothing else. */
export function singleConfig(command: string, positionals: string[]): string {
  if (positionals.length === 0) throw new UserError(`losslab ${command} needs a config file (*.lab.yaml or *.lab.json)`);
  if (positionals.length > 1) throw new UserError(`losslab ${command}: unexpected argument "${positionals[1]}"`);
  return positionals[0];
}
