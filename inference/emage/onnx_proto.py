"""A minimal ONNX model writer (protobuf wire format) so graphs can be built without the ``onnx`` package.

Blender ships neither torch nor ``onnx``; the extension only has ``onnxruntime``. ONNX models are
protocol-buffer messages (``onnx/onnx.proto``, proto2): this module encodes the handful of message
types a plain inference graph needs — ModelProto, GraphProto, NodeProto, AttributeProto,
TensorProto, ValueInfoProto/TypeProto/TensorShapeProto and OperatorSetIdProto — using the field
numbers of ``onnx.proto`` (ONNX IR version 8). Repeated scalars are written unpacked (the proto2
default, which every protobuf parser accepts). ``tests/test_emage_onnx.py`` checks the output
against the ``onnx`` package (dev only) and onnxruntime.

Large initializers are streamed to the file (:func:`write_model`), so converting a 556 MB
checkpoint does not hold a second copy of every weight in memory.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field

import numpy as np

#: ONNX IR version written (onnxruntime 1.20 reads up to 10).
IR_VERSION: int = 8
#: Default-domain opset (LayerNormalization needs >= 17).
OPSET: int = 17

#: TensorProto.DataType codes (onnx.proto).
DTYPE_CODES: dict[np.dtype, int] = {
    np.dtype(np.float32): 1, np.dtype(np.uint8): 2, np.dtype(np.int8): 3, np.dtype(np.int32): 6,
    np.dtype(np.int64): 7, np.dtype(np.bool_): 9, np.dtype(np.float16): 10, np.dtype(np.float64): 11,
}


def _varint(v: int) -> bytes:
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _key(field_no: int, wire: int) -> bytes:
    return _varint((field_no << 3) | wire)


def _int(field_no: int, v: int) -> bytes:
    return _key(field_no, 0) + _varint(int(v))


def _len(field_no: int, payload: bytes) -> bytes:
    return _key(field_no, 2) + _varint(len(payload)) + payload


def _str(field_no: int, s: str) -> bytes:
    return _len(field_no, s.encode("utf-8"))


def _float(field_no: int, v: float) -> bytes:
    return _key(field_no, 5) + struct.pack("<f", float(v))


def attribute(name: str, value) -> bytes:
    """Encode an AttributeProto: int, float, str, list of ints/floats, or a numpy array (tensor).

    Raises:
        TypeError: a value of another type.
    """
    out = _str(1, name)
    if isinstance(value, bool) or isinstance(value, (int, np.integer)):
        return out + _int(3, int(value)) + _int(20, 2)
    if isinstance(value, (float, np.floating)):
        return out + _float(2, value) + _int(20, 1)
    if isinstance(value, str):
        return out + _len(4, value.encode("utf-8")) + _int(20, 3)
    if isinstance(value, np.ndarray):
        return out + _len(5, tensor(value, "")) + _int(20, 4)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            return out + b"".join(_int(8, v) for v in value) + _int(20, 7)
        if all(isinstance(v, (float, np.floating)) for v in value):
            return out + b"".join(_float(7, v) for v in value) + _int(20, 6)
    raise TypeError(f"ONNX attribute {name!r}: unsupported value {value!r}")


def _tensor_head(name: str, shape, dtype: np.dtype) -> bytes:
    code = DTYPE_CODES.get(np.dtype(dtype))
    if code is None:
        raise TypeError(f"ONNX tensor {name!r}: unsupported dtype {dtype}")
    return b"".join(_int(1, d) for d in shape) + _int(2, code) + (_str(8, name) if name else b"")


def tensor(arr: np.ndarray, name: str) -> bytes:
    """Encode a TensorProto holding ``arr`` (little-endian raw_data)."""
    arr = np.asarray(arr, order="C")
    return _tensor_head(name, arr.shape, arr.dtype) + _len(9, arr.astype(arr.dtype.newbyteorder("<")).tobytes())


def node(op_type: str, inputs, outputs, name: str = "", attrs: dict | None = None, domain: str = "") -> bytes:
    """Encode a NodeProto."""
    out = b"".join(_str(1, i) for i in inputs) + b"".join(_str(2, o) for o in outputs)
    if name:
        out += _str(3, name)
    out += _str(4, op_type)
    for k, v in (attrs or {}).items():
        out += _len(5, attribute(k, v))
    if domain:
        out += _str(7, domain)
    return out


def value_info(name: str, dtype, shape) -> bytes:
    """Encode a ValueInfoProto; ``shape`` items are ints (fixed) or strings (symbolic)."""
    dims = b""
    for d in shape:
        dims += _len(1, _int(1, d) if isinstance(d, (int, np.integer)) else _str(2, str(d)))
    ttype = _int(1, DTYPE_CODES[np.dtype(dtype)]) + _len(2, dims)
    return _str(1, name) + _len(2, _len(1, ttype))


@dataclass
class GraphParts:
    """Everything of one graph: encoded nodes/inputs/outputs and the initializer arrays."""

    name: str
    nodes: list[bytes] = field(default_factory=list)
    inputs: list[bytes] = field(default_factory=list)
    outputs: list[bytes] = field(default_factory=list)
    initializers: list[tuple[str, np.ndarray]] = field(default_factory=list)


def _initializer_pieces(name: str, arr: np.ndarray):
    """(header bytes, array) of the length-delimited graph field 5 for one initializer."""
    arr = np.asarray(arr, order="C")
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    head = _tensor_head(name, arr.shape, arr.dtype) + _key(9, 2) + _varint(arr.nbytes)
    body_len = len(head) + arr.nbytes
    return _key(5, 2) + _varint(body_len) + head, arr


def write_model(parts: GraphParts, path: str | os.PathLike, producer: str = "speech_animator") -> None:
    """Write a ModelProto for ``parts`` to ``path`` (initializers streamed, not copied)."""
    small = (b"".join(_len(1, n) for n in parts.nodes) + _str(2, parts.name)
             + b"".join(_len(11, i) for i in parts.inputs) + b"".join(_len(12, o) for o in parts.outputs))
    pieces = [_initializer_pieces(n, a) for n, a in parts.initializers]
    graph_len = len(small) + sum(len(h) + a.nbytes for h, a in pieces)
    head = (_int(1, IR_VERSION) + _str(2, producer) + _len(8, _str(1, "") + _int(2, OPSET))
            + _key(7, 2) + _varint(graph_len))
    with open(path, "wb") as f:
        f.write(head)
        f.write(small)
        for h, a in pieces:
            f.write(h)
            f.write(memoryview(a.reshape(-1)).cast("B"))
