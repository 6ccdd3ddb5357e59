/** A tensor as Loss Lab keeps it: float32 or int32, row-major. */
export type Tensor = { dtype: 'F32'; shape: number[]; data: Float32Array } | { dtype: 'I32'; shape: number[]; data: Int32Array };

/** The dtypes read from a file; F16/BF16/F64 become F32 and I64 becomes I32. */
export type StoredDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I32' | 'I64';

/** A tensor read from a file, with the dtype it was stored as. */
export type DecodedTensor = Tensor & { storedAs: StoredDtype };

export interface DecodedSafetensors {
  /** In header order. */
  tensors: Map<string, DecodedTensor>;
  metadata: Record<string, string>;
}

/** A file that is not a readable safetensors file, or tensors that cannot be written as one. */
export class SafetensorsError extends Error {
  override readonly name: string = 'SafetensorsError';

  constructor(
    /** null when encoding (there is no file yet). */
    readonly file: string | null,
    readonly reason: string,
  ) {
    super(file === null ? reason : `${file}: ${reason}`);
  }
}

const ITEM_BYTES: Record<StoredDtype, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I32: 4, I64: 8 };
const METADATA_KEY = '__metadata__';

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Writes the safetensors format: u64 little-endian header length, a JSON header padded with spaces to 8 bytes, data.
 * `metadata` may be a function of the data section, for metadata that describes the bytes (a checksum).
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string> | ((data: Uint8Array) => Record<string, string>)): Uint8Array {
  const entries: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === METADATA_KEY) throw new SafetensorsError(null, `a tensor cannot be named ${METADATA_KEY}`);
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(null, `tensor "${name}": shape ${shapeText(tensor.shape)} must hold non-negative integers`);
    }
    const expectedType = tensor.dtype === 'F32' ? Float32Array : Int32Array;
    if (!(tensor.data instanceof expectedType)) throw new SafetensorsError(null, `tensor "${name}": dtype ${tensor.dtype} needs a ${expectedType.name}`);
    if (elementCount(tensor.shape) !== tensor.data.length) {
      throw new SafetensorsError(null, `tensor "${name}": shape ${shapeText(tensor.shape)} has ${elementCount(tensor.shape)} elements but the data has ${tensor.data.length}`);
    }
    const end = offset + tensor.data.length * 4;
    entries[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, end] };
    offset = end;
  }
  const data = new Uint8Array(offset);
  const dataView = new DataView(data.buffer);
  let at = 0;
  for (const tensor of Object.values(tensors)) {
    for (let i = 0; i < tensor.data.length; i++, at += 4) {
      if (tensor.dtype === 'F32') dataView.setFloat32(at, tensor.data[i], true);
      else dataView.setInt32(at, tensor.data[i], true);
    }
  }
  const meta = typeof metadata === 'function' ? metadata(data) : metadata;
  const header = meta && Object.keys(meta).length > 0 ? { [METADATA_KEY]: meta, ...entries } : entries;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil((8 + json.length) / 8) * 8 - 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  new DataView(bytes.buffer).setUint32(0, headerLength, true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  bytes.set(data, 8 + headerLength);
  return bytes;
}

/** The data section of a safetensors file (the tensor bytes after the header); `bytes` must have decoded. */
export function safetensorsDataSection(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return bytes.subarray(8 + view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true));
}

/** Recognises files people mistake for safetensors, to say what they are instead of "bad header length". */
function foreignFormat(bytes: Uint8Array): string | null {
  const startsWith = (...magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);
  if (startsWith(0x50, 0x4b)) return 'starts with PK (a zip / PyTorch .pt?)';
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'starts with a Python pickle header (a PyTorch .pt / .pth / .pkl?)';
  if (startsWith(0x89, 0x50, 0x4e, 0x47)) return 'starts with \\x89PNG (a PNG image)';
  if (startsWith(0x89, 0x48, 0x44, 0x46)) return 'starts with \\x89HDF (an HDF5 / Keras .h5 file)';
  if (startsWith(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59)) return 'starts with \\x93NUMPY (a NumPy .npy file)';
  if (startsWith(0x1f, 0x8b)) return 'starts with \\x1f\\x8b (a gzip file)';
  if (startsWith(0x47, 0x47, 0x55, 0x46)) return 'starts with GGUF (a llama.cpp GGUF model)';
  if (startsWith(0x7b)) return 'starts with "{" (a JSON file? safetensors puts an 8-byte length before its JSON header)';
  return null;
}

interface HeaderEntry {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  begin: number;
  end: number;
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseEntry(name: string, value: unknown, dataLength: number, fail: (reason: string) => never): HeaderEntry {
  const where = `tensor "${name}"`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${where}: expected an object {"dtype", "shape", "data_offsets"}, got ${JSON.stringify(value)}`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`${where}: "dtype" is missing or not a string`);
  if (!Object.hasOwn(ITEM_BYTES, dtype)) {
    fail(`${where}: dtype ${dtype} is not supported (Loss Lab reads F32, F16, BF16, F64, I32 and I64)`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    fail(`${where}: "shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger) || offsets[0] > offsets[1]) {
    fail(`${where}: "data_offsets" must be [begin, end] with 0 ≤ begin ≤ end, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  const item = ITEM_BYTES[dtype as StoredDtype];
  if (end - begin !== elementCount(shape) * item) {
    fail(`${where}: data_offsets [${begin}, ${end}] do not match shape ${shapeText(shape)} × ${item} bytes (${dtype}) = ${elementCount(shape) * item} bytes`);
  }
  if (end > dataLength) {
    fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes after the header): the file is truncated`);
  }
  return { name, dtype: dtype as StoredDtype, shape, begin, end };
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function bf16ToFloat(h: number): number {
  u32Scratch[0] = h << 16;
  return f32Scratch[0];
}

function readTensor(entry: HeaderEntry, view: DataView, fail: (reason: string) => never): DecodedTensor {
  const n = elementCount(entry.shape);
  const shape = entry.shape;
  const item = ITEM_BYTES[entry.dtype];
  const at = (i: number): number => entry.begin + i * item;
  if (entry.dtype === 'I32' || entry.dtype === 'I64') {
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (entry.dtype === 'I32') {
        data[i] = view.getInt32(at(i), true);
        continue;
      }
      const low = view.getUint32(at(i), true);
      const high = view.getInt32(at(i) + 4, true);
      // Fits int32 exactly when the high word is the sign extension of the low word.
      if (high !== (low >= 0x80000000 ? -1 : 0)) {
        fail(`tensor "${entry.name}": I64 value ${view.getBigInt64(at(i), true)} at index ${i} does not fit in int32`);
      }
      data[i] = low | 0;
    }
    return { dtype: 'I32', shape, data, storedAs: entry.dtype };
  }
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (entry.dtype === 'F32') data[i] = view.getFloat32(at(i), true);
    else if (entry.dtype === 'F16') data[i] = halfToFloat(view.getUint16(at(i), true));
    else if (entry.dtype === 'BF16') data[i] = bf16ToFloat(view.getUint16(at(i), true));
    else {
      const value = view.getFloat64(at(i), true);
      data[i] = value;
      if (Number.isFinite(value) && !Number.isFinite(data[i])) {
        fail(`tensor "${entry.name}": F64 value ${value} at index ${i} is too large for float32`);
      }
    }
  }
  return { dtype: 'F32', shape, data, storedAs: entry.dtype };
}

/** Reads a safetensors file; anything corrupt, truncated or foreign throws a SafetensorsError naming `fileName`. */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): DecodedSafetensors {
  const fail = (reason: string): never => {
    throw new SafetensorsError(fileName, reason);
  };
  const failForeign = (reason: string): never => {
    const foreign = foreignFormat(bytes);
    return fail(foreign ? `not a safetensors file: ${foreign}` : reason);
  };
  if (bytes.length < 8) failForeign(`the file is ${bytes.length} bytes: too short for a safetensors file (it starts with an 8-byte header length)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > bytes.length - 8) failForeign(`header length ${headerLength} exceeds file size ${bytes.length}`);
  if (headerLength < 2) failForeign(`header length ${headerLength} is too small for a JSON header`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    failForeign(`the ${headerLength}-byte header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    fail(`the header is ${Array.isArray(header) ? 'an array' : JSON.stringify(header)}: expected a JSON object of tensors`);
  }
  const dataStart = 8 + headerLength;
  const dataView = new DataView(bytes.buffer, bytes.byteOffset + dataStart, bytes.byteLength - dataStart);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name !== METADATA_KEY) {
      entries.push(parseEntry(name, value, dataView.byteLength, fail));
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${METADATA_KEY} must be an object of strings`);
    for (const [key, text] of Object.entries(value as Record<string, unknown>)) {
      if (typeof text !== 'string') fail(`${METADATA_KEY} entry "${key}" is ${JSON.stringify(text)}: expected a string`);
      metadata[key] = text as string;
    }
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byOffset.length; i++) {
    const [previous, current] = [byOffset[i - 1], byOffset[i]];
    if (current.begin < previous.end) fail(`tensors "${previous.name}" and "${current.name}" overlap in the data section`);
  }
  const tensors = new Map<string, DecodedTensor>();
  for (const entry of entries) tensors.set(entry.name, readTensor(entry, dataView, fail));
  return { tensors, metadata };
}
