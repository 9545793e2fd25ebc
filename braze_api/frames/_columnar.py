"""Typed columns from many decoded JSON records without a Python call per cell.

Records are grouped by their key tuple. Inside a group every record has the same keys, so
one C-level `itemgetter` pass pulls out every key's values and numpy types a whole column
slice in one call. Only slices numpy cannot type as plain numbers (numeric strings, nulls,
containers, integers past int64) go through the per-value rules of `_coerce.num`, so the
result is the same as coercing value by value, just without paying for it on clean data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from ._coerce import is_float_metric, num, str_array, text

_BOUND = 2**53  # Int64 only while every value is exactly representable as a float too
# Per-value states of a numeric slice.
OK, NULL, BAD, BLANK = 0, 1, 2, 3


class Numbers:
    """One column slice as numbers: `values[i]` counts where `state` is OK (None = all OK).

    integral/bounded describe the OK values only; `values` holds 0 elsewhere.
    """

    __slots__ = ("bounded", "integral", "state", "values")

    def __init__(
        self, values: np.ndarray, state: np.ndarray | None, integral: bool, bounded: bool
    ) -> None:
        self.values, self.state, self.integral, self.bounded = values, state, integral, bounded

    def counts(self) -> tuple[int, int, int]:
        """(numbers, bad values, blank strings) in this slice (nulls are neither)."""
        if self.state is None:
            return len(self.values), 0, 0
        tally = np.bincount(self.state, minlength=4)
        return int(tally[OK]), int(tally[BAD]), int(tally[BLANK])

    def ok(self) -> np.ndarray:
        """Where the value is a number."""
        if self.state is None:
            return np.ones(len(self.values), dtype=bool)
        return self.state == OK

    def take(self, rows: np.ndarray) -> Numbers:
        """The slice at `rows` (flags recomputed for just those values)."""
        return from_array(self.values[rows], None if self.state is None else self.state[rows])

    def truthy(self) -> np.ndarray:
        """Where `bool(num(value))` holds: a number other than zero."""
        hit = self.values != 0
        return hit if self.state is None else hit & (self.state == OK)


def from_array(values: np.ndarray, state: np.ndarray | None) -> Numbers:
    """Numbers over an int64/float64 array whose non-OK slots (per `state`) hold 0."""
    good = values if state is None else values[state == OK]
    if not len(good):
        return Numbers(values, state, True, True)
    if values.dtype.kind == "i":
        return Numbers(values, state, True, bool(good.min() >= -_BOUND and good.max() <= _BOUND))
    integral = bool((good == np.floor(good)).all())
    return Numbers(values, state, integral, bool((np.abs(good) <= _BOUND).all()))


def numbers(values: Sequence[Any]) -> Numbers:
    """`num` of every value, typed by numpy in one call when the values are plain numbers."""
    try:
        array = np.array(values)
    except (ValueError, TypeError, OverflowError):
        array = None
    if array is not None and array.ndim == 1 and len(array) == len(values):
        kind = array.dtype.kind
        if kind in "bi":
            array = array.astype(np.int64, copy=False)
            bounded = not len(array) or (array.min() >= -_BOUND and array.max() <= _BOUND)
            return Numbers(array, None, True, bool(bounded))
        if kind == "f":
            return _floats(array.astype(np.float64, copy=False), values)
    return _slow_numbers(values)


def _floats(array: np.ndarray, values: Sequence[Any]) -> Numbers:
    if (np.abs(array) < _BOUND).all():  # the usual case: finite, and no rounding onto 2**53
        return Numbers(array, None, bool((array == np.floor(array)).all()), True)
    magnitude = np.abs(array)
    if (magnitude == _BOUND).any():  # an int just past 2**53 may have rounded onto it
        return _slow_numbers(values)
    finite = np.isfinite(array)
    if finite.all():
        good, state = array, None
    else:
        good = array[finite]
        state = np.where(finite, OK, BAD).astype(np.uint8)
        array = np.where(finite, array, 0.0)
    integral = bool((good == np.floor(good)).all())
    return Numbers(array, state, integral, bool((np.abs(good) <= _BOUND).all()))


def _slow_numbers(values: Iterable[Any]) -> Numbers:
    out: list[int | float] = []
    states: list[int] = []
    integral = bounded = all_int = True
    for value in values:
        if value is None:
            out.append(0)
            states.append(NULL)
            continue
        number = num(value)
        if number is None:
            out.append(0)
            blank = isinstance(value, str) and not value.strip()
            states.append(BLANK if blank else BAD)
            continue
        if isinstance(number, float):
            all_int = False
            integral = integral and number.is_integer()
        bounded = bounded and abs(number) <= _BOUND
        out.append(number)
        states.append(OK)
    array = np.array(out, dtype=np.int64 if all_int else np.float64)
    return Numbers(array, np.array(states, dtype=np.uint8), integral, bounded)


def numeric_array(
    parts: Sequence[tuple[np.ndarray | None, Numbers]],
    n: int,
    *,
    fill_zero: bool = True,
    as_float: bool = False,
) -> pd.arrays.IntegerArray | np.ndarray:
    """Int64 when every number is integral and within ±2**53 (and not as_float), else float64.

    `parts` are (row positions, numbers) slices; positions None means all n rows in order.
    Rows no slice covers and null values are 0 when fill_zero, else NA; bad values are NA.
    """
    use_int = not as_float and all(p.integral and p.bounded for _, p in parts)
    out = np.zeros(n, dtype=np.int64 if use_int else np.float64)
    missing = np.full(n, not fill_zero)
    where: Any
    for positions, part in parts:
        where = slice(None) if positions is None else positions
        out[where] = part.values
        if part.state is None:
            missing[where] = False
        elif fill_zero:
            missing[where] = part.state >= BAD
        else:
            missing[where] = part.state != OK
    if use_int:
        return pd.arrays.IntegerArray(out.astype(np.int64, copy=False), missing)
    out[missing] = math.nan
    return out


def text_array(parts: Sequence[tuple[np.ndarray | None, Sequence[Any]]], n: int) -> Any:
    """A pandas string column from (positions, raw values) slices; other rows are NA."""
    out = np.full(n, None, dtype=object)
    for positions, values in parts:
        if not all(type(v) is str for v in values):
            values = [text(v) for v in values]
        out[slice(None) if positions is None else positions] = np.fromiter(
            values, dtype=object, count=len(values)
        )
    return str_array(out)


class Regroup(Exception):
    """A record broke the cheap grouping `Records(hint=...)` assumed; rebuild exactly."""


class Records:
    """Decoded JSON objects grouped by key set, for column-wise reads.

    `groups` are (keys, row positions or None for all rows, records) in first-appearance
    order. Only string keys are read; other keys name a column but hold no value there
    (as `record.get(str(key))` would see it).

    Exact grouping hashes every record's key tuple. With `hint` (a code per record, such as
    its channel, under which records usually share their keys) records are grouped by hint
    and key count instead, for a fraction of the cost: every key of a group's first record is
    then read from all its records, and a record lacking one raises `Regroup` (call `verify`
    after the last read), so the caller rebuilds with exact grouping. A group that passes
    holds records with one key set, as exact grouping would (key order aside, which changes
    neither the values nor the first-seen order of `names`). That holds for keys that are
    exact `str`, as every JSON object's are; keys of other types that compare equal (1, True
    and 1.0, or `np.str_` and `str`) may be grouped differently.
    """

    def __init__(
        self, records: Sequence[Mapping[str, Any]], hint: np.ndarray | None = None
    ) -> None:
        self.n = len(records)
        self.exact = hint is None
        if hint is None:
            signatures = list(map(tuple, records))
            unique = dict.fromkeys(signatures)
            keys = list(unique)
            if len(unique) > 1:
                code_of = {key: i for i, key in enumerate(unique)}
                codes = np.fromiter(map(code_of.__getitem__, signatures), np.intp, count=self.n)
        else:
            sizes = np.fromiter(map(len, records), np.intp, count=self.n)
            combined = hint.astype(np.intp) * (int(sizes.max(initial=0)) + 1) + sizes
            uniques, first, codes = np.unique(combined, return_index=True, return_inverse=True)
            if len(uniques) > 1:  # number groups in order of first appearance
                rank = np.empty(len(uniques), dtype=np.intp)
                rank[np.argsort(first)] = np.arange(len(uniques))
                codes = rank[codes]
            keys = [tuple(records[i]) for i in np.sort(first)]
        # (keys, row positions or None for all rows, the records: a list or object array)
        self.groups: list[tuple[tuple, np.ndarray | None, Sequence[Mapping[str, Any]] | np.ndarray]]
        if len(keys) <= 1:
            self.groups = [(key, None, records) for key in keys]
        else:
            order = np.argsort(codes, kind="stable")
            splits = np.split(order, np.cumsum(np.bincount(codes))[:-1])
            rows = np.fromiter(records, dtype=object, count=self.n)
            self.groups = [(k, p, rows[p]) for k, p in zip(keys, splits, strict=True)]
        self._keys = [frozenset(k for k in keys if type(k) is str) for keys, _, _ in self.groups]
        self._holders: dict[str, list[int]] = {}  # name -> groups whose records have it
        for index, names in enumerate(self._keys):
            for name in names:
                self._holders.setdefault(name, []).append(index)
        self._raw: dict[tuple[int, str], list] = {}
        self._numbers: dict[tuple[int, str], Numbers] = {}
        self._blocked: set[int] = set()
        self._tuples: dict[int, list[tuple]] = {}
        self._positions: dict[int, dict[Any, int]] = {}

    def _table(self, index: int) -> list[tuple]:
        """Every record's values for all of group `index`'s keys, read in one pass.

        One pass visits each record's key table once, and it is what checks a hinted group.
        """
        table = self._tuples.get(index)
        if table is None:
            keys, _, rows = self.groups[index]
            try:
                if len(keys) == 1:
                    table = list(zip(map(itemgetter(keys[0]), rows)))
                else:
                    table = list(map(itemgetter(*keys), rows)) if keys else [()] * len(rows)
            except KeyError:  # only a hinted group can hold records with other keys
                raise Regroup from None
            self._tuples[index] = table
        return table

    def _values(self, index: int, names: tuple) -> list:
        """Each record's value (one name) or tuple of values (several) in group `index`."""
        table = self._table(index)
        position = self._positions.get(index)
        if position is None:
            position = self._positions[index] = {k: j for j, k in enumerate(self.groups[index][0])}
        return list(map(itemgetter(*map(position.__getitem__, names)), table))

    def verify(self) -> None:
        """Raise `Regroup` unless every record of every group has its group's keys."""
        if not self.exact:
            for index in range(len(self.groups)):
                self._table(index)

    def names(self, skip: Iterable[str] = ()) -> list[str]:
        """Every key as text in first-seen order (record by record), minus `skip`."""
        seen = set(skip)
        out: list[str] = []
        for keys, _, _ in self.groups:
            for key in keys:
                name = key if type(key) is str else str(key)
                if name not in seen:
                    seen.add(name)
                    out.append(name)
        return out

    def _group_raw(self, index: int, name: str) -> list:
        key = (index, name)
        values = self._raw.get(key)
        if values is None:
            values = self._raw[key] = self._values(index, (name,))
        return values

    def raw(self, name: str) -> list[tuple[np.ndarray | None, Sequence[Any]]]:
        """(positions, values) for every group holding `name`."""
        return [(self.groups[i][1], self._group_raw(i, name)) for i in self._holders.get(name, ())]

    def _number_block(self, index: int) -> None:
        """Numbers of every key whose first value is a plain number: one 2D numpy call for
        the keys starting with an int, one for those starting with a float.

        Any surprise further down (a string, a null, a huge or non-finite number) leaves
        those keys to the one-column path.
        """
        self._blocked.add(index)
        keys, _, rows = self.groups[index]
        first = rows[0]
        for kind in (int, float):
            names = tuple(k for k in keys if type(k) is str and type(first[k]) is kind)
            if names:
                self._numbers.update(_block_numbers(index, names, self._values(index, names)))

    def group_numbers(self, index: int, name: str) -> Numbers | None:
        """Numbers of `name` in group `index` (None when its records lack the key)."""
        return self._group_numbers(index, name) if name in self._keys[index] else None

    def _group_numbers(self, index: int, name: str) -> Numbers:
        if index not in self._blocked:
            self._number_block(index)
        key = (index, name)
        cached = self._numbers.get(key)
        if cached is None:
            cached = self._numbers[key] = numbers(self._group_raw(index, name))
        return cached

    def numbers(self, name: str) -> list[tuple[np.ndarray | None, Numbers]]:
        """(positions, numbers) for every group holding `name` (each computed once)."""
        return [
            (self.groups[i][1], self._group_numbers(i, name)) for i in self._holders.get(name, ())
        ]


def _block_numbers(index: int, names: tuple, values: list) -> dict[tuple[int, str], Numbers]:
    """{(index, name): Numbers} from rows of same-length value tuples, or {} on any surprise."""
    try:
        array = np.array(values)
    except (ValueError, TypeError, OverflowError):
        return {}
    if len(names) == 1 and array.ndim == 1:  # one name: itemgetter gave bare values
        array = array.reshape(-1, 1)
    if array.shape != (len(values), len(names)):
        return {}
    if array.dtype.kind == "i":
        array = array.astype(np.int64, copy=False)
        bounded = (array.min(axis=0) >= -_BOUND) & (array.max(axis=0) <= _BOUND)
        integral = np.ones(len(names), dtype=bool)
    elif array.dtype.kind == "f":
        magnitude = np.abs(array)
        if (magnitude < _BOUND).all():  # the usual case: finite, and no rounding onto 2**53
            bounded = np.ones(len(names), dtype=bool)
        elif not np.isfinite(array).all() or (magnitude == _BOUND).any():
            return {}
        else:
            bounded = (magnitude <= _BOUND).all(axis=0)
        integral = (array == np.floor(array)).all(axis=0)
    else:
        return {}
    return {
        (index, name): Numbers(array[:, j], None, bool(integral[j]), bool(bounded[j]))
        for j, name in enumerate(names)
    }


def metric_table(
    records: Sequence[Mapping[str, Any]] | Records,
    known: Sequence[str],
    *,
    skip: Iterable[str] = (),
    fill_zero: bool = True,
    known_text: Iterable[str] = (),
    force_numeric: Iterable[str] = (),
    numeric_share: float | None = None,
) -> dict[str, Any]:
    """Columns (fresh arrays, for `frame`) for the known metrics plus every extra key seen, in first-seen order.

    Known metrics (and force_numeric keys) are always numeric, known_text keys always text.
    Any other key is numeric when every present value converts to a number, or, with
    `numeric_share`, when at least that share of its non-blank present values does (so one
    "n/a" cannot turn a series into text); text otherwise (identifiers such as
    `variation_api_id`). Missing numeric values are 0 when fill_zero, else NA; present
    values that are not numbers (garbage, containers) are NA.
    """
    table = records if isinstance(records, Records) else Records(records)
    skipped = set(skip)
    names = [k for k in known if k not in skipped]
    names += table.names(skipped | set(names))
    known_set, text_set = set(known) | set(force_numeric), set(known_text)
    columns: dict[str, Any] = {}
    for name in names:
        numeric = name in known_set
        parts = table.numbers(name) if numeric or name not in text_set else []
        if not numeric and name not in text_set:
            good = bad = blank = 0
            for _, part in parts:
                g, b, e = part.counts()
                good, bad, blank = good + g, bad + b, blank + e
            numeric = not (bad + blank) or (
                numeric_share is not None and good > 0 and good >= numeric_share * (good + bad)
            )
        if numeric:
            columns[name] = numeric_array(
                parts,
                table.n,
                fill_zero=fill_zero,
                as_float=is_float_metric(name),
            )
        else:
            columns[name] = text_array(table.raw(name), table.n)
    return columns
