"""Issue 17's display conventions (dashboard/display.py), one test per rule: pure functions
directly, and the pages over the demo sandbox (AppTest) for what a marketer actually sees."""

from __future__ import annotations

import io
import json
import math
import re

import pandas as pd
import pytest

from dashboard import display
from dashboard.charts import campaigns as campaign_charts
from dashboard.charts import canvases as canvas_charts
from dashboard.charts.kpis import daily_figure, stickiness_figure
from dashboard.charts.revenue import product_revenue_figure, revenue_figure
from dashboard.charts.segments import breakdown_figure, coverage_figure
from dashboard.display import (
    MISSING,
    USD,
    csv_frame,
    delta_arrow,
    delta_colour,
    delta_text,
    label_channels,
    money_text,
    nice_step,
    parse_currency,
    percent_tickformat,
)
from dashboard.safe_csv import to_csv_bytes
from tests import vega_specs
from tests.conftest import CANVAS_TABS
from tests.vega_specs import (
    axis_format,
    axis_title,
    data_of,
    layers,
    mark_type,
    schema_errors,
    tooltips,
)
from tests.vega_specs import axis_title as vega_axis_title
from tests.vega_specs import layers as vega_layers

EUR = parse_currency("eur")
#: Braze channel keys that must never reach a reader (issue 17 names the first two).
RAW_CHANNELS = (
    "trigger_in_app_message",
    "whats_app",
    "ios_push",
    "android_push",
    "web_push",
    "in_app_message",
    "content_cards",
)
BAD_CELLS = {"None", "none", "nan", "NaN", "NaT", "<NA>", "null"}


# ---- currency -----------------------------------------------------------------------------


def test_currency_is_an_iso_4217_code_from_secrets_or_env_default_usd() -> None:
    assert display.currency_from_config({}, {}) == USD
    assert display.currency_from_config({}, {"DASHBOARD_CURRENCY": " gbp "}).code == "GBP"
    secrets = {"dashboard": {"currency": "EUR"}}
    assert display.currency_from_config(secrets, {"DASHBOARD_CURRENCY": "GBP"}) == EUR
    for bad in ("US", "DOLLARS", "$", "XXX1", "usd;drop"):
        with pytest.raises(ValueError, match="ISO 4217"):
            parse_currency(bad)
    problem = display.currency_problem({}, {"DASHBOARD_CURRENCY": "EURO"})
    assert problem is not None and "ISO 4217" in problem and "USD" in problem
    assert display.currency_problem({}, {}) is None
    assert display.currency_problem({}, {"DASHBOARD_CURRENCY": "usd"}) is None


def test_braze_amounts_are_dollars_whatever_the_setting() -> None:
    # Braze converts purchases logged in other currencies to USD and reports every amount in
    # USD: a setting of another code would relabel dollars, so it is named and not applied.
    problem = display.currency_problem({}, {"DASHBOARD_CURRENCY": "JPY"})
    assert problem is not None and "US dollars" in problem and "(JPY) is not applied" in problem
    secrets = {"dashboard": {"currency": "EUR"}}
    assert "(EUR) is not applied" in (display.currency_problem(secrets, {}) or "")


def test_money_text_carries_the_sign_and_the_minor_unit() -> None:
    assert money_text(1_229_843.19) == "$1,229,843.19"
    assert money_text(1_229_843.19, short=True) == "$1.23M"
    assert money_text(1_229_843.19, EUR, short=True) == "€1.23M"
    assert money_text(1234.6, parse_currency("JPY")) == "¥1,235"
    assert money_text(12.5, parse_currency("KWD")) == "KWD 12.500"
    assert money_text(-3.1) == "-$3.10"
    assert money_text(None) == MISSING and money_text(float("nan")) == MISSING


def test_revenue_axes_name_the_configured_currency_like_the_cards() -> None:
    day = pd.to_datetime(["2026-11-01", "2026-11-02"])
    timing = pd.DataFrame({"date": day, "revenue": [1_200_000.0, 30.5]})
    spec = campaign_charts.revenue_figure(timing, EUR)
    assert vega_specs.axis_title(spec, "y") == "Revenue (EUR)"
    (bars,) = vega_specs.layers(spec)
    assert "€" in bars["encoding"]["y"]["axis"]["labelExpr"]  # the ticks carry the sign
    assert vega_specs.data_of(spec)["amount"].tolist() == ["€1,200,000.00", "€30.50"]  # hover
    assert "workspace currency" not in json.dumps(spec, default=str)
    totals = pd.DataFrame({"time": day.tz_localize("UTC"), "revenue": [5.0, 7.0]})
    canvas = canvas_charts.revenue_figure(totals, EUR)
    assert vega_axis_title(canvas, "y") == "Revenue (EUR)"
    (y,) = {la["encoding"]["y"].get("axis", {}).get("labelExpr") for la in vega_layers(canvas)[:1]}
    assert "€" in y and "$" not in y  # ticks carry the configured currency's sign
    assert data_of(canvas)["amount"].tolist() == ["€5.00", "€7.00"]  # the tooltip's amounts
    # the default stays USD, as Braze's own dashboards report it
    assert vega_specs.axis_title(campaign_charts.revenue_figure(timing), "y") == "Revenue (USD)"


def test_revenue_page_charts_name_the_currency_and_draw_its_sign() -> None:
    day = pd.to_datetime(["2026-11-01", "2026-11-02"])
    series = pd.DataFrame({"time": day, "product": ["all", "all"], "value": [10.0, 20.0]})
    rev = revenue_figure(series, "revenue", unit="day", timezone="UTC", currency=EUR)
    assert axis_title(rev, "y") == "Purchase revenue (EUR)"
    # d3's "$" is the spec's currency sign: "€20" on the axis, "€20.00" in the tooltip
    assert axis_format(rev, "y") == "$,.0f" and rev["config"]["locale"]["number"]["currency"] == [
        "€",
        "",
    ]
    assert tooltips(layers(rev)[1])[-1]["format"] == "$,.2f"
    assert not schema_errors(rev)
    products = pd.DataFrame({"product": ["a"], "revenue": [9.0], "share_of_revenue": [1.0]})
    bars = product_revenue_figure(products, currency=EUR)
    assert "EUR" in str(axis_title(bars, "x")) and axis_format(bars, "x") == "$,.2f"  # under 10
    assert bars["config"]["locale"]["number"]["currency"] == ["€", ""]
    assert not schema_errors(bars)
    yen = revenue_figure(
        series, "revenue", unit="day", timezone="UTC", currency=parse_currency("JPY")
    )
    assert tooltips(layers(yen)[1])[-1]["format"] == "$,.0f"  # no minor unit
    # the default stays USD, as Braze's own dashboards report it: d3's own "$", no locale
    usd = revenue_figure(series, "revenue", unit="day", timezone="UTC")
    assert axis_title(usd, "y") == "Purchase revenue (USD)" and "locale" not in usd["config"]


# ---- CSV ----------------------------------------------------------------------------------


def _csv(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(to_csv_bytes(csv_frame(frame))), dtype=str, keep_default_na=False)


def test_csv_counts_are_integers_money_has_cents_rates_are_named_pct() -> None:
    frame = pd.DataFrame(
        {
            "name": ["=HYPERLINK(1)", "Spring sale"],
            "channel": ["trigger_in_app_message", "whats_app"],
            "sent": [1_521_357.0, None],
            "revenue": [1_229_843.1900000002, 0.1 + 0.2],
            "open_rate": [0.30712, 0.0],
            "average": [268.8666666666667, 1.0],
        }
    )
    text = to_csv_bytes(csv_frame(frame)).decode("utf-8-sig")
    assert "1521357.0" not in text and "1229843.1900000002" not in text
    table = _csv(frame)
    assert list(table.columns) == [
        "name",
        "channel",
        "sent",
        "revenue_usd",
        "open_rate_pct",
        "average",
    ]
    assert table["sent"].tolist() == ["1521357", ""]
    assert table["revenue_usd"].tolist() == ["1229843.19", "0.3"]
    assert table["open_rate_pct"].tolist() == ["30.71", "0.0"]
    assert table["channel"].tolist() == ["In-app message (triggered)", "WhatsApp"]
    assert table["name"][0] == "'=HYPERLINK(1)"  # formula neutralisation kept
    assert frame["sent"].dtype == "float64"  # the input is not changed


def test_csv_money_follows_the_currency_minor_unit() -> None:
    frame = pd.DataFrame({"total_revenue": [1234.567]})
    yen = to_csv_bytes(csv_frame(frame, parse_currency("JPY"))).decode("utf-8-sig")
    assert yen.splitlines() == ["total_revenue_jpy", "1235"]


# ---- deltas -------------------------------------------------------------------------------


def test_a_change_that_rounds_to_zero_is_neutral() -> None:
    for tiny in (-0.0004, 0.0, 0.00049, -0.0):
        assert delta_text(tiny) == "0.0%"
        assert delta_colour(tiny) == "off" and delta_arrow(tiny) == "off"
    assert delta_text(-0.012) == "-1.2%" and delta_colour(-0.012) == "normal"
    assert delta_colour(0.05, lower_is_better=True) == "inverse"
    assert delta_arrow(0.05) == "auto"
    assert delta_text(None) is None and delta_colour(None) == "off"


def test_metric_card_shows_a_zero_change_grey_without_an_arrow() -> None:
    from streamlit.testing.v1 import AppTest

    def cards() -> None:
        from dashboard.widgets import metric_card

        metric_card("Flat", 1000.0, previous=1000.3)
        metric_card("Up", 1100.0, previous=1000.0)

    from streamlit.proto.Metric_pb2 import Metric

    at = AppTest.from_function(cards).run()
    flat, up = at.metric
    assert flat.value == "1,000" and flat.proto.delta == "0.0%"
    assert flat.proto.color == Metric.MetricColor.Value("GRAY")
    assert flat.proto.direction == Metric.MetricDirection.Value("NONE")
    assert up.proto.delta == "+10.0%" and up.proto.color == Metric.MetricColor.Value("GREEN")


# ---- percent axes -------------------------------------------------------------------------


def _ticks(values: list[float], tickformat: str) -> list[str]:
    """The ticks plotly draws from 0 (its 1-2-5 steps), formatted as d3 would."""
    step = nice_step(max(values))
    decimals = int(re.fullmatch(r"\.(\d)%", tickformat).group(1))  # type: ignore[union-attr]
    count = math.floor(max(values) / step + 1e-9) + 1
    return [f"{i * step:.{decimals}%}" for i in range(count)]


@pytest.mark.parametrize(
    "values",
    [
        [0.021, 0.018, 0.016, 0.012],  # the KPI page's stickiness: "2%, 2%, 1%, 1%, 0%" before
        [0.0041, 0.0032],
        [0.18, 0.22, 0.35],
        [0.9, 0.99],
    ],
)
def test_percent_ticks_are_distinct(values: list[float]) -> None:
    ticks = _ticks(values, percent_tickformat(values))
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks


def test_stickiness_and_variation_axes_use_distinct_ticks() -> None:
    days = pd.date_range("2026-11-01", periods=4)
    frame = pd.DataFrame({"date": days, "stickiness": [0.021, 0.018, 0.016, 0.012]})
    assert axis_format(stickiness_figure(frame), "y") == ".1%"


@pytest.mark.parametrize(
    "rates",
    [
        [0.021, 0.012],
        [0.033, 0.029, 0.027],  # the demo's "Loyalty points #80": "4%, 3%, 3%, 2%" at first
        [0.0041, 0.0032],
        [0.18, 0.22, 0.35],
        [0.9, 0.99],
    ],
)
def test_variation_axis_uses_distinct_ticks(rates: list[float]) -> None:
    variations = pd.DataFrame(
        {
            "variation_name": [f"V{i}" for i in range(len(rates))],
            "channel": "email",
            "is_control": [False] * len(rates),
            "conversion_rate": rates,
            "unique_recipients": [100.0] * len(rates),
            "conversions": [3.0] * len(rates),
        }
    )
    spec = campaign_charts.variation_figure(variations)
    assert "(%)" in str(vega_specs.axis_title(spec, "y"))
    y = vega_specs.layers(spec)[0]["encoding"]["y"]
    # the ticks Vega draws: d3's step for the axis's tick count, from 0
    step = campaign_charts._tick_step(max(rates), y["axis"]["tickCount"])
    decimals = int(re.fullmatch(r"\.(\d)%", y["axis"]["format"]).group(1))  # type: ignore[union-attr]
    count = math.floor(max(rates) / step + 1e-9) + 1
    ticks = [f"{i * step:.{decimals}%}" for i in range(count)]
    assert len(ticks) >= 2 and len(set(ticks)) == len(ticks), ticks
    if rates == [0.021, 0.012]:
        assert y["axis"]["format"] == ".1%"  # 0.5% steps: 0.0%, 0.5%, 1.0%, ...


def test_counts_start_at_zero_mau_like_dau() -> None:
    days = pd.date_range("2026-11-01", periods=3)
    frame = pd.DataFrame({"date": days, "mau": [85_500.0, 86_000.0, 87_700.0]})
    frame["dau"] = frame["mau"] / 6
    for metric in ("mau", "dau"):
        series = layers(daily_figure(frame, metric))[0]
        assert series["encoding"]["y"]["scale"]["zero"] is True


def test_bar_labels_sit_outside_short_bars() -> None:
    counts = pd.DataFrame({"value": ["US", "FR"], "users": [2900, 3], "share": [0.99, 0.01]})
    for spec in (
        breakdown_figure(counts, "Countries"),
        coverage_figure(pd.DataFrame({"attribute": ["a", "b"], "coverage": [1.0, 0.02]})),
    ):
        bars, labels = layers(spec)
        # the label starts past the bar's end, with room for it inside the axis' domain
        assert mark_type(labels) == "text" and labels["mark"]["align"] == "left"
        assert labels["mark"]["dx"] > 0
        x = bars["encoding"]["x"]
        assert x["scale"]["domain"][1] > data_of(spec)[x["field"]].max()


# ---- channels -----------------------------------------------------------------------------


def test_channel_columns_read_as_human_names_and_labels_stay_put() -> None:
    frame = pd.DataFrame(
        {
            "channel": ["trigger_in_app_message", "whats_app", None, "WhatsApp"],
            "channels": ["email, ios_push", "", None, "sms"],
        }
    )
    shown = label_channels(frame)
    assert shown["channel"].tolist()[:2] == ["In-app message (triggered)", "WhatsApp"]
    assert shown["channel"].tolist()[3] == "WhatsApp"
    assert shown["channels"].tolist()[0] == "Email, iOS push"
    assert shown["channels"].isna().tolist() == [False, True, True, False]
    assert label_channels(shown).equals(shown)  # labelling twice changes nothing


# ---- every page in demo mode --------------------------------------------------------------

PAGES = (
    "overview",
    "kpis",
    "campaigns",
    "canvases",
    "news-feed",
    "revenue",
    "events",
    "segments",
    "custom-attributes",
    "user-lookup",
    "control-group",
)


def _text_cells(frame: pd.DataFrame) -> list[str]:
    cells: list[str] = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column.dtype) or pd.api.types.is_bool_dtype(column.dtype):
            continue
        cells += [str(v) for v in column.dropna().tolist() if isinstance(v, str)]
    return cells


def _check_tables(at: object, where: str) -> int:
    from tests.conftest import rendered_text

    assert not at.exception, (where, at.exception)  # type: ignore[attr-defined]
    tables = list(at.dataframe)  # type: ignore[attr-defined]
    for table in tables:
        assert table.proto.placeholder == MISSING, f"{where}: a table without the em dash"
        frame = table.value
        bad = sorted(set(_text_cells(frame)) & BAD_CELLS)
        assert not bad, f"{where}: cells read {bad}"
        for name in frame.columns:
            if str(name) in display.CHANNEL_COLUMNS:
                values = " ".join(map(str, frame[name].dropna()))
                raw = [key for key in RAW_CHANNELS if re.search(rf"\b{key}\b", values)]
                assert not raw, f"{where}: raw channel ids {raw} in {name}"
    for metric in at.metric:  # type: ignore[attr-defined]
        assert metric.value not in BAD_CELLS, f"{where}: card {metric.label} reads {metric.value}"
        # no sparklines: the page charts the series in full, and each is one more Vega view
        assert not metric.proto.chart_data, f"{where}: card {metric.label} draws a sparkline"
    text = rendered_text(at)
    raw = [key for key in RAW_CHANNELS[:2] if key in text]
    assert not raw, f"{where}: page text names {raw}"
    return len(tables)


@pytest.mark.parametrize("page", PAGES)
def test_no_none_nan_or_raw_channel_in_any_table_of_any_page(app_test, page: str) -> None:
    at = app_test(page)
    _check_tables(at, page)


def test_campaign_and_canvas_details_tables_follow_the_conventions(app_test, demo) -> None:
    campaigns = demo.workspace.campaigns
    picked = [
        next(c for c in campaigns if "whats_app" in c.channels),
        next(c for c in campaigns if any("in_app" in ch for ch in c.channels)),
    ]
    for campaign in picked:
        at = app_test("campaigns", query={"campaign_id": campaign.id})
        assert _check_tables(at, f"campaign {campaign.id}") >= 1
    canvas = demo.workspace.canvases[0]
    shown = 0
    for tab in CANVAS_TABS:  # the page draws only the open tab
        at = app_test("canvases", query={"canvas_id": canvas.id, "tab": tab})
        shown += _check_tables(at, f"canvas {canvas.id} {tab}")
    assert shown >= 3


def test_a_non_usd_setting_does_not_relabel_braze_dollars(app_test, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_CURRENCY", "EUR")
    at = app_test("campaigns")
    assert not at.exception
    revenue = next(m for m in at.metric if m.label == "Campaign-attributed revenue")
    assert revenue.value.startswith("$"), revenue.value
    config = at.dataframe[0].proto.columns
    assert "Attributed revenue (USD)" in config and "EUR" not in config
    assert any("EUR" in w.value and "not applied" in w.value for w in at.sidebar.warning)
    at = app_test("revenue")
    assert not at.exception
    assert any(m.value.startswith("$") for m in at.metric)
    assert not any(m.value.startswith("€") for m in at.metric)


def test_a_bad_currency_setting_is_named_and_amounts_stay_labelled(app_test, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_CURRENCY", "EURO")
    at = app_test("revenue")
    assert not at.exception
    assert any("ISO 4217" in w.value for w in at.sidebar.warning)
    assert any(m.value.startswith("$") for m in at.metric)


def _downloads(monkeypatch) -> dict[str, bytes]:
    """What the page's download buttons would hand the user, by file name."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    saved: dict[str, bytes] = {}
    original = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        # CSVs are built when clicked (a callable): build it here, as a click would
        saved[str(file_name)] = data_callable()
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return saved


def test_page_csvs_hold_integer_counts_cents_and_named_rates(app_test, monkeypatch) -> None:
    saved = _downloads(monkeypatch)
    app_test("kpis")
    app_test("campaigns")
    kpis = next(v for k, v in saved.items() if k.startswith("braze-kpis-"))
    board = next(v for k, v in saved.items() if k.startswith("braze-campaigns-"))
    kpi_table = pd.read_csv(io.BytesIO(kpis), dtype=str, keep_default_na=False)
    for column in ("mau", "dau", "new_users", "uninstalls", "sessions"):
        assert kpi_table[column].str.fullmatch(r"\d*").all(), (column, kpi_table[column].head())
    assert "dau_mau_ratio_pct" in kpi_table and "dau_mau_ratio" not in kpi_table
    table = pd.read_csv(io.BytesIO(board), dtype=str, keep_default_na=False)
    for column in ("sent", "delivered", "opens", "clicks", "unique_recipients", "conversions"):
        assert table[column].str.fullmatch(r"\d*").all(), (column, table[column].head())
    assert "revenue_usd" not in table  # named after what it counts (metrics.CAMPAIGN_REVENUE)
    assert table["campaign_attributed_revenue_usd"].str.fullmatch(r"\d+(\.\d{1,2})?|").all()
    assert {"open_rate_pct", "click_rate_pct", "conversion_rate_pct"} <= set(table.columns)
    channels = " ".join(table["channels"])
    assert not [key for key in RAW_CHANNELS if re.search(rf"\b{key}\b", channels)]


def test_a_moment_reads_the_same_everywhere_in_utc() -> None:
    assert display.moment_text(pd.Timestamp("2026-08-04T20:00:59Z")) == "04 Aug 2026, 20:00 UTC"
    ny = pd.Timestamp("2026-08-04T16:00", tz="America/New_York")
    assert display.moment_text(ny) == "04 Aug 2026, 20:00 UTC"  # the same moment, in UTC
    assert display.moment_text(pd.Timestamp("2026-01-02T03:04")) == "02 Jan 2026, 03:04 UTC"
    assert display.moment_text(None) == display.moment_text(pd.NaT) == MISSING


# (the rendered text is the elements' protobuf: a line break before a moment reads "\\n04")
MOMENT = re.compile(r"(?<!\d)\d{2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC")
OTHER_MOMENT = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2} \d{2}:\d{2}|\d{2}:\d{2} \([A-Za-z_/]+\)")


def test_campaign_canvas_news_feed_and_segment_details_write_moments_one_way(
    app_test, demo
) -> None:
    from tests.conftest import rendered_text

    campaign = demo.workspace.campaigns[0]
    canvas = demo.workspace.canvases[0]
    pages = [
        ("campaigns", {"campaign_id": campaign.id, "tz": "America/New_York"}),
        ("canvases", {"canvas_id": canvas.id}),
        ("news-feed", {}),
        ("segments", {"segment_id": demo.workspace.segments[0].id}),
    ]
    for page, query in pages:
        text = rendered_text(app_test(page, query=query))
        assert len(MOMENT.findall(text)) >= 2, f"{page}: no moments shown"
        assert not OTHER_MOMENT.findall(text), f"{page}: {OTHER_MOMENT.findall(text)}"
