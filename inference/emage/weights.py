"""Read EMAGE weight files without torch and without arbitrary unpickling.

Two published formats (see ``docs/emage.md``):

* ``model.safetensors``: an 8-byte little-endian header length, a JSON header
  ``{name: {"dtype", "shape", "data_offsets": [begin, end]}}`` and the raw little-endian data
  (https://github.com/huggingface/safetensors, "Format").
* ``pytorch_model.bin``: a ``torch.save`` zip archive: ``<dir>/data.pkl`` (a pickle of the
  state dict) and one member ``<dir>/data/<key>`` per storage. The pickle is read with a
  restricted unpickler that resolves only the handful of globals a plain tensor state dict uses
  (``collections.OrderedDict``, ``torch._utils._rebuild_tensor_v2`` / ``_rebuild_parameter`` and the
  ``torch.*Storage`` type tags) to our own numpy stand-ins; any other global is refused, so no
  code from the file ever runs (the same policy as ``torch.load(weights_only=True)``).

Both return ``{name: np.ndarray}`` (float tensors as float32, integer tensors as int64).
"""

from __future__ import annotations

import collections
import json
import os
import pickle
import struct
import zipfile

import numpy as np

from ..errors import InputError


class CheckpointError(InputError):
    """An EMAGE checkpoint folder or weight file is missing, unreadable or does not match."""

    code = "emage_checkpoint"


#: Weight file names accepted in each component folder, in preference order.
WEIGHT_FILES: tuple[str, ...] = ("model.safetensors", "pytorch_model.bin")

_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64,
              "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8, "BOOL": np.bool_}


def _normalise(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.array(arr, dtype=np.float32, order="C")
    if arr.dtype.kind in "iub":
        return np.array(arr, dtype=np.int64, order="C")
    return np.array(arr, order="C")


def _bf16_to_f32(raw: np.ndarray) -> np.ndarray:
    return (raw.astype(np.uint32) << 16).view(np.float32)


def load_safetensors(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load every tensor of a ``.safetensors`` file.

    Returns:
        ``{name: array}``; floating tensors as float32, integer tensors as int64.

    Raises:
        CheckpointError: truncated file, bad header, unknown dtype or out-of-range offsets.
    """
    path = os.fspath(path)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise CheckpointError(f"{path}: not a safetensors file (shorter than 8 bytes)")
        (n,) = struct.unpack("<Q", head)
        if n > min(size - 8, 100 << 20):
            raise CheckpointError(f"{path}: not a safetensors file (header length {n} > file size {size})")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: unreadable safetensors header ({e})") from None
    base = 8 + n
    data = np.memmap(path, dtype=np.uint8, mode="r")
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dt, shape, (b, e) = info["dtype"], tuple(int(s) for s in info["shape"]), info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{path}: tensor {name!r} has a malformed header entry {info!r}") from None
        if not (0 <= b <= e and base + e <= size):
            raise CheckpointError(f"{path}: tensor {name!r} offsets {b}..{e} lie outside the file")
        raw = data[base + b:base + e]
        if dt == "BF16":
            arr = _bf16_to_f32(raw.view("<u2"))
        elif dt in _ST_DTYPES:
            arr = raw.view(np.dtype(_ST_DTYPES[dt]).newbyteorder("<"))
        else:
            raise CheckpointError(f"{path}: tensor {name!r} has unsupported dtype {dt!r} "
                                  f"(expected one of {sorted(_ST_DTYPES) + ['BF16']})")
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise CheckpointError(f"{path}: tensor {name!r} holds {arr.size} values, shape {shape} needs "
                                  f"{int(np.prod(shape))}")
        out[name] = _normalise(arr.reshape(shape))
    return out


# --- torch.save zip archives -------------------------------------------------------------------

_STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                   "BFloat16Storage": "bf16", "LongStorage": np.int64, "IntStorage": np.int32,
                   "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
                   "BoolStorage": np.bool_}


class _StorageType:
    def __init__(self, name: str):
        self.name = name
        self.dtype = _STORAGE_DTYPES[name]


def _rebuild_tensor(storage, offset, size, stride, *_ignored):
    raw = storage
    size, stride = tuple(size), tuple(stride)
    if not size:
        return _normalise(raw[offset:offset + 1].reshape(()))
    item = raw.itemsize
    need = offset + 1 + sum((s - 1) * st for s, st in zip(size, stride)) if all(size) else offset
    if need > raw.size:
        raise CheckpointError(f"tensor of shape {size} reads past its storage ({need} > {raw.size})")
    arr = np.lib.stride_tricks.as_strided(raw[offset:], shape=size, strides=tuple(st * item for st in stride))
    return _normalise(arr)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None, *_ignored):
    return data


class _SafeUnpickler(pickle.Unpickler):
    _ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }

    def __init__(self, fh, zf: zipfile.ZipFile, prefix: str, path: str):
        super().__init__(fh)
        self._zf, self._prefix, self._path = zf, prefix, path
        self._cache: dict[str, np.ndarray] = {}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"{self._path}: refuses to load {module}.{name} "
                              "(only plain tensor state dicts are accepted)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"{self._path}: unexpected persistent id {pid!r}")
        stype, key = pid[1], str(pid[2])
        if not isinstance(stype, _StorageType):
            raise CheckpointError(f"{self._path}: storage {key} has an unknown type {stype!r}")
        if key not in self._cache:
            try:
                raw = self._zf.read(f"{self._prefix}data/{key}")
            except KeyError:
                raise CheckpointError(f"{self._path}: storage member data/{key} is missing") from None
            if stype.dtype == "bf16":
                arr = _bf16_to_f32(np.frombuffer(raw, "<u2"))
            else:
                arr = np.frombuffer(raw, np.dtype(stype.dtype).newbyteorder("<"))
            self._cache[key] = arr
        return self._cache[key]


def load_torch_zip(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load a ``torch.save`` zip archive of a flat ``{name: tensor}`` dict, without torch.

    Raises:
        CheckpointError: not a zip archive (the legacy pre-1.6 torch format is not supported),
            no ``data.pkl``, a pickle referring to anything but tensors, or a non-dict payload.
    """
    path = os.fspath(path)
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path}: expected a torch.save zip archive, found another format "
                              "(re-save it with a torch >= 1.6 or convert it to model.safetensors)")
    with zipfile.ZipFile(path) as zf:
        pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
        if len(pkl) != 1:
            raise CheckpointError(f"{path}: expected one <dir>/data.pkl member, found {len(pkl)}")
        prefix = pkl[0][: -len("data.pkl")]
        if prefix + "byteorder" in zf.namelist() and zf.read(prefix + "byteorder").strip() not in (b"", b"little"):
            raise CheckpointError(f"{path}: big-endian torch archives are not supported")
        with zf.open(pkl[0]) as fh:
            try:
                obj = _SafeUnpickler(fh, zf, prefix, path).load()
            except CheckpointError:
                raise
            except Exception as e:  # malformed pickle stream
                raise CheckpointError(f"{path}: unreadable data.pkl ({type(e).__name__}: {e})") from None
    if not isinstance(obj, dict) or not all(isinstance(v, np.ndarray) for v in obj.values()):
        raise CheckpointError(f"{path}: expected a dict of tensors, found {type(obj).__name__}")
    return {str(k): v for k, v in obj.items()}


def find_weight_file(folder: str | os.PathLike) -> str:
    """The weight file of one component folder (``model.safetensors`` preferred).

    Raises:
        CheckpointError: neither file exists (the message lists what the folder holds).
    """
    folder = os.fspath(folder)
    for name in WEIGHT_FILES:
        p = os.path.join(folder, name)
        if os.path.isfile(p):
            return p
    have = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    raise CheckpointError(f"{folder}: expected one of {', '.join(WEIGHT_FILES)}, found {have or 'no such folder'}")


def load_weights(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Load ``model.safetensors`` or ``pytorch_model.bin`` (chosen by file name)."""
    path = os.fspath(path)
    if path.endswith(".safetensors"):
        return load_safetensors(path)
    return load_torch_zip(path)


def save_safetensors(path: str | os.PathLike, tensors: dict[str, np.ndarray]) -> None:
    """Write ``{name: array}`` as a ``.safetensors`` file (float32/int64/...; metadata ``format: pt``).

    Used to build test checkpoints and to convert a ``pytorch_model.bin`` once, if a user wants to.
    """
    rev = {np.dtype(v): k for k, v in _ST_DTYPES.items()}
    header: dict = {"__metadata__": {"format": "pt"}}
    arrays, off = [], 0
    for name, arr in tensors.items():
        arr = np.asarray(arr, order="C")
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        header[name] = {"dtype": rev[np.dtype(arr.dtype.newbyteorder("="))], "shape": list(arr.shape),
                        "data_offsets": [off, off + arr.nbytes]}
        arrays.append(arr)
        off += arr.nbytes
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for arr in arrays:
            f.write(memoryview(arr.reshape(-1)).cast("B"))
