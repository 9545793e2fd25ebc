"""The fast path: a block of NDJSON parsed by pyarrow's C++ reader and flattened with compute.

``parse_block`` either returns every line of the block as rows, or raises one of
``FALLBACK`` (a bad line, a type that changes between users, an odd shape) so the caller can
split the block and read the failing part line by line with the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from braze_api.fields import ValueKind

from .jsontext import Unsupported, json_text
from .model import LONG_TABLES, NOT_COLUMNS, USERS

Part = dict[str, dict[str, pa.Array]]  # table -> column -> values, all columns one length

ARROW_BLOCK_BYTES = 1 << 20  # pyarrow's unit of (threaded) parsing within a block
FALLBACK = (pa.ArrowException, Unsupported)
_READ = pj.ReadOptions(block_size=ARROW_BLOCK_BYTES, use_threads=True)
_INFER = pj.ParseOptions(newlines_in_values=False, unexpected_field_behavior="infer")


def scan_lines(data: bytes) -> tuple[int, bool]:
    """(newline count, whether every line starts with "{"), without per-line allocations.

    Both are C-speed scans (a block of 16 MiB of blank lines, as in a zip bomb, would
    otherwise need an index array eight times its size).
    """
    braces = data[:1] == b"{" and _LINE_NOT_AN_OBJECT.search(data) is None
    return data.count(b"\n"), braces


_LINE_NOT_AN_OBJECT = re.compile(rb"\n[^{]")  # a line (not after the final newline) without "{"
_BLANK_RUNS = re.compile(rb"\n[ \t\r\n]*")


class BlockParser:
    """Parses blocks; remembers which fields pyarrow mistakes for dates, to read them as text.

    pyarrow infers a timestamp from text such as "1980-02-01" (``dob``). Such a block is read
    again with those fields declared as text, and later blocks declare them up front.
    """

    def __init__(self) -> None:
        self.text_fields: pa.Schema | None = None

    def parse(self, data: bytes, newlines: int, braces: bool) -> tuple[Part, int]:
        """(part, rows) for the lines of ``data``, as counted by ``scan_lines``.

        Raises a ``FALLBACK`` error if any line is not a plain user object.
        """
        objects = _object_lines(data, newlines, braces)
        table = self._read(data)
        if any(_dates_as_text(f.type) is not None for f in table.schema):
            self.text_fields = _merge_schema(self.text_fields, table.schema)
            order = table.column_names  # as the users' fields come, not declared-first
            table = self._read(data)
            table = table.select(order + [n for n in table.column_names if n not in order])
        if table.num_rows != objects:
            raise Unsupported("a line holds more than one value")
        batches = table.combine_chunks().to_batches()
        return (_flatten(batches[0]) if batches else {}), table.num_rows

    def _read(self, data: bytes) -> pa.Table:
        options = _INFER
        if self.text_fields is not None:
            options = pj.ParseOptions(
                explicit_schema=self.text_fields,
                newlines_in_values=False,
                unexpected_field_behavior="infer",
            )
        return pj.read_json(pa.BufferReader(data), read_options=_READ, parse_options=options)


def _object_lines(raw: bytes, newlines: int, braces: bool) -> int:
    """How many lines hold a value, each of which must start with "{".

    pyarrow crashes on a block whose first value is ``null`` and reads a ``null`` line or two
    objects on one line as rows, where the stdlib reports a bad line: such blocks never reach
    it, and a row count other than this one sends the block line by line.
    """
    if braces:  # every line starts with "{", so none is blank
        return newlines + (0 if raw.endswith(b"\n") else 1)
    objects = 0
    # blank lines collapsed first, so a run of them costs no list entries
    for line in _BLANK_RUNS.sub(b"\n", raw).split(b"\n"):
        line = line.strip()
        if not line:
            continue
        if not line.startswith(b"{"):
            raise Unsupported("a line is not an object")
        objects += 1
    return objects


def _dates_as_text(kind: pa.DataType) -> pa.DataType | None:
    """The part of ``kind`` that holds dates, with them as text; None when there are none."""
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
        return pa.string()
    if pa.types.is_list(kind):
        inner = _dates_as_text(kind.value_type)
        return None if inner is None else pa.list_(inner)
    if pa.types.is_struct(kind):
        fields = [f.with_type(t) for f in kind if (t := _dates_as_text(f.type)) is not None]
        return pa.struct(fields) if fields else None
    return None


def _merge_schema(known: pa.Schema | None, found: pa.Schema) -> pa.Schema:
    fields = {f.name: f.type for f in known} if known is not None else {}
    for f in found:
        text = _dates_as_text(f.type)
        if text is not None:
            fields[f.name] = _merge_type(fields[f.name], text) if f.name in fields else text
    return pa.schema(list(fields.items()))


def _merge_type(known: pa.DataType, found: pa.DataType) -> pa.DataType:
    if pa.types.is_struct(known) and pa.types.is_struct(found):
        fields = {f.name: f.type for f in known}
        for f in found:
            fields[f.name] = _merge_type(fields[f.name], f.type) if f.name in fields else f.type
        return pa.struct(list(fields.items()))
    if pa.types.is_list(known) and pa.types.is_list(found):
        return pa.list_(_merge_type(known.value_type, found.value_type))
    return found


def _flatten(batch: pa.RecordBatch) -> Part:
    uid = _user_ids(batch)
    users: dict[str, pa.Array] = {"user_id": uid}
    part: Part = {USERS: users}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if name == "custom_attributes":
            table = _attributes(column, uid)
        elif name in LONG_TABLES:
            table = _long(name, column, uid)
            if name == "canvases_received" and table is not None:
                steps = _canvas_steps(column, uid)
                if steps is not None:
                    part["canvas_steps_received"] = steps
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
        if "multiple_converted" in fields:
            fields["multiple_converted"] = _true_keys(fields["multiple_converted"])
    elif name == "canvases_received":
        steps = fields.get("steps_received")
        if steps is not None:
            fields["steps_received"] = (
                pc.cast(pc.list_value_length(steps), pa.int64())
                if pa.types.is_list(steps.type)
                else pa.nulls(len(items), pa.int64())
            )
    return _columns(name, fields, uid.take(parents), len(items))


def _columns(
    name: str, fields: dict[str, pa.Array], user_ids: pa.Array, rows: int
) -> dict[str, pa.Array]:
    """user_id, the documented columns (null where absent), then every other key kept."""
    out = {"user_id": user_ids}
    spec = LONG_TABLES[name]
    for column in spec:
        values = fields.get(column)
        out[column] = pa.nulls(rows) if values is None else _scalar(values)
    skip = NOT_COLUMNS.get(name, frozenset())
    for column, values in fields.items():
        if column not in out and column not in skip:
            out[column] = _scalar(values)
    return out


def _canvas_steps(column: pa.Array, uid: pa.Array) -> dict[str, pa.Array] | None:
    """One row per step inside each user's ``canvases_received`` entries, with its Canvas."""
    canvases = pc.list_flatten(column)
    owners = pc.list_parent_indices(column)
    if canvases.null_count:
        keep = canvases.is_valid()
        canvases, owners = canvases.filter(keep), owners.filter(keep)
    canvas = dict(zip([f.name for f in canvases.type], canvases.flatten(), strict=True))
    steps = canvas.get("steps_received")
    if steps is None or not pa.types.is_list(steps.type):
        return None
    if not pa.types.is_struct(steps.type.value_type):
        return None
    items = pc.list_flatten(steps)
    parents = pc.list_parent_indices(steps)
    if items.null_count:
        keep = items.is_valid()
        items, parents = items.filter(keep), parents.filter(keep)
    if len(items) == 0:
        return None
    fields = dict(zip([f.name for f in items.type], items.flatten(), strict=True))
    for key, source in (("api_canvas_id", "api_canvas_id"), ("canvas_name", "name")):
        values = canvas.get(source)
        fields[key] = pa.nulls(len(items)) if values is None else values.take(parents)
    return _columns("canvas_steps_received", fields, uid.take(owners.take(parents)), len(items))


def _true_keys(values: pa.Array) -> pa.Array:
    """``multiple_converted`` objects → the names of their true entries, "A; B" (see
    ``fields.true_keys``); a non-object value is kept as it is."""
    kind = values.type
    if not pa.types.is_struct(kind):
        return values
    nothing = pa.scalar(None, pa.string())
    empty = pa.scalar("", pa.string())
    pieces = [
        pc.if_else(pc.fill_null(child, False), pa.scalar(spec.name + "; ", pa.string()), empty)
        for spec, child in zip(kind, values.flatten(), strict=True)
        if pa.types.is_boolean(child.type)
    ]
    if not pieces:
        return pa.nulls(len(values), pa.string())
    # Every piece is text ("name; " or ""), joined and the last separator cut: a join with
    # null_handling="skip" returned a wrongly sized result here (seen on pyarrow 26.0.1).
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = pc.binary_join_element_wise(joined, piece, "")
    joined = pc.replace_substring_regex(joined, r"; $", "")
    return pc.if_else(pc.equal(joined, ""), nothing, joined)


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


KINDS: tuple[tuple[Callable[[pa.DataType], bool], ValueKind], ...] = (
    (pa.types.is_string, "string"),
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_integer, "number"),
    (pa.types.is_floating, "number"),
    (pa.types.is_list, "array"),
    (pa.types.is_struct, "object"),
)


def _attributes(column: pa.Array, uid: pa.Array) -> dict[str, pa.Array] | None:
    """One row per (user, attribute) with the value as text and its JSON type, user by user,
    each user's attributes by name (the same order however the export is cut into blocks: a
    struct's own field order is the order keys first appear in its block).

    An attribute whose value is null is not listed: pyarrow cannot tell it from an absent one.
    """
    kind = column.type
    if pa.types.is_null(kind):
        return None
    if not pa.types.is_struct(kind):
        raise Unsupported("custom_attributes is not an object")
    rows, names, values, types = [], [], [], []
    by_name = sorted(zip(kind, column.flatten(), strict=True), key=lambda pair: pair[0].name)
    for spec, child in by_name:  # a stable sort by row below keeps this order within a user
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
