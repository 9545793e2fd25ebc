"""Date presets: complete UTC days, and one rule for what each range is compared with."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.filters import (
    CUSTOM,
    LAST_MONTH,
    MONTH_TO_DATE,
    PRESETS,
    Filters,
    comparison_for,
    comparison_text,
    month_to_date_is_empty,
    preset_filters,
    preset_range,
    previous_range,
    span_text,
)
from dashboard.sidebar import (
    RANGE_PARAMS,
    filters_from_params,
    params_for,
    preset_of,
    range_caption,
)

NAMED = [p for p in PRESETS if p != CUSTOM]


@settings(deadline=None)  # a loaded CI machine must not fail a pure check on time
@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_every_preset_is_complete_days_ending_yesterday_at_the_latest(today: date) -> None:
    for name in NAMED:
        start, end = preset_range(name, today)
        assert start <= end < today, name


@pytest.mark.parametrize(("name", "days"), [("Last 7 days", 7), ("Last 30 days", 30)])
def test_rolling_presets_end_yesterday_and_compare_with_as_many_days_before(
    name: str, days: int
) -> None:
    f = preset_filters(name, date(2026, 12, 10))
    assert f.end == date(2026, 12, 9) and f.days == days
    before = f.previous_period()
    assert before.days == days and before.end == f.start - timedelta(days=1)


def test_month_to_date_leaves_out_today() -> None:
    assert preset_range(MONTH_TO_DATE, date(2026, 12, 15)) == (
        date(2026, 12, 1),
        date(2026, 12, 14),
    )


def test_month_to_date_compares_with_the_previous_months_matching_days() -> None:
    f = preset_filters(MONTH_TO_DATE, date(2026, 12, 15))
    prev = f.previous_period()
    assert (prev.start, prev.end) == (date(2026, 11, 1), date(2026, 11, 14))  # not 17-30 Nov


def test_31_march_compares_with_february_clipped_to_its_length() -> None:
    assert previous_range(date(2026, 3, 1), date(2026, 3, 31), "month") == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert previous_range(date(2026, 3, 1), date(2026, 3, 30), "month") == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )


def test_leap_years_keep_29_february() -> None:
    assert previous_range(date(2028, 3, 1), date(2028, 3, 31), "month")[1] == date(2028, 2, 29)
    assert previous_range(date(2100, 3, 1), date(2100, 3, 31), "month")[1] == date(2100, 2, 28)
    # a 29-day Month to date in leap February compares with 1-29 Jan
    f = preset_filters(MONTH_TO_DATE, date(2028, 3, 1))  # the 1st: the whole of February
    assert (f.start, f.end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert (f.previous_period().start, f.previous_period().end) == (
        date(2028, 1, 1),
        date(2028, 1, 29),
    )


def test_january_compares_with_december_of_the_year_before() -> None:
    assert previous_range(date(2027, 1, 1), date(2027, 1, 9), "month") == (
        date(2026, 12, 1),
        date(2026, 12, 9),
    )


def test_on_the_first_month_to_date_shows_last_month_and_says_so() -> None:
    today = date(2026, 12, 1)
    assert month_to_date_is_empty(today) and not month_to_date_is_empty(date(2026, 12, 2))
    f = preset_filters(MONTH_TO_DATE, today)
    assert (f.start, f.end) == (date(2026, 11, 1), date(2026, 11, 30))
    caption = range_caption(MONTH_TO_DATE, f, today)
    assert caption.startswith("No complete day of December yet, so this shows November")
    assert "1–30 Nov 2026 (complete UTC days) compared with 1–30 Oct 2026" in caption


def test_last_month_is_the_whole_previous_month_against_its_predecessors_matching_days() -> None:
    f = preset_filters(LAST_MONTH, date(2026, 12, 20))
    assert (f.start, f.end) == (date(2026, 11, 1), date(2026, 11, 30))
    assert comparison_text(f, date(2026, 12, 20)) == (
        "1–30 Nov 2026 (complete UTC days) compared with 1–30 Oct 2026"
    )
    april = preset_filters(LAST_MONTH, date(2026, 4, 2))
    assert comparison_text(april, date(2026, 4, 2)) == (
        "1–31 Mar 2026 (complete UTC days) compared with 1–28 Feb 2026"
    )


def test_custom_ranges_compare_with_as_many_days_before_even_inside_a_month() -> None:
    f = Filters(date(2026, 11, 10), date(2026, 11, 20), comparison=comparison_for(CUSTOM))
    assert (f.previous_period().start, f.previous_period().end) == (
        date(2026, 10, 30),
        date(2026, 11, 9),
    )


def test_a_month_comparison_across_months_falls_back_to_as_many_days() -> None:
    assert previous_range(date(2026, 10, 25), date(2026, 11, 5), "month") == (
        date(2026, 10, 13),
        date(2026, 10, 24),
    )


@settings(deadline=None)  # a loaded CI machine must not fail a pure check on time
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120),
)
def test_a_days_comparison_is_as_long_and_touches(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    before_start, before_end = previous_range(start, end, "days")
    assert before_end == start - timedelta(days=1)
    assert (before_end - before_start) == (end - start)


@settings(deadline=None)  # a loaded CI machine must not fail a pure check on time
@given(st.dates(min_value=date(2020, 1, 2), max_value=date(2030, 12, 31)))
def test_a_month_comparison_is_the_same_day_numbers_in_the_month_before(today: date) -> None:
    f = preset_filters(MONTH_TO_DATE, today)
    prev = f.previous_period()
    assert prev.start.day == 1 and prev.end.day <= f.end.day
    assert prev.end < f.start and (prev.end.month % 12) + 1 == f.start.month
    assert prev.end.day == f.end.day or (prev.end + timedelta(days=1)).day == 1  # clipped


def test_span_text() -> None:
    assert span_text(date(2026, 11, 1), date(2026, 11, 30)) == "1–30 Nov 2026"
    assert span_text(date(2026, 11, 24), date(2026, 12, 3)) == "24 Nov – 3 Dec 2026"
    assert span_text(date(2025, 12, 29), date(2026, 1, 4)) == "29 Dec 2025 – 4 Jan 2026"
    assert span_text(date(2026, 11, 5), date(2026, 11, 5)) == "5 Nov 2026"


def test_a_range_reaching_today_does_not_claim_complete_days() -> None:
    today = date(2026, 12, 10)
    f = Filters(date(2026, 12, 3), today)
    assert "today partial" in comparison_text(f, today)
    assert "complete" not in comparison_text(f, today)


@pytest.mark.parametrize("today", [date(2026, 12, 1), date(2026, 3, 31), date(2028, 2, 29)])
@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_round_trips_through_the_url(name: str, today: date) -> None:
    if name == CUSTOM:
        filters = Filters(date(2026, 1, 5), date(2026, 1, 20), "app-1", "Asia/Tokyo")
    else:
        filters = preset_filters(name, today, app_id="app-1", timezone="Asia/Tokyo")
    params = params_for(name, filters)
    assert params["range"] == RANGE_PARAMS[name]
    assert preset_of(params, today) == name
    back = filters_from_params(params, today)
    assert back == filters
    assert back.previous_period() == filters.previous_period()


def test_an_old_this_month_link_opens_month_to_date() -> None:
    today = date(2026, 12, 15)
    params = {"range": "this_month"}
    assert preset_of(params, today) == MONTH_TO_DATE
    assert filters_from_params(params, today) == preset_filters(MONTH_TO_DATE, today)


def test_the_sidebar_and_the_page_header_state_the_same_comparison(app_test) -> None:
    from dashboard.filters import utc_today
    from tests.conftest import rendered_text

    at = app_test("kpis")
    at.sidebar.selectbox(key="sb_preset").set_value(MONTH_TO_DATE)
    at.run()
    assert not at.exception
    filters = at.session_state["filters"]
    assert filters == preset_filters(MONTH_TO_DATE, utc_today())
    assert at.query_params["range"] == "month_to_date"
    prev = filters.previous_period()
    expected = comparison_text(filters, utc_today())
    assert any(expected in c.value for c in at.sidebar.caption), rendered_text(at.sidebar)
    header = at.main.caption[0].value
    assert header.startswith(expected), header
    assert f"compared with {span_text(prev.start, prev.end)}" in header
    assert {m.proto.help for m in at.metric} and all("vs " in str(m.proto) for m in at.metric)


def test_cards_name_the_compared_period_briefly() -> None:
    from dashboard.filters import compared_label

    assert compared_label(preset_filters("Last 30 days", date(2026, 12, 1))) == "vs prior 30d"
    assert compared_label(preset_filters(MONTH_TO_DATE, date(2026, 12, 15))) == "vs 1–14 Nov"
    assert compared_label(preset_filters(LAST_MONTH, date(2026, 4, 2))) == "vs 1–28 Feb"


def test_the_kpi_flags_history_has_no_gap_under_a_calendar_comparison() -> None:
    """1–14 Dec compares with 1–14 Nov; the flags still need every day before 1 Dec."""
    from dashboard.data.kpi_anomalies import HISTORY_DAYS, WOBBLE_DAYS, _history_gap

    month = preset_filters(MONTH_TO_DATE, date(2026, 12, 15))
    gap = _history_gap(month)
    assert gap is not None and gap.end == date(2026, 11, 30)
    assert gap.start == month.start - timedelta(days=HISTORY_DAYS + WOBBLE_DAYS - month.days)
    rolling = preset_filters("Last 30 days", date(2026, 12, 15))  # the previous 30 days suffice
    assert _history_gap(rolling) is None
    week = preset_filters("Last 7 days", date(2026, 12, 15))
    gap = _history_gap(week)
    assert gap is not None and gap.end == week.previous_period().start - timedelta(days=1)
