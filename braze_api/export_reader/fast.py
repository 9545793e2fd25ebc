"""The fast path: a block of NDJSON parsed by pyarrow's C++ reader and flattened with compute.

``parse_block`` either returns every line of the block as rows, or raises one of
``FALLBACK`` (a bad line, a type that changes between users, an odd shape) so the caller can
split the block and read the failing part line by line with the standard library.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from .jsontext import Unsupported, json_text
from .model import LONG_TABLES, USERS

Part = dict[str, dict[str, pa.Array]]  # table -> column -> values, all columns one length

ARROW_BLOCK_BYTES = 1 << 21  # pyarrow's unit of (threaded) parsing within a block
FALLBACK = (pa.ArrowException, Unsupported)
_READ = pj.ReadOptions(block_size=ARROW_BLOCK_BYTES, use_threads=True)
_INFER = pj.ParseOptions(newlines_in_values=False, unexpected_field_behavior="infer")


def parse_block(data: bytes, newlines: int) -> tuple[list[Part], int]:
    """(parts, rows) for the lines of ``data`` (``newlines`` of them end in a newline).

    Raises a ``FALLBACK`` error if any line is not a plain user object.
    """
    table = pj.read_json(pa.BufferReader(data), read_options=_READ, parse_options=_INFER)
    if any(_has_timestamp(f.type) for f in table.schema):
        # pyarrow guessed dates from text such as "1980-02-01": read again keeping the text
        options = pj.ParseOptions(
            explicit_schema=_as_text(table.schema),
            newlines_in_values=False,
            unexpected_field_behavior="infer",
        )
        table = pj.read_json(pa.BufferReader(data), read_options=_READ, parse_options=options)
    _check_one_object_per_line(data, newlines, table.num_rows)
    return [_flatten(batch) for batch in table.to_batches()], table.num_rows


def _check_one_object_per_line(raw: bytes, newlines: int, rows: int) -> None:
    """pyarrow accepts ``null`` lines and two objects on one line; the stdlib does not."""
    lines = newlines + (0 if not raw or raw.endswith(b"\n") else 1)
    if rows == lines and raw.count(b"\n{") + raw.startswith(b"{") == lines:
        return
    objects = 0
    for line in raw.split(b"\n"):
        line = line.strip()
        if not line:
            continue
        if not line.startswith(b"{"):
            raise Unsupported("a line is not an object")
        objects += 1
    if objects != rows:
        raise Unsupported("a line holds more than one value")


def _has_timestamp(kind: pa.DataType) -> bool:
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return True
    if pa.types.is_list(kind):
        return _has_timestamp(kind.value_type)
    if pa.types.is_struct(kind):
        return any(_has_timestamp(f.type) for f in kind)
    return False


def _as_text(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_type(_text_type(f.type)) for f in schema])


def _text_type(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return pa.string()
    if pa.types.is_list(kind):
        return pa.list_(_text_type(kind.value_type))
    if pa.types.is_struct(kind):
        return pa.struct([f.with_type(_text_type(f.type)) for f in kind])
    return kind


def _flatten(batch: pa.RecordBatch) -> Part:
    uid = _user_ids(batch)
    users: dict[str, pa.Array] = {"user_id": uid}
    part: Part = {USERS: users}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name == "custom_attributes":
            table = _attributes(column, uid)
        elif name in LONG_TABLES:
            table = _long(name, column, uid)
        elif name == "last_coordinates":
            users["longitude"], users["latitude"] = _coordinates(column)
            continue
        else:
            users.setdefault(name, _scalar(column))
            continue
        if table is not None:
            part[name] = table
    return part


def _scalar(values: pa.Array) -> pa.Array:
    """Flat values pass through; nested ones become JSON text."""
    kind = values.type
    if pa.types.is_list(kind) or pa.types.is_struct(kind):
        return json_text(values)
    if (
        pa.types.is_string(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_null(kind)
    ):
        return values
    raise Unsupported(f"unexpected column type {kind}")


def _user_ids(batch: pa.RecordBatch) -> pa.Array:
    """The external id, else the Braze id (non-empty text), else ``alias:<first alias>``."""
    names = batch.schema.names
    uid = pa.nulls(batch.num_rows, pa.string())
    for key in ("braze_id", "external_id"):  # later wins
        if key not in names:
            continue
        column = batch.column(key)
        if pa.types.is_null(column.type):
            continue
        if not pa.types.is_string(column.type):
            raise Unsupported(f"{key} is not text")
        uid = pc.if_else(pc.fill_null(pc.not_equal(column, ""), False), column, uid)
    missing = uid.is_null()
    if "user_aliases" not in names or not pc.any(missing).as_py():
        return uid
    aliases = batch.column("user_aliases").filter(missing).to_pylist()
    found = []
    for listed in aliases:
        first = listed[0] if isinstance(listed, list) and listed else None
        name = first.get("alias_name") if isinstance(first, dict) else None
        found.append(f"alias:{name}" if name else None)
    return pc.replace_with_mask(uid, missing, pa.array(found, pa.string()))


def _long(name: str, column: pa.Array, uid: pa.Array) -> dict[str, pa.Array] | None:
    """One row per object in the users' lists, keyed by user_id."""
    kind = column.type
    if pa.types.is_null(kind):
        return None
    if not pa.types.is_list(kind):
        raise Unsupported(f"{name} is not a list")
    if pa.types.is_null(kind.value_type):
        return None
    if not pa.types.is_struct(kind.value_type):
        raise Unsupported(f"{name} holds non-objects")
    items = pc.list_flatten(column)
    parents = pc.list_parent_indices(column)
    if items.null_count:
        keep = items.is_valid()
        items, parents = items.filter(keep), parents.filter(keep)
    if len(items) == 0:
        return None
    fields = dict(zip([f.name for f in kind.value_type], items.flatten(), strict=True))
    if name == "campaigns_received":
        _merge_engaged(fields)
    elif name == "canvases_received":
        steps = fields.get("steps_received")
        if steps is not None:
            fields["steps_received"] = (
                pc.cast(pc.list_value_length(steps), pa.int64())
                if pa.types.is_list(steps.type)
                else pa.nulls(len(items), pa.int64())
            )
    out = {"user_id": uid.take(parents)}
    for spec in LONG_TABLES[name]:
        values = fields.get(spec)
        out[spec] = pa.nulls(len(items)) if values is None else _scalar(values)
    return out


def _merge_engaged(fields: dict[str, pa.Array]) -> None:
    """Campaign engagement flags live in a nested ``engaged`` object; the item's own win."""
    engaged = fields.get("engaged")
    if engaged is None or not pa.types.is_struct(engaged.type):
        return
    for spec, flags in zip(engaged.type, engaged.flatten(), strict=True):
        own = fields.get(spec.name)
        if own is None or pa.types.is_null(own.type):
            fields[spec.name] = flags
        elif own.type == flags.type:
            fields[spec.name] = pc.coalesce(own, flags)


KINDS = (
    (pa.types.is_string, "string"),
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_integer, "number"),
    (pa.types.is_floating, "number"),
    (pa.types.is_list, "array"),
    (pa.types.is_struct, "object"),
)


def _attributes(column: pa.Array, uid: pa.Array) -> dict[str, pa.Array] | None:
    """One row per (user, attribute) with the value as text and its JSON type, user by user.

    An attribute whose value is null is not listed: pyarrow cannot tell it from an absent one.
    """
    kind = column.type
    if pa.types.is_null(kind):
        return None
    if not pa.types.is_struct(kind):
        raise Unsupported("custom_attributes is not an object")
    rows, names, values, types = [], [], [], []
    for spec, child in zip(kind, column.flatten(), strict=True):
        label = next((label for test, label in KINDS if test(spec.type)), None)
        if label is None:
            if pa.types.is_null(spec.type):
                continue
            raise Unsupported(f"attribute type {spec.type}")
        present = child.is_valid()
        where = pc.indices_nonzero(present)
        if len(where) == 0:
            continue
        child = child.filter(present)
        if label == "string":
            text = child
        elif label == "boolean":
            text = pc.if_else(child, "true", "false")
        else:
            text = json_text(child)
        rows.append(where)
        values.append(text)
        names.append(pa.repeat(pa.scalar(spec.name, pa.string()), len(where)))
        types.append(pa.repeat(pa.scalar(label, pa.string()), len(where)))
    if not rows:
        return None
    order = pc.sort_indices(pa.concat_arrays(rows))  # stable: user by user, keys in order
    row = pa.concat_arrays(rows).take(order)
    return {
        "user_id": uid.take(row),
        "attribute": pa.concat_arrays(names).take(order),
        "value": pa.concat_arrays(values).take(order),
        "type": pa.concat_arrays(types).take(order),
    }


def _coordinates(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """[longitude, latitude] pairs of numbers; anything else is (null, null)."""
    n = len(column)
    nothing = pa.nulls(n, pa.float64())
    kind = column.type
    if not pa.types.is_list(kind) or not (
        pa.types.is_integer(kind.value_type) or pa.types.is_floating(kind.value_type)
    ):
        return nothing, nothing
    pairs = pc.fill_null(pc.equal(pc.list_value_length(column), 2), False)
    if not pc.any(pairs).as_py():
        return nothing, nothing
    chosen = column.filter(pairs)
    lon = pc.cast(pc.list_element(chosen, 0), pa.float64())
    lat = pc.cast(pc.list_element(chosen, 1), pa.float64())
    both = pc.and_(lon.is_valid(), lat.is_valid())
    lon = pc.if_else(both, lon, pa.scalar(None, pa.float64()))
    lat = pc.if_else(both, lat, pa.scalar(None, pa.float64()))
    return pc.replace_with_mask(nothing, pairs, lon), pc.replace_with_mask(nothing, pairs, lat)
