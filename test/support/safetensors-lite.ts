/**
 * Temporary safetensors encoder/decoder for the referee helpers, with the names and shapes announced for
 * src/engine/io/safetensors.ts; test/support/torch.ts switches to that module once it lands.
 */

/** One tensor: F32 or I32 data in row-major order. */
export interface SafeTensor {
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

/** A decoded file. */
export interface DecodedSafetensors {
  tensors: Map<string, SafeTensor>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Encodes tensors (insertion order) and string metadata into safetensors bytes. */
export function encodeSafetensors(tensors: ReadonlyMap<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  let offset = 0;
  for (const [name, tensor] of tensors) {
    const count = tensor.shape.reduce((a, b) => a * b, 1);
    if (count !== tensor.data.length) throw new Error(`tensor ${name}: shape [${tensor.shape}] needs ${count} values, got ${tensor.data.length}`);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.byteLength] };
    offset += tensor.data.byteLength;
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pads the header with spaces so the data block starts 8-byte aligned.
  const headerBytes = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  headerBytes.set(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const tensor of tensors.values()) {
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), cursor);
    cursor += tensor.data.byteLength;
  }
  return out;
}

/** Decodes safetensors bytes; `fileName` only names the file in error messages. */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): DecodedSafetensors {
  if (bytes.length < 8) throw new Error(`${fileName}: too short for a safetensors header`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + headerLength > bytes.length) throw new Error(`${fileName}: header length ${headerLength} runs past the end`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, SafeTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    if (entry.dtype !== 'F32' && entry.dtype !== 'I32') throw new Error(`${fileName}: tensor ${name} has unsupported dtype ${entry.dtype}`);
    const [begin, end] = entry.data_offsets;
    // Copies so the typed array is 4-byte aligned whatever the header length.
    const chunk = bytes.slice(dataStart + begin, dataStart + end);
    const data = entry.dtype === 'F32' ? new Float32Array(chunk.buffer) : new Int32Array(chunk.buffer);
    const count = entry.shape.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new Error(`${fileName}: tensor ${name} shape [${entry.shape}] does not match its ${data.length} values`);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata };
}
