"""One rule for percentages (issue 17): values and changes with ``PERCENT_DECIMALS`` decimals,
changes signed, a change that rounds to zero neutral; CSVs keep numbers in ``*_pct`` columns.

The pure helpers are checked directly; then every page (and the detail views) is rendered on
the demo over real HTTP, and what it sends the browser is scanned: card values and deltas,
captions and markdown, every table's percent columns, every chart's hover and text labels.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from dashboard import navigation
from dashboard.display import (
    CHANGE_FORMAT,
    PERCENT_DECIMALS,
    PERCENT_HOVER,
    PERCENT_STEP,
    change_column,
    csv_frame,
    delta_text,
    percent_column,
    percent_display,
    percent_text,
)
from dashboard.settings import demo_sandbox
from tests.conftest import PageLink, page_links
from tests.vega_specs import sent_spec

# a percentage as text; "<0.1%" (non-zero, too small to show) is the one allowed exception
PERCENT = re.compile(r"(?<![\w.<])[+-]?\d[\d,]*(?:\.(\d+))?%")
WHOLE_PERCENT = re.compile(r"(?<![\w.,])\d+%")


def test_values_and_changes_have_one_decimal() -> None:
    assert PERCENT_DECIMALS == 1
    assert percent_text(0.30712) == "30.7%"
    assert percent_text(0.0042) == "0.4%"
    assert percent_text(0.0003) == "<0.1%" and percent_text(0) == "0.0%"
    assert percent_text(-0.0001) == "<0.1%" and percent_text(None) == "—"
    assert delta_text(0.053) == "+5.3%" and delta_text(-0.0125) in ("-1.2%", "-1.3%")
    assert delta_text(-0.0004) == "0.0%"


def test_tables_draw_the_digits_the_cards_write() -> None:
    frame = pd.DataFrame({"rate": [0.30749, 0.0042, None], "change": [0.0531, -0.00004, None]})
    shown, config = percent_display(
        frame, {"rate": percent_column("Rate"), "change": change_column("Change")}
    )
    assert shown["rate"].tolist()[:2] == [0.307, 0.004] and pd.isna(shown["rate"].iloc[2])
    assert shown["change"].tolist()[:2] == [5.3, 0.0]  # percents for "%+.1f%%"; never -0.0
    assert config["rate"]["type_config"] == {**config["rate"]["type_config"], "step": PERCENT_STEP}
    assert config["change"]["type_config"]["format"] == CHANGE_FORMAT
    assert frame["rate"].iloc[0] == 0.30749  # the input (and so the CSV) keeps its numbers
    # a plain "percent" column from any page gets the rule too
    plain, plain_config = percent_display(
        frame, {"rate": {"type_config": {"type": "number", "format": "percent"}}}
    )
    assert plain_config["rate"]["type_config"]["step"] == PERCENT_STEP
    assert plain["rate"].iloc[0] == 0.307


def test_csvs_keep_numbers_in_pct_columns() -> None:
    frame = pd.DataFrame(
        {
            "revenue": [10.5],
            "revenue_change": [0.0531],
            "relative_change": [-0.25],
            "open_rate": [0.30749],
            "change": [50.0],
        }
    )
    out = csv_frame(frame)
    assert list(out.columns) == [
        "revenue_usd",
        "revenue_change_pct",
        "relative_change_pct",
        "open_rate_pct",
        "change",
    ]
    assert out["revenue_change_pct"].iloc[0] == pytest.approx(5.31)
    assert out["relative_change_pct"].iloc[0] == pytest.approx(-25.0)
    assert out["change"].iloc[0] == 50  # a difference in its own unit stays as it is


# ---- every page, as the browser gets it ------------------------------------------------------


PAGES = [spec.url_path for spec in navigation.PAGES]
DETAILS = ["campaigns", "canvases", "segments", "news-feed", "events"]


def _detail(page: str) -> dict[str, str]:
    ws = demo_sandbox().workspace
    campaign = next(c for c in ws.campaigns if c.first_sent is not None and not c.archived)
    canvas = next(c for c in ws.canvases if c.steps and c.first_entry is not None)
    segment = next(s for s in ws.segments if s.analytics_tracking_enabled)
    return {
        "campaigns": {"campaign_id": campaign.id},
        "canvases": {"canvas_id": canvas.id},
        "segments": {"segment_id": segment.id},
        "news-feed": {"card_id": ws.cards[0].id},
        "events": {"event": str(ws.events[0])},
    }[page]


def _bad_percents(texts: list[str]) -> list[str]:
    bad = []
    for text in texts:
        for match in PERCENT.finditer(text):
            if len(match.group(1) or "") != PERCENT_DECIMALS:
                bad.append(f"{match.group(0)!r} in {text[:120]!r}")
    return bad


def _shown_texts(at) -> list[str]:
    """Cards, findings and notes; captions too, but without their whole-number percents:
    captions state rules in prose ("at least 10% away", "1% of all"), not measured values."""
    texts = [str(m.value) for m in at.metric] + [str(m.proto.delta) for m in at.metric]
    for kind in ("markdown", "info", "warning", "success", "text"):
        texts += [str(e.value) for e in at.get(kind)]
    texts += [WHOLE_PERCENT.sub("", str(e.value)) for e in at.get("caption")]
    return texts


def _percent_columns(at) -> list[tuple[str, dict]]:
    out = []
    for frame in at.get("arrow_data_frame"):
        for name, column in json.loads(frame.proto.columns or "{}").items():
            form = (column.get("type_config") or {}).get("format")
            if isinstance(form, str) and ("%" in form or form == "percent"):
                out.append((name, column["type_config"]))
    return out


def _chart_formats(at) -> tuple[list[str], list[str]]:
    formats, labels = [], []
    assert not at.get("plotly_chart")
    for spec in map(sent_spec, at.get("vega_lite_chart")):
        more, shown = vega_chart_formats(spec)
        formats += more
        labels += shown
    return formats, labels


def vega_chart_formats(spec: dict) -> tuple[list[str], list[str]]:
    """A Vega-Lite chart's percent formats (tooltips, text marks) and the labels its text
    marks draw from their data."""
    formats, labels = [], []
    views = spec.get("vconcat") or spec.get("hconcat") or [spec]
    for layer in (la for view in views for la in view.get("layer", [view])):
        encoding = layer.get("encoding", {})
        tips = encoding.get("tooltip", [])
        text = encoding.get("text")
        for shown in ([tips] if isinstance(tips, dict) else tips) + ([text] if text else []):
            # number formats only: a day's "%a %d %b" is a time format
            if shown.get("type") != "temporal" and "%" in str(shown.get("format", "")):
                formats.append(shown["format"])
        if text and "field" in text and text.get("type") != "quantitative":
            name = (layer.get("data") or spec.get("data") or {}).get("name", "main")
            frame = spec["datasets"].get(name)
            if frame is not None and text["field"] in frame:
                labels += [t for t in frame[text["field"]] if isinstance(t, str)]
    return formats, labels


def test_vega_chart_formats_reads_tooltips_and_text_marks() -> None:
    from dashboard.charts.campaigns import variation_figure

    variations = pd.DataFrame(
        {
            "variation_name": ["A"],
            "channel": ["email"],
            "is_control": [False],
            "conversion_rate": [0.0312],
            "unique_recipients": [100.0],
            "conversions": [3.0],
        }
    )
    formats, labels = vega_chart_formats(variation_figure(variations))
    assert formats == [PERCENT_HOVER, PERCENT_HOVER] and labels == ["3.1%"]
    assert _bad_percents(["3%"]) and not _bad_percents(labels)


LINKS = page_links(PAGES, DETAILS)


@pytest.mark.parametrize("link", LINKS, ids=[link.id for link in LINKS])
def test_every_page_writes_percentages_by_the_rule(app_test, link: PageLink) -> None:
    page = link.page
    at = app_test(page, query=link.query(_detail))
    assert not at.exception, [e.value for e in at.exception]
    assert not _bad_percents(_shown_texts(at)), _bad_percents(_shown_texts(at))
    for name, config in _percent_columns(at):
        if config["format"] == "percent":
            assert config.get("step") == PERCENT_STEP, (page, name, config)
        else:
            assert config["format"] == CHANGE_FORMAT, (page, name, config)
    formats, labels = _chart_formats(at)
    assert set(formats) <= {PERCENT_HOVER}, (page, formats)
    assert not _bad_percents(labels), (page, _bad_percents(labels))
