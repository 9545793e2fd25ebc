"""JSON text for nested Arrow values (lists, structs), built with compute kernels, not a loop.

Nested values in an export (``custom_attributes.pets``, an ``address`` object) are kept as JSON
text, one string per value. A struct lists every key its column has, so a key a user lacks is
written as ``null``: the text still parses to the same data.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

CONTROL = r"[\x00-\x1f]"  # characters JSON must escape as \uXXXX or \n


class Unsupported(Exception):
    """A value shape the vectorised path does not handle; the caller reads the block line by line."""


def json_text(values: pa.Array) -> pa.Array:
    """Each value as compact-ish JSON text (``json.dumps`` separators); nulls stay null."""
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _quoted(values)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return pc.cast(values, pa.string())
    if pa.types.is_boolean(kind):
        return pc.if_else(values, "true", "false")
    if pa.types.is_null(kind):
        return pa.nulls(len(values), pa.string())
    if pa.types.is_list(kind):
        items = _or_null(json_text(values.values))
        lists = pa.ListArray.from_arrays(values.offsets, items, mask=values.is_null())
        inner = pc.binary_join(lists, ", ")
        return pc.binary_join_element_wise("[", inner, "]", "")
    if pa.types.is_struct(kind):
        if kind.num_fields == 0:
            return pc.if_else(values.is_valid(), "{}", pa.scalar(None, pa.string()))
        pieces = []
        for spec, child in zip(kind, values.flatten(), strict=True):
            pieces.append(json.dumps(spec.name, ensure_ascii=False) + ": ")
            pieces.append(_or_null(json_text(child)))
        body = pc.binary_join_element_wise(*_interleave(pieces), "")
        text = pc.binary_join_element_wise("{", body, "}", "")
        return pc.if_else(values.is_valid(), text, pa.scalar(None, pa.string()))
    raise Unsupported(f"no JSON text for {kind}")


def _interleave(pieces: list) -> list:
    """key1, value1, ", ", key2, value2, ... for an element-wise join."""
    out: list = []
    for i in range(0, len(pieces), 2):
        if out:
            out.append(", ")
        out.extend(pieces[i : i + 2])
    return out


def _or_null(text: pa.Array) -> pa.Array:
    return pc.fill_null(text, "null")


def _quoted(values: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring_regex(values, CONTROL)).as_py():  # rare: let json escape it
        return pa.array(
            [None if v is None else json.dumps(v, ensure_ascii=False) for v in values.to_pylist()],
            pa.string(),
        )
    escaped = pc.replace_substring(pc.replace_substring(values, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")
