import type { ParameterSet } from '../nn/parameters';

/** A host copy of one tensor. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Raised when a weights file does not fit the model; the message lists every mismatch. */
export class WeightsMismatchError extends Error {}

/**
 * Copies weights into the model. Every state-dict name must be present with the model's shape and no extra name
 * may appear (PyTorch's strict loading); tied names must carry equal values.
 */
export function loadWeights(params: ParameterSet, weights: ReadonlyMap<string, NamedTensor>): void {
  const problems: string[] = [];
  const expected = params.entries();
  const known = new Set(expected.map(([name]) => name));
  for (const [name, t] of expected) {
    const w = weights.get(name);
    if (!w) { problems.push(`missing ${name} [${t.shape.join(', ')}]`); continue; }
    if (w.shape.join(',') !== t.shape.join(',')) problems.push(`${name}: shape [${w.shape.join(', ')}], the model needs [${t.shape.join(', ')}]`);
  }
  for (const name of weights.keys()) if (!known.has(name)) problems.push(`unexpected ${name}`);
  const written = new Map<object, Float32Array>();
  for (const [name, t] of expected) {
    const data = weights.get(name)?.data;
    if (!data) continue;
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) problems.push(`${name}[${bad}] is ${data[bad]}: weights must be finite`);
    const twin = written.get(t);
    if (twin && twin.some((v, i) => v !== data[i])) problems.push(`${name} is tied to another weight but holds different values`);
    written.set(t, data);
  }
  if (problems.length > 0) throw new WeightsMismatchError(problems.join('; '));
  for (const [name, t] of expected) t.backend.write(t.storage, (weights.get(name) as NamedTensor).data);
}

/** Reads every parameter back to the host, by state-dict name. */
export async function readWeights(params: ParameterSet): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [name, t] of params.entries()) out.set(name, { shape: [...t.shape], data: (await t.read()) as Float32Array });
  return out;
}
