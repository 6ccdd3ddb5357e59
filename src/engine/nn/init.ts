import type { Rng } from '../rng';

/** Initialisers for ParameterSet.create; each draws from the model's seeded Rng in parameter order. */
export const normal = (rng: Rng, std: number) => (data: Float32Array): void => {
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
};

/** torch.nn.init.xavier_uniform_ for a [fanOut, fanIn] matrix. */
export const xavierUniform = (rng: Rng, fanOut: number, fanIn: number) => (data: Float32Array): void => {
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < data.length; i++) data[i] = (rng.uniform() * 2 - 1) * bound;
};

export const constant = (value: number) => (data: Float32Array): void => {
  data.fill(value);
};

/** Sinusoidal positions of "Attention Is All You Need": [context, C], sin on even and cos on odd channels. */
export function sinusoidalPositions(context: number, C: number): Float32Array {
  const table = new Float32Array(context * C);
  for (let pos = 0; pos < context; pos++) {
    for (let i = 0; i < C; i += 2) {
      const angle = pos / Math.pow(10000, i / C);
      table[pos * C + i] = Math.sin(angle);
      if (i + 1 < C) table[pos * C + i + 1] = Math.cos(angle);
    }
  }
  return table;
}
