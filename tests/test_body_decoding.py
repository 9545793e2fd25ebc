"""``body.decode_json`` decodes with msgspec but must give exactly ``json.loads``'s answer:
the same value for every body json.loads reads (NaN, a lone surrogate, a number past float
range, a byte order mark included) and a ``ValueError`` for every body it refuses."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from braze_api.body import BodyTooDeep, decode_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN and types compared (1 vs 1.0 vs True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans())
def test_every_json_value_decodes_as_json_loads_reads_it(value: Any, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    assert same(decode_json(raw), json.loads(raw))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.sampled_from([b"[NaN]", b"[-Infinity]", b"[1e999]"]))
def test_arbitrary_bytes_are_read_or_refused_as_json_loads_would(raw: bytes) -> None:
    try:
        expected: Any = json.loads(raw)
    except ValueError:
        expected = ValueError
    try:
        got: Any = decode_json(raw)
    except BodyTooDeep:
        return  # the depth estimate may refuse junk earlier; json.loads refuses it too
    except ValueError:
        got = ValueError
    assert got is expected if expected is ValueError else same(got, expected)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b"\xef\xbb\xbf[1]",
        b'["\\ud800"]',
        b'["\xed\xa0\x80"]',
        b"[NaN, Infinity, 1e400]",
        b"[18446744073709551616, -9223372036854775809]",
        b'{"x": 1.0, "y": -0.0, "z": 5e-324}',
    ],
)
def test_bodies_msgspec_reads_differently_or_refuses_match_json_loads(raw: bytes) -> None:
    assert same(decode_json(raw), json.loads(raw))
