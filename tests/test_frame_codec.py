"""The shared store's columnar frame format (``frame_codec``): exact round trips of every kind
it carries, refusal of what it does not, and damaged bytes read as errors, never as data."""

from __future__ import annotations

import msgspec
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.shared_store import codec, frame_codec


def cycle(values: list, rows: int) -> list:
    return (values * (rows // len(values) + 1))[:rows]


def every_kind(rows: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    counts = pd.array(rng.integers(0, 10**12, rows), dtype="Int64")
    if rows > 1:
        counts[1] = pd.NA
    return pd.DataFrame(
        {
            "time": pd.date_range("2026-03-01", periods=rows, freq="D", tz="UTC"),
            "local_time": pd.date_range("2026-03-01", periods=rows, freq="h", tz="Asia/Tokyo"),
            "naive": pd.date_range("2026-03-01", periods=rows, freq="min"),
            "channel": pd.array(cycle(["email", None, "ios_push", "ç ✓", ""], rows), dtype="str"),
            "label": pd.array(cycle(["a", "b", None, "d", "e"], rows), dtype="string"),
            "is_control": pd.array(cycle([True, None, False, True, False], rows), dtype="boolean"),
            "sent": counts,
            "rate": pd.array(cycle([0.5, None, 0.25, -0.0, 1e300], rows), dtype="Float64"),
            "revenue": np.array(cycle([1.5, float("nan"), -0.0, 3.0, 1e-300], rows)),
            "plain_count": np.arange(rows, dtype=np.int64),
            "flag": np.arange(rows) % 2 == 0,
            "tags": cycle([["beta", "lifecycle"], [], None, ["x"], ["ü"]], rows),
        }
    )


def test_every_kind_round_trips_exactly_as_columns() -> None:
    frame = every_kind()
    data = codec.encode(frame)
    assert data is not None and data[:1] == b"C"
    back = codec.decode(data)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.dtypes.equals(frame.dtypes)
    assert np.signbit(back["revenue"].iloc[2])  # -0.0 stays -0.0: the bytes travel
    back.loc[0, "sent"] = 1  # the rebuilt frame owns writable buffers
    back.loc[0, "revenue"] = 2.0
    assert frame.loc[0, "sent"] != 1 or frame.loc[0, "revenue"] != 2.0


def test_slices_filters_and_empty_frames_round_trip() -> None:
    frame = every_kind(40)
    cases = [
        frame.head(7),
        frame.tail(9).reset_index(drop=True),  # Arrow text at an offset
        frame[frame["plain_count"] % 3 == 0].reset_index(drop=True),
        pd.concat([frame.head(3), frame.tail(4)], ignore_index=True),  # text in two chunks
        frame.head(0),
    ]
    for case in cases:
        data = codec.encode(case)
        assert data is not None and data[:1] == b"C"
        pd.testing.assert_frame_equal(codec.decode(data), case, check_exact=True)


def test_what_it_cannot_carry_is_left_to_arrow_or_kept_in_process() -> None:
    frame = every_kind()
    assert frame_codec.encode(frame.set_index("channel")) is None  # not a RangeIndex
    assert frame_codec.encode(frame.iloc[1:]) is None  # RangeIndex not from 0
    assert frame_codec.encode(frame.rename(columns={"sent": 3})) is None  # a non-text name
    assert frame_codec.encode(pd.concat([frame, frame], axis=1)) is None  # duplicate names
    waits = frame.assign(wait=pd.to_timedelta(range(5), unit="s"))
    assert frame_codec.encode(waits) is None
    assert codec.encode(waits)[:1] in (b"F", b"A")  # Arrow IPC, checked exact as well
    tuples = frame.assign(tags=[("a",)] * 5)  # msgpack (and Arrow) give a list back
    assert codec.encode(tuples) is None  # not exact either way: stays in this process


def test_damaged_or_foreign_bytes_are_errors_not_frames() -> None:
    good = frame_codec.encode(every_kind())
    assert good is not None
    layout = msgspec.msgpack.decode(good)
    short = [layout[0], layout[1], [list(c) for c in layout[2]]]
    short[2][6][2] = short[2][6][2][:-8]  # one count fewer than rows
    bad_offsets = [layout[0], layout[1], [list(c) for c in layout[2]]]
    bad_offsets[2][3][3] = b"\xff" * len(bad_offsets[2][3][3])  # text offsets past the data
    unknown = [layout[0], layout[1], [list(c) for c in layout[2]]]
    unknown[2][6][1] = "object"  # a dtype not on the list
    for damaged in [
        msgspec.msgpack.encode(short),
        msgspec.msgpack.encode(bad_offsets),
        msgspec.msgpack.encode(unknown),
        good[:-3],
        b"\x93\x01",
        msgspec.msgpack.encode([-1, [], []]),
    ]:
        with pytest.raises(ValueError):
            frame_codec.decode(damaged)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.text(max_size=8)),
            st.one_of(st.none(), st.booleans()),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=30,
    )
)
def test_generated_frames_round_trip_exactly(rows: list[tuple]) -> None:
    frame = pd.DataFrame(
        {
            "count": pd.array([r[0] for r in rows], dtype="Int64"),
            "name": pd.array([r[1] for r in rows], dtype="str"),
            "flag": pd.array([r[2] for r in rows], dtype="boolean"),
            "value": np.array([r[3] for r in rows], dtype=np.float64),
        }
    )
    data = codec.encode(frame)
    assert data is not None and data[:1] == b"C"
    pd.testing.assert_frame_equal(codec.decode(data), frame, check_exact=True)


def counts_frame(rows: int = 6) -> pd.DataFrame:
    """Several nullable columns of each dtype (a series' counts): they travel as groups."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {f"n{i}": pd.array(rng.integers(-(2**40), 2**40, rows), dtype="Int64") for i in range(4)}
    )
    frame["n1"] = frame["n1"].mask(frame.index % 2 == 0)  # some missing
    frame["channel"] = pd.array(cycle(["email", None, "sms"], rows), dtype="str")
    frame["r0"] = pd.array(cycle([0.5, None, -0.0], rows), dtype="Float64")
    frame["r1"] = pd.array(cycle([1e300, 2.0, None], rows), dtype="Float64")
    frame["b0"] = pd.array(cycle([True, None, False], rows), dtype="boolean")
    frame["b1"] = pd.array(cycle([False, True], rows), dtype="boolean")
    frame["alone"] = pd.array(cycle([1, None], rows), dtype="Int32")  # one of its dtype
    return frame


def test_columns_of_one_dtype_travel_as_a_group_and_come_back_exactly() -> None:
    for rows in (6, 1, 0):
        frame = counts_frame(rows)
        data = codec.encode(frame)
        assert data is not None and data[:1] == b"C"
        layout = msgspec.msgpack.decode(data[1:])
        assert sorted((g[0], g[1]) for g in layout[3]) == [
            ("Float64", 2),
            ("Int64", 4),
            ("boolean", 2),
        ]
        back = codec.decode(data)
        pd.testing.assert_frame_equal(back, frame, check_exact=True)
        assert back.dtypes.equals(frame.dtypes)
    back = codec.decode(codec.encode(counts_frame()))
    back.loc[0, "n0"] = 7  # each column writable, and only itself changes
    assert back.loc[0, "n0"] == 7 and back["n2"].equals(counts_frame()["n2"])
    assert np.signbit(back["r0"].iloc[2])


def test_frames_written_before_groups_still_read() -> None:
    data = frame_codec.encode(every_kind())
    assert data is not None
    layout = msgspec.msgpack.decode(data)
    assert layout[3] == []  # one column of each masked dtype: no group
    older = msgspec.msgpack.encode(layout[:3])  # the layout without the groups field
    pd.testing.assert_frame_equal(frame_codec.decode(older), every_kind(), check_exact=True)


def test_damaged_groups_are_errors_not_frames() -> None:
    good = frame_codec.encode(counts_frame())
    assert good is not None
    layout = msgspec.msgpack.decode(good)
    int64 = next(i for i, g in enumerate(layout[3]) if g[0] == "Int64")

    def changed(edit) -> bytes:
        copy = [layout[0], layout[1], [list(c) for c in layout[2]], [list(g) for g in layout[3]]]
        edit(copy)
        return msgspec.msgpack.encode(copy)

    cases = [
        changed(lambda c: c[3][int64].__setitem__(2, c[3][int64][2][:-8])),  # values short
        changed(lambda c: c[3][int64].__setitem__(3, c[3][int64][3][:-1])),  # mask short
        changed(lambda c: c[3][int64].__setitem__(1, 5)),  # count says more than it holds
        changed(lambda c: c[3][int64].__setitem__(1, 1)),  # a group of one
        changed(lambda c: c[3][int64].__setitem__(0, "object")),  # a dtype not on the list
        changed(lambda c: c[3].append(list(c[3][int64]))),  # the same dtype twice
        changed(lambda c: c[3].pop(int64)),  # grouped columns without their group
        changed(lambda c: c[2].__setitem__(0, ["masked", "Int64", b"", None, None, None, None])),
    ]
    # The last: a group of four with three placeholders left (one column went elsewhere).
    for damaged in cases:
        with pytest.raises(ValueError):
            frame_codec.decode(damaged)
