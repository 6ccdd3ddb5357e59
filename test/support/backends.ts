import type { Backend } from '../../src/engine/backend';
import { CpuBackend } from '../../src/engine/backends/cpu';

/** Every backend the op suite and the parity tests run over; new backends join this list. */
export function backendsUnderTest(): { name: string; create: () => Promise<Backend> }[] {
  return [{ name: 'cpu', create: async () => new CpuBackend() }];
}
