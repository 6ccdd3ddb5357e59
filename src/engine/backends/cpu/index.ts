import { KERNEL_NAMES, kernelsOf, registerKernel, type Backend, type DType, type Kernels } from '../../backend';
import { activationForward } from './activation';
import { attentionBackward, attentionForward } from './attention';
import { crossEntropyBackward, crossEntropyForward } from './crossEntropy';
import {
  accumulate, add, dropoutForward, fill, multiplyAccumulate, globalNorm, scale, scaleByElement, sliceBackward, sliceForward, sumOfSquares,
} from './elementwise';
import { layerNormBackward, layerNormForward } from './layerNorm';
import { embeddingBackward, embeddingForward, linearBackward, linearForward } from './linear';
import { adamUpdate, sgdUpdate } from './optimizer';

type CpuStorage = Float32Array | Int32Array;

/** The CPU kernels written against typed arrays; registered under the engine's storage-generic names. */
const cpuKernels: Kernels<CpuStorage> = {
  add, accumulate, scale, fill, linearForward, linearBackward, embeddingForward, embeddingBackward,
  layerNormForward, layerNormBackward, activationForward, attentionForward, attentionBackward,
  crossEntropyForward, crossEntropyBackward, sliceForward, sliceBackward, dropoutForward, multiplyAccumulate,
  sumOfSquares, globalNorm, scaleByElement, adamUpdate, sgdUpdate,
} as Kernels<CpuStorage>;

for (const name of KERNEL_NAMES) registerKernel('cpu-reference', name, cpuKernels[name] as Kernels[typeof name]);

/** The readable reference backend: plain TypeScript loops over typed arrays, single-threaded. */
export class CpuBackend implements Backend<CpuStorage> {
  readonly name = 'cpu-reference' as const;
  readonly description = 'CPU (TypeScript reference kernels, 1 thread)';
  /** The reference recomputes attention weights from the log-sum-exp, the memory-lean definition. */
  readonly attentionWeightsBudget = 0;
  readonly kernels = kernelsOf('cpu-reference', KERNEL_NAMES) as unknown as Kernels<CpuStorage>;

  alloc(dtype: DType, n: number): CpuStorage {
    return dtype === 'i32' ? new Int32Array(n) : new Float32Array(n);
  }

  upload(data: Float32Array | Int32Array): CpuStorage {
    return data.slice();
  }

  write(storage: CpuStorage, data: Float32Array | Int32Array): void {
    storage.set(data);
  }

  async read(storage: CpuStorage): Promise<Float32Array | Int32Array> {
    return storage.slice();
  }

  release(_storage: CpuStorage): void {}

  async sync(): Promise<void> {}
}
