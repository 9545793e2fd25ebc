from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.filters import Filters, default_filters, preset_range
from dashboard.windows import day_windows, hour_windows


def test_default_is_last_30_complete_days():
    f = default_filters(date(2026, 11, 28))
    assert (f.start, f.end) == (date(2026, 10, 29), date(2026, 11, 27))
    assert f.days == 30


def test_previous_period_has_same_length_and_touches():
    f = Filters(date(2026, 11, 1), date(2026, 11, 10))
    p = f.previous_period()
    assert p.days == f.days and p.end == date(2026, 10, 31)


def test_presets():
    assert preset_range("Month to date", date(2026, 11, 28)) == (
        date(2026, 11, 1),
        date(2026, 11, 27),
    )
    assert preset_range("Last 7 days", date(2026, 11, 28))[1] == date(2026, 11, 27)
    with pytest.raises(ValueError):
        preset_range("Yesterday-ish", date(2026, 11, 28))


def test_reversed_range_refused():
    with pytest.raises(ValueError):
        Filters(date(2026, 11, 2), date(2026, 11, 1))


def test_150_days_is_two_windows_without_overlap():
    w = day_windows(date(2026, 1, 1), date(2026, 5, 30), 100)
    assert [x.length for x in w] == [50, 100]
    assert w[0].end + timedelta(days=1) == w[1].start


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2027, 1, 1)),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=1, max_value=100),
)
def test_day_windows_cover_exactly(start, span, max_len):
    end = start + timedelta(days=span)
    windows = day_windows(start, end, max_len)
    days = []
    for w in windows:
        assert 1 <= w.length <= max_len
        assert w.ending_at.date() == w.end
        days.extend(w.end - timedelta(days=i) for i in range(w.length))
    assert sorted(days) == [start + timedelta(days=i) for i in range(span + 1)]


def test_hour_windows_cover_every_hour():
    windows = hour_windows(date(2026, 11, 1), date(2026, 11, 7), 100)
    assert sum(w.length for w in windows) == 7 * 24
    assert all(w.length <= 100 for w in windows)
