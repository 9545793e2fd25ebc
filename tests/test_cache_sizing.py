"""``estimate_bytes`` stays a fair estimate after issue 19 made it cheap: bodies by their
msgspec-encoded length (what json.dumps gave, bar spacing and non-ASCII escapes), long tuples
of sums from an even sample scaled up, scalar leaves without the isinstance chain."""

from __future__ import annotations

import json
import sys
from datetime import date

import pandas as pd

from braze_api.frames import campaign_window_period_sums, campaign_window_sums
from dashboard.cache import estimate_bytes


def _exact(value: object) -> int:
    """The item-by-item walk estimate_bytes did before sampling (same per-item costs)."""
    if isinstance(value, tuple | list | set | frozenset):
        return 56 + sum(_exact(v) for v in value)
    return sys.getsizeof(value)


def test_a_body_is_sized_by_its_compact_json_length() -> None:
    body = {"data": [{"time": "2025-01-01", "n": i, "name": "é", "x": None} for i in range(50)]}
    compact = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    assert estimate_bytes(body) == len(compact)
    assert estimate_bytes({"when": date(2025, 1, 1), "rows": [1.5, float("nan")]}) > 0


def test_long_tuples_are_sized_within_a_few_percent_of_the_full_walk() -> None:
    rows = tuple(
        (i, f"channel-{i % 7}", tuple((f"m{j}", i * j) for j in range(5))) for i in range(400)
    )
    exact = _exact(rows)
    assert abs(estimate_bytes(rows) - exact) <= 0.05 * exact
    numbers = frozenset(range(1000))
    assert abs(estimate_bytes(numbers) - _exact(numbers)) <= 0.01 * _exact(numbers)


def test_a_window_of_sums_is_sized_like_its_contents() -> None:
    day = {"sent": 100, "opens": 10, "unique_opens": 8, "clicks": 3, "delivered": 99}
    body = {
        "data": [
            {"time": f"2025-01-{d:02d}", "messages": {"email": [dict(day, variation_name="A")]}}
            for d in range(1, 31)
        ]
    }
    sums = campaign_window_sums(body, date(2025, 1, 1), date(2025, 1, 30))
    assert sums is not None
    size = estimate_bytes(sums)
    assert 0.8 * _exact(tuple(sums)) <= size <= 1.25 * _exact(tuple(sums))
    assert estimate_bytes(pd.Timestamp("2025-01-01", tz="UTC")) == sys.getsizeof(
        pd.Timestamp("2025-01-01", tz="UTC")
    )


def test_a_container_two_parts_share_is_counted_once() -> None:
    """The compared leaderboard's one pass gives both periods the same totals tuple: held once,
    sized once (the estimate of the pair is one totals walk plus each period's groups)."""
    day = {"sent": 100, "opens": 10, "clicks": 3, "delivered": 99}
    body = {
        "data": [
            {"time": f"2025-01-{d:02d}", "messages": {"email": [dict(day)]}, "revenue": 1.5}
            for d in range(1, 31)
        ]
    }
    split = campaign_window_period_sums(
        body, ((date(2025, 1, 1), date(2025, 1, 15)), (date(2025, 1, 16), date(2025, 1, 30)))
    )
    assert split is not None and split[0].totals is split[1].totals
    totals = estimate_bytes(split[0].totals)
    groups = sum(estimate_bytes(part.groups) for part in split)
    assert abs(totals - _exact(split[0].totals)) <= 0.05 * _exact(split[0].totals)
    assert groups + totals < estimate_bytes(split) < groups + 2 * totals
    fresh = tuple((stamp, tuple(list(values))) for stamp, values in split[1].totals)
    copied = (split[0], split[1]._replace(totals=fresh))
    assert estimate_bytes(copied) > groups + 2 * totals  # two copies: counted twice


def test_rows_and_nested_bodies_are_sized_as_before() -> None:
    """A leaderboard-like dataclass row is walked field by field; a body inside a value is
    still its JSON length."""
    from dashboard.data.campaigns import LeaderboardRow

    numbers = tuple((f"metric_{i}", float(i) if i % 3 else None) for i in range(33))
    row = LeaderboardRow(channels=("email", "ios_push"), numbers=numbers)
    exact = 64 + _exact(row.channels) + _exact(numbers)
    assert abs(estimate_bytes(row) - exact) <= 0.1 * exact
    body = {"data": [{"time": "2025-01-01", "n": 1}]}
    assert estimate_bytes((body,)) == 56 + estimate_bytes(body)
