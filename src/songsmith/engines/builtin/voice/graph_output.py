"""Expose an intermediate tensor of an ONNX model as an extra graph output.

The `onnx` package is not a dependency, so this edits the protobuf directly: a ModelProto's graph
is field 7 and a GraphProto's outputs are the repeated field 12 (ValueInfoProto, name = field 1).
Appending one more field-12 entry to the graph keeps the message valid (protobuf repeated fields may
appear anywhere), and onnxruntime infers the new output's type from the graph.
"""

from __future__ import annotations

from collections.abc import Iterator

_WIRE_VARINT, _WIRE_I64, _WIRE_LEN, _WIRE_I32 = 0, 1, 2, 5
_MODEL_GRAPH = 7
_GRAPH_OUTPUT = 12
_VALUE_INFO_NAME = 1


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def _fields(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, start of the field's key, end of the field) of each top field."""
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        wire = key & 7
        if wire == _WIRE_VARINT:
            _, pos = _read_varint(data, pos)
        elif wire == _WIRE_I64:
            pos += 8
        elif wire == _WIRE_I32:
            pos += 4
        elif wire == _WIRE_LEN:
            size, pos = _read_varint(data, pos)
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield key >> 3, wire, start, pos


def _length_delimited(field: int, payload: bytes) -> bytes:
    return _varint((field << 3) | _WIRE_LEN) + _varint(len(payload)) + payload


def with_extra_output(model: bytes, tensor_name: str) -> bytes:
    """The serialized model with `tensor_name` added to its graph outputs."""
    if tensor_name.encode() not in model:
        raise ValueError(f"the ONNX model has no tensor named {tensor_name!r}")
    out = bytearray()
    found = False
    for field, wire, start, end in _fields(model):
        if field == _MODEL_GRAPH and wire == _WIRE_LEN:
            _, pos = _read_varint(model, start)
            _, pos = _read_varint(model, pos)
            value_info = _length_delimited(_VALUE_INFO_NAME, tensor_name.encode())
            graph = model[pos:end] + _length_delimited(_GRAPH_OUTPUT, value_info)
            out += _length_delimited(_MODEL_GRAPH, graph)
            found = True
        else:
            out += model[start:end]
    if not found:
        raise ValueError("not an ONNX model: no graph field")
    return bytes(out)
