import { SHADER_STAGE_COMPUTE } from './constants';
import { SHADER_SOURCES, type ShaderName } from './shaderSources';

/** How a kernel uses a storage binding: `write` overwrites every element, `readwrite` reads (or partly writes) it. */
export type Access = 'read' | 'write' | 'readwrite';

/** Compile-time constants a program is specialised with, prepended as WGSL `const` declarations. */
export type Defines = Readonly<Record<string, number | boolean>>;

/** One WGSL program: its shader file and the access of each storage binding (bindings 1…n; 0 is the uniforms). */
export interface ProgramSpec {
  readonly shader: ShaderName;
  readonly bindings: readonly Access[];
}

/** The largest uniform block a program may take (one arena slot). */
export const MAX_UNIFORM_BYTES = 256;

function defineLines(defines: Defines): string {
  return Object.entries(defines).map(([name, value]) => typeof value === 'boolean'
    ? `const ${name}: bool = ${value};`
    : `const ${name}: u32 = ${value >>> 0}u;`).join('\n');
}

/** The cache key of a program specialised with `defines`: shader name plus every define, in a fixed order. */
export function pipelineKey(spec: ProgramSpec, defines: Defines): string {
  const parts = Object.keys(defines).sort().map((name) => `${name}=${String(defines[name])}`);
  return `${spec.shader}(${parts.join(',')})`;
}

/** A compiled compute pipeline with an explicit bind-group layout (so unused bindings are never dropped). */
export class ComputeProgram {
  readonly layout: GPUBindGroupLayout;
  readonly pipeline: GPUComputePipeline;

  constructor(device: GPUDevice, readonly spec: ProgramSpec, defines: Defines, readonly key: string) {
    const code = `${defineLines(defines)}\n${SHADER_SOURCES.prelude}\n${SHADER_SOURCES[spec.shader]}`;
    const entries: GPUBindGroupLayoutEntry[] = [
      { binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } },
      ...spec.bindings.map((access, i): GPUBindGroupLayoutEntry => ({
        binding: i + 1, visibility: SHADER_STAGE_COMPUTE, buffer: { type: access === 'read' ? 'read-only-storage' : 'storage' },
      })),
    ];
    this.layout = device.createBindGroupLayout({ label: key, entries });
    const module = device.createShaderModule({ label: key, code });
    this.pipeline = device.createComputePipeline({
      label: key,
      layout: device.createPipelineLayout({ label: key, bindGroupLayouts: [this.layout] }),
      compute: { module, entryPoint: 'main' },
    });
  }
}

/** Builds a program's uniform block: 4-byte fields in the order of the WGSL `Params` struct. */
export class Uniforms {
  private readonly view = new DataView(new ArrayBuffer(MAX_UNIFORM_BYTES));
  private offset = 0;

  u32(value: number): this {
    this.view.setUint32(this.take(), value >>> 0, true);
    return this;
  }

  i32(value: number): this {
    this.view.setInt32(this.take(), value | 0, true);
    return this;
  }

  f32(value: number): this {
    this.view.setFloat32(this.take(), value, true);
    return this;
  }

  flag(value: boolean): this {
    return this.u32(value ? 1 : 0);
  }

  /** The bytes written so far, padded to 16 bytes. */
  bytes(): Uint8Array {
    return new Uint8Array(this.view.buffer, 0, Math.max(16, Math.ceil(this.offset / 16) * 16));
  }

  private take(): number {
    const at = this.offset;
    if (at + 4 > MAX_UNIFORM_BYTES) throw new Error('uniform block larger than 256 bytes');
    this.offset += 4;
    return at;
  }
}
