"""The exact path: users decoded one line at a time with the standard library.

Used only for the part of a block the fast path rejects (a bad line, a type that changes
between users, an odd shape). It reproduces the same columns as ``fast`` so both kinds of part
join into one frame; a column mixing numbers and text is kept as text.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from braze_api.fields import true_keys, value_kind

from .fast import Part
from .model import LONG_TABLES, NOT_COLUMNS, USERS


class LineBuilder:
    """Accumulates users (dicts) as lists of scalars and turns them into one ``Part``."""

    def __init__(self) -> None:
        self.cols: dict[str, list[Any]] = {}
        self.n = 0
        self.long: dict[str, dict[str, list[Any]]] = {
            name: {c: [] for c in ("user_id", *cols)} for name, cols in LONG_TABLES.items()
        }

    def add(self, user: dict) -> None:
        uid = user_id(user)
        self._put("user_id", uid)
        for key, value in user.items():
            spec = LONG_TABLES.get(key)
            if spec is not None:
                if key == "custom_attributes":
                    self._attributes(uid, value)
                elif isinstance(value, list):
                    self._long(key, spec, uid, value)
                continue
            if key == "last_coordinates":
                lon, lat = _coordinates(value)
                self._put("longitude", lon)
                self._put("latitude", lat)
                continue
            if key in ("user_id", "longitude", "latitude"):
                continue  # ours, computed above
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            self._put(key, value)
        self.n += 1

    def _put(self, key: str, value: Any) -> None:
        col = self.cols.get(key)
        if col is None:
            col = self.cols[key] = [None] * self.n
        elif len(col) < self.n:
            col.extend([None] * (self.n - len(col)))
        col.append(value)

    def _long(self, table: str, spec: tuple[str, ...], uid: Any, items: list) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            if table == "campaigns_received":
                engaged = item.get("engaged")
                if isinstance(engaged, dict):
                    item = {**engaged, **item}
                if isinstance(item.get("multiple_converted"), dict):
                    item = {**item, "multiple_converted": true_keys(item["multiple_converted"])}
            elif table == "canvases_received":
                steps = item.get("steps_received")
                canvas = {
                    "api_canvas_id": item.get("api_canvas_id"),
                    "canvas_name": item.get("name"),
                }
                for step in steps if isinstance(steps, list) else ():
                    if isinstance(step, dict):
                        self._row("canvas_steps_received", uid, {**step, **canvas})
                item = {**item, "steps_received": len(steps) if isinstance(steps, list) else None}
            self._row(table, uid, item)

    def _row(self, table: str, uid: Any, item: dict) -> None:
        """One long-table row: the documented columns, then any other key (padded with None)."""
        out = self.long[table]
        ids = out["user_id"]
        skip = NOT_COLUMNS.get(table, frozenset())
        for name, value in item.items():
            if name == "user_id" or name in skip:
                continue
            column = out.get(name)
            if column is None:
                column = out[name] = [None] * len(ids)
            column.append(
                json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
            )
        ids.append(uid)
        for column in out.values():
            if len(column) < len(ids):
                column.append(None)

    def _attributes(self, uid: Any, attributes: Any) -> None:
        if not isinstance(attributes, dict):
            return
        out = self.long["custom_attributes"]
        ids, names, values, types = out["user_id"], out["attribute"], out["value"], out["type"]
        for name, value in sorted(attributes.items(), key=lambda item: item[0]):  # as ``fast``
            if value is None:
                continue  # as the fast path: a null attribute is not listed
            ids.append(uid)
            names.append(name)
            types.append(value_kind(value))
            if isinstance(value, str):
                values.append(value)
            elif isinstance(value, dict | list):
                values.append(json.dumps(value, ensure_ascii=False))
            else:
                values.append(str(value).lower() if isinstance(value, bool) else str(value))

    def part(self) -> Part:
        """The users so far as Arrow columns (one ``Part``)."""
        for col in self.cols.values():
            if len(col) < self.n:
                col.extend([None] * (self.n - len(col)))
        part: Part = {}
        if self.n:
            part[USERS] = {name: _array(values) for name, values in self.cols.items()}
        for name, cols in self.long.items():
            if cols["user_id"]:
                part[name] = {c: _array(values) for c, values in cols.items()}
        return part


def _array(values: list[Any]) -> pa.Array:
    """Arrow's own inference; values it cannot put in one type become text."""
    try:
        return pa.array(values)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else _text(v) for v in values], pa.string())


def _text(value: Any) -> str:
    return str(value).encode("utf-8", "replace").decode("utf-8")


def user_id(user: dict) -> Any:
    uid = user.get("external_id") or user.get("braze_id")
    if uid:
        return _text(uid)
    aliases = user.get("user_aliases")
    if isinstance(aliases, list) and aliases and isinstance(aliases[0], dict):
        name = aliases[0].get("alias_name")
        if name:
            return f"alias:{name}"
    return None


def _coordinates(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, list) and len(value) == 2:
        lon, lat = value
        if isinstance(lon, int | float) and isinstance(lat, int | float):
            return float(lon), float(lat)
    return None, None
