"""Minimal safetensors reader and writer (F32 and I32 only), built on struct, json and numpy.

Layout: an 8-byte little-endian u64 header length N, N bytes of JSON header (padded with spaces),
then the raw little-endian tensor bytes addressed by each entry's data_offsets.
"""
import json
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4")}
INT32_RANGE = (-(2**31), 2**31 - 1)


class SafetensorsError(ValueError):
    """A file that does not follow the subset of safetensors we support."""


def read_safetensors(path):
    """Read a file; returns (dict name -> numpy array, metadata dict of str -> str)."""
    with open(path, "rb") as handle:
        blob = handle.read()
    if len(blob) < 8:
        raise SafetensorsError(f"{path}: too short to hold a safetensors header")
    (header_len,) = struct.unpack("<Q", blob[:8])
    if 8 + header_len > len(blob):
        raise SafetensorsError(f"{path}: header length {header_len} runs past the end of the file")
    header = json.loads(blob[8 : 8 + header_len].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(blob)[8 + header_len :]
    tensors = {}
    for name, entry in header.items():
        tensors[name] = _decode_entry(path, name, entry, data)
    return tensors, metadata


def _decode_entry(path, name, entry, data):
    dtype = DTYPES.get(entry.get("dtype"))
    if dtype is None:
        raise SafetensorsError(f"{path}: tensor {name!r} has unsupported dtype {entry.get('dtype')!r} (F32 or I32 only)")
    shape = tuple(int(d) for d in entry["shape"])
    begin, end = (int(v) for v in entry["data_offsets"])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if end - begin != expected or begin < 0 or end > len(data):
        raise SafetensorsError(
            f"{path}: tensor {name!r} with shape {list(shape)} needs {expected} bytes but data_offsets are [{begin}, {end}]"
        )
    return np.frombuffer(data[begin:end], dtype=dtype).reshape(shape).copy()


def write_safetensors(path, tensors, metadata=None):
    """Write dict name -> array (numpy or torch); floats are stored as F32, integers as I32."""
    header = {}
    chunks = []
    offset = 0
    for name, value in tensors.items():
        array = _as_numpy(value)
        dtype_name, raw = _encode_array(name, array)
        header[name] = {"dtype": dtype_name, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)  # keeps the data block 8-byte aligned, as the reference implementation does
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for raw in chunks:
            handle.write(raw)


def _as_numpy(value):
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _encode_array(name, array):
    if np.issubdtype(array.dtype, np.floating):
        return "F32", np.ascontiguousarray(array, dtype=DTYPES["F32"]).tobytes()
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if array.size and (array.min() < INT32_RANGE[0] or array.max() > INT32_RANGE[1]):
            raise SafetensorsError(f"tensor {name!r} does not fit in I32")
        return "I32", np.ascontiguousarray(array, dtype=DTYPES["I32"]).tobytes()
    raise SafetensorsError(f"tensor {name!r} has unsupported dtype {array.dtype}")
