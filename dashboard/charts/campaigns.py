"""Campaign charts: daily series by channel, variations, funnel, conversion timing, revenue.

Frames in, Vega-Lite specs out (no I/O; see ``dashboard.charts.vega`` for the rules). Names
from Braze (channels, variations, campaigns) are data values, passed as they are: Vega draws
them as text, so nothing is HTML-escaped (an escape would show as ``&lt;``).
"""

from __future__ import annotations

import math

import pandas as pd

from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.data.channels import channel_label
from dashboard.display import (
    PERCENT_HOVER,
    USD,
    Currency,
    money_text,
    money_title,
)
from dashboard.metrics import CAMPAIGN_REVENUE, format_rate

NO_DATA = "No sends in this date range"
CONTROL_COLOUR = "#9CA3AF"
X_DAYS = "Date (UTC days)"
NAME_LIMIT = 40  # characters of a campaign name on the top-campaigns axis
LEGEND_WIDTH = 380  # pixels a legend may fill: a half-page chart on a 1280-px screen
FULL_WIDTH = 800  # pixels of a full-width chart on a 1280-px screen
DASHES = {"solid": [1, 0], "dot": [2, 3], "dash": [6, 4]}


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame and bool(pd.to_numeric(frame[column], errors="coerce").notna().any())


def _numbers(values: pd.Series) -> list[float]:
    """Floats with missing values as NaN (sent as null: a gap, never a 0)."""
    return pd.to_numeric(values, errors="coerce").astype("float64").tolist()


def _distinct(names: list[str]) -> list[str]:
    """Names as axis categories: a repeated name (two campaigns may share one) gets zero-width
    spaces, so each keeps its own bar where equal names would share, and hide, one band."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        out.append(name + "\u200b" * seen.get(name, 0))
        seen[name] = seen.get(name, 0) + 1
    return out


def _legend(names: list[str]) -> vega.Spec:
    """A legend on top that wraps into rows (as many columns as the longest name leaves room
    for in half a page) and shows each series as the stroke it is drawn with."""
    widest = 7 * max(len(n) for n in names) + 30  # pixels: ~7 per character, the symbol
    return {
        "orient": "top",
        "columns": max(1, min(len(names), LEGEND_WIDTH // widest)),
        "symbolType": "stroke",
        "symbolStrokeWidth": 2.5,
        "labelFontSize": 12,
    }


def _height(names: list[str]) -> int:
    """A chart's height (all of it: title, legend, axes) with room for its legend's rows, so
    a legend that wraps never shrinks the plot."""
    columns = _legend(names)["columns"]
    return vega.HEIGHT + 24 + 20 * (math.ceil(len(names) / columns) - 1)


def _lines(
    x: vega.Spec,
    y: vega.Spec,
    series: vega.Spec,
    tooltip: list[vega.Spec],
    *,
    markers: bool = False,
) -> list[vega.Spec]:
    """Lines per series plus their points, unseen until the pointer is nearest to one: then
    that point shows and its tooltip lists the day's value, wherever the pointer is (a thin
    line alone is hard to hover)."""
    mark: vega.Spec = {"type": "line", "strokeWidth": 2}
    if markers:
        mark["point"] = {"filled": True, "size": 20}
    line = {
        "mark": mark,
        "encoding": {"x": x, "y": y, **series, "tooltip": tooltip},
    }
    colour = {k: v for k, v in series.items() if k == "color"}
    y_value = {"field": y["field"], "type": "quantitative"}
    points = vega.hover_points(
        {"x": x, "y": y_value, **colour, "tooltip": tooltip}, name="nearest", size=60
    )
    return [line, points]


def _series_rows(part: pd.DataFrame, name: str, metric: str) -> pd.DataFrame:
    """One series of a line chart: its days, its name, its values."""
    return pd.DataFrame(
        {"day": vega.utc_days(part["date"]), "series": name, "value": _numbers(part[metric])}
    )


def _channel_colours(daily: pd.DataFrame) -> dict[str, str]:
    """Each channel's colour by its place among the range's channels (sorted by key), the same
    on every chart of a campaign."""
    keys = sorted(daily["channel"].dropna().unique())
    return {str(key): _colour(i) for i, key in enumerate(keys)}


def channel_lines_figure(daily: pd.DataFrame, metric: str, title: str, unit: str) -> vega.Spec:
    """One line per channel of ``metric`` per day (``daily_channel_frame`` input)."""
    if daily.empty:
        return vega.empty_chart(title, NO_DATA)
    if not _has(daily, metric):
        # e.g. in-app messages and content cards report impressions, not sends
        note = f"No {metric.replace('_', ' ')} counts for these channels"
        if metric == "sent":  # say why, and where the reach is
            note += "\n(in-app messages and Content Cards count impressions: see the opens chart)"
        return vega.empty_chart(title, note)
    colours = _channel_colours(daily)
    rows: list[pd.DataFrame] = []
    names: list[str] = []
    shown: list[str] = []
    for channel, part in daily.groupby("channel", sort=True):
        if not _has(part, metric):
            continue
        name = channel_label(channel)
        names.append(name)
        shown.append(colours[str(channel)])
        rows.append(_series_rows(part, name, metric))
    colour = vega.colour_by("series", names, shown)
    colour["legend"] = _legend(names)
    layers = _lines(
        vega.x_days(X_DAYS),
        vega.y_quantity(unit.capitalize()),
        {"color": colour},
        [
            vega.day_tip(),
            vega.text_tip("series", "Channel"),
            vega.number_tip("value", unit.capitalize()),
        ],
        markers=True,
    )
    return vega.chart(
        title, layers, {vega.MAIN: pd.concat(rows, ignore_index=True)}, height=_height(names)
    )


def opens_clicks_figure(daily: pd.DataFrame) -> vega.Spec:
    """Opens (solid) and clicks (dotted) per day, one colour per channel."""
    title = "Opens and clicks per day by channel"
    if daily.empty or not (_has(daily, "opens") or _has(daily, "clicks")):
        return vega.empty_chart(title, "No opens or clicks in this date range")
    colours = _channel_colours(daily)
    rows: list[pd.DataFrame] = []
    names: list[str] = []
    shown: list[str] = []
    dashes: list[list[int]] = []
    for channel, part in daily.groupby("channel", sort=True):
        for metric, dash in (("opens", "solid"), ("clicks", "dot")):
            if not _has(part, metric):
                continue
            name = f"{channel_label(channel)} · {metric}"
            names.append(name)
            shown.append(colours[str(channel)])
            dashes.append(DASHES[dash])
            rows.append(_series_rows(part, name, metric))
    colour = vega.colour_by("series", names, shown)
    colour["legend"] = {**_legend(names), "labelFontSize": 11}
    # the same field and title as the colour: one legend, each entry dashed as drawn
    dashed = {
        "field": "series",
        "type": "nominal",
        "title": colour["title"],
        "scale": {"domain": names, "range": dashes},
        "sort": names,
    }
    layers = _lines(
        vega.x_days(X_DAYS),
        vega.y_quantity("Opens / clicks"),
        {"color": colour, "strokeDash": dashed},
        [
            vega.day_tip(),
            vega.text_tip("series", "Series"),
            vega.number_tip("value", "Opens / clicks"),
        ],
    )
    return vega.chart(
        title, layers, {vega.MAIN: pd.concat(rows, ignore_index=True)}, height=_height(names)
    )


def conversions_figure(daily: pd.DataFrame) -> vega.Spec:
    """Primary conversions (A) per day, stacked by channel."""
    title = "Conversions (A) per day by channel"
    if daily.empty or not _has(daily, "conversions"):
        return vega.empty_chart(title, "No conversions in this date range")
    colours = _channel_colours(daily)
    names = [channel_label(c) for c in colours]
    main = pd.DataFrame(
        {
            "day": vega.utc_days(daily["date"]),
            "series": [channel_label(c) for c in daily["channel"]],
            "order": [list(colours).index(str(c)) for c in daily["channel"]],
            "value": _numbers(daily["conversions"]),
        }
    )
    layer = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": vega.x_days(X_DAYS),
            "y": {**vega.y_quantity("Conversions"), "stack": "zero"},
            "color": {
                **vega.colour_by("series", names, list(colours.values())),
                "legend": {**_legend(names), "symbolType": "square"},
            },
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                vega.day_tip(),
                vega.text_tip("series", "Channel"),
                vega.number_tip("value", "Conversions"),
            ],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main}, height=_height(names))


def _variation_names(variations: pd.DataFrame) -> list[str]:
    several = variations["channel"].nunique() > 1
    return [
        f"{v} ({channel_label(c)})" if several else str(v)
        for v, c in zip(variations["variation_name"], variations["channel"], strict=True)
    ]


def _bars_with_labels(x: vega.Spec, y: vega.Spec, tooltip: list[vega.Spec]) -> list[vega.Spec]:
    """Vertical bars coloured per row (``colour`` column) with ``label`` above each bar."""
    bars = {
        "mark": {"type": "bar"},
        "encoding": {
            "x": x,
            "y": y,
            "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
            "tooltip": tooltip,
        },
    }
    labels = {
        "mark": {"type": "text", "baseline": "bottom", "dy": -3, "fontSize": 12},
        "encoding": {
            "x": x,
            "y": {"field": y["field"], "type": "quantitative"},
            "text": {"field": "label", "type": "nominal"},
            "tooltip": tooltip,
        },
    }
    return [bars, labels]


def variation_figure(variations: pd.DataFrame) -> vega.Spec:
    """Conversion rate per variation (control in grey) with recipients and conversions on
    hover; conversions per variation when Braze reported no unique recipients per variation
    (they are optional there), since a rate would need them."""
    title = "Conversion rate (A) by variation"
    if variations.empty:
        return vega.empty_chart(title, "No variation sent anything in this date range")
    control = variations["is_control"].fillna(False).astype(bool).tolist()
    colours = [CONTROL_COLOUR if is_ctrl else _colour(i) for i, is_ctrl in enumerate(control)]
    names = _distinct(_variation_names(variations))
    # level labels while each fits its bar's share of a full-width chart, slanted past that
    fits = 7 * max(len(n) for n in names) <= FULL_WIDTH / len(names)
    x = {
        "field": "variation",
        "type": "nominal",
        "title": "Variation",
        "sort": None,  # Braze's order: variations, then control
        "axis": {"labelAngle": 0 if fits else -30, "labelLimit": 180, "labelOverlap": False},
    }
    if not _has(variations, "conversion_rate"):
        if not _has(variations, "conversions"):
            return vega.empty_chart(
                title, "No variation has conversions or recipients in this range"
            )
        counts = _numbers(variations["conversions"])
        main = pd.DataFrame(
            {
                "variation": names,
                "colour": colours,
                "value": counts,
                "label": [f"{c:,.0f}" if pd.notna(c) else "" for c in counts],
            }
        )
        layers = _bars_with_labels(
            x,
            vega.y_quantity("Conversions (A)"),
            [vega.text_tip("variation", "Variation"), vega.number_tip("value", "Conversions (A)")],
        )
        return vega.chart(
            "Conversions (A) by variation (Braze sent no unique recipients per variation, "
            "so no rate)",
            layers,
            {vega.MAIN: main},
        )
    rates = pd.Series(_numbers(variations["conversion_rate"]), dtype="float64")
    main = pd.DataFrame(
        {
            "variation": names,
            "colour": colours,
            "value": rates.tolist(),
            "label": [format_rate(r) if pd.notna(r) else "" for r in rates],
            "recipients": _numbers(variations["unique_recipients"]),
            "conversions": _numbers(variations["conversions"]),
        }
    )
    layers = _bars_with_labels(
        x,
        _percent_y("Conversion rate (%)", rates),
        [
            vega.text_tip("variation", "Variation"),
            vega.number_tip("value", "Conversion rate", PERCENT_HOVER),
            vega.number_tip("recipients", "Daily unique recipients, summed"),
            vega.number_tip("conversions", "Conversions"),
        ],
    )
    return vega.chart(title, layers, {vega.MAIN: main})


def funnel_figure(stages: pd.DataFrame) -> vega.Spec:
    """The campaign's funnel as horizontal bars: each stage's count with the rate the cards
    show for it (delivery, open, click, conversion rate from ``dashboard.metrics``), never a
    share of the first stage, whose denominator would differ from the cards'."""
    title = "Funnel over the date range"
    if stages.empty or not (stages["count"].fillna(0) > 0).any():
        return vega.empty_chart(title, NO_DATA)
    labels = []  # the rate sits under the stage name, where a short bar leaves it room
    rates = []
    for stage, rate, name in zip(stages["stage"], stages["rate"], stages["rate_name"], strict=True):
        label = str(stage)
        said = ""
        if name is not None and not pd.isna(name):
            said = f"{format_rate(None if pd.isna(rate) else float(rate))} {name}"
            label += f"\n{said}"
        labels.append(label)
        rates.append(said)
    main = pd.DataFrame(
        {
            "stage": labels,
            "rate": rates,
            "colour": [_colour(i) for i in range(len(stages))],
            "value": _numbers(stages["count"]),
        }
    )
    y = {
        "field": "stage",
        "type": "nominal",
        "title": "Stage",
        "sort": None,  # top to bottom in funnel order
        # two lines per stage; never thinned ("parity" would drop every other stage)
        "axis": {
            "labelExpr": "split(datum.label, '\\n')",
            "labelLimit": 260,
            "labelOverlap": False,
        },
    }
    x = {
        "field": "value",
        "type": "quantitative",
        "title": "Messages / users",
        "axis": {"format": ",~f"},
    }
    tooltip = [
        vega.text_tip("stage", "Stage"),
        vega.number_tip("value", "Count"),
    ]
    bars = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": y,
            "x": x,
            "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
            "tooltip": tooltip,
        },
    }
    counts = {
        "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
        "encoding": {
            "y": y,
            "x": {"field": "value", "type": "quantitative"},
            "text": {"field": "value", "type": "quantitative", "format": ",.0f"},
            "tooltip": tooltip,
        },
    }
    return vega.chart(title, [bars, counts], {vega.MAIN: main}, height=110 + 52 * len(stages))


def conversion_timing_figure(timing: pd.DataFrame, field: str = "conversions") -> vega.Spec:
    """Conversions of one event (``conversions`` = A, ``conversions1`` = B, ...) counted on the
    day they happened vs on the day the message was sent."""
    letter = {"conversions": "A", "conversions1": "B", "conversions2": "C", "conversions3": "D"}
    title = f"Conversions ({letter.get(field, field)}): by conversion time vs by send time"
    by_send = f"{field}_by_send_time"
    if timing.empty or not (_has(timing, field) or _has(timing, by_send)):
        return vega.empty_chart(title, "No conversions in this date range")
    names = ["By conversion time", "By send time"]
    days = vega.utc_days(timing["date"])
    main = pd.concat(
        [
            pd.DataFrame(
                {
                    "day": days,
                    "series": name,
                    "value": _numbers(timing[column])
                    if column in timing
                    else [float("nan")] * len(days),
                }
            )
            for column, name in zip((field, by_send), names, strict=True)
        ],
        ignore_index=True,
    )
    colour = vega.colour_by("series", names, [_colour(0), _colour(1)])
    colour["legend"] = _legend(names)
    dash = {
        "field": "series",
        "type": "nominal",
        "title": colour["title"],
        "scale": {"domain": names, "range": [DASHES["solid"], DASHES["dash"]]},
        "sort": names,
    }
    layers = _lines(
        vega.x_days(X_DAYS),
        vega.y_quantity("Conversions"),
        {"color": colour, "strokeDash": dash},
        [
            vega.day_tip(),
            vega.text_tip("series", "Counted"),
            vega.number_tip("value", "Conversions"),
        ],
    )
    return vega.chart(title, layers, {vega.MAIN: main}, height=_height(names))


PERCENT_TICKS = 6  # the rate axis asks Vega for about this many ticks


def _tick_step(span: float, count: int) -> float:
    """The step d3 (so Vega) puts ticks at over ``span`` for about ``count`` ticks."""
    if span <= 0 or not math.isfinite(span):
        return 0.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    error = raw / power
    factor = (
        10
        if error >= math.sqrt(50)
        else 5
        if error >= math.sqrt(10)
        else 2
        if error >= math.sqrt(2)
        else 1
    )
    return factor * power


def _percent_y(title: str, values: pd.Series) -> vega.Spec:
    """A rate axis from zero whose ticks never read alike ("2%, 2%"): as many decimals as
    the step Vega will use needs (``display.percent_tickformat`` assumes plotly's steps)."""
    data = values.dropna()
    step = _tick_step(max(float(data.max()), 0.0), PERCENT_TICKS) if not data.empty else 0.0
    decimals = 1 if step <= 0 else max(0, -math.floor(math.log10(step * 100) + 1e-9))
    y = vega.y_quantity(title, fmt=f".{min(decimals, 4)}%")
    y["axis"]["tickCount"] = PERCENT_TICKS
    return y


def revenue_figure(timing: pd.DataFrame, currency: Currency = USD) -> vega.Spec:
    """Revenue attributed to the campaign per day, in the workspace ``currency``."""
    title = f"{CAMPAIGN_REVENUE.label} per day"
    if (
        timing.empty
        or "revenue" not in timing
        or not (pd.to_numeric(timing["revenue"], errors="coerce") > 0).any()
    ):
        return vega.empty_chart(title, "No revenue in this date range")
    values = pd.Series(_numbers(timing["revenue"]), dtype="float64")
    main = pd.DataFrame(
        {
            "day": vega.utc_days(timing["date"]),
            "value": values.tolist(),
            "amount": [money_text(v, currency) for v in values],
        }
    )
    layer = {
        "mark": {"type": "bar", "color": PALETTE[2]},
        "encoding": {
            "x": vega.x_days(X_DAYS),
            "y": vega.money_y(money_title("Revenue", currency), currency, values),
            "tooltip": [vega.day_tip(), vega.text_tip("amount", "Revenue")],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main})


def top_campaigns_figure(leaderboard: pd.DataFrame, metric: str, metric_label: str) -> vega.Spec:
    """The ten campaigns with the highest ``metric``, largest at the top."""
    lowered = metric_label[:1].lower() + metric_label[1:]  # "Conversions (A)" keeps its "A"
    title = f"Top campaigns by {lowered}"
    values = pd.to_numeric(leaderboard[metric], errors="coerce") if metric in leaderboard else None
    if leaderboard.empty or values is None or not (values.fillna(0) > 0).any():
        return vega.empty_chart(title, NO_DATA)
    top = leaderboard.assign(_v=values.astype("float64")).nlargest(10, "_v")
    full = ["" if pd.isna(n) else str(n) for n in top["name"]]
    short = [n if len(n) <= NAME_LIMIT else n[: NAME_LIMIT - 1] + "…" for n in full]
    main = pd.DataFrame(
        {
            "campaign": _distinct(short),
            "name": full,
            "value": top["_v"].tolist(),
        }
    )
    layer = {
        "mark": {"type": "bar", "color": PALETTE[0]},
        "encoding": {
            "y": {
                "field": "campaign",
                "type": "nominal",
                "title": "Campaign",
                "sort": None,  # largest first, at the top
                "axis": {"labelOverlap": False},
            },
            "x": {
                "field": "value",
                "type": "quantitative",
                "title": metric_label,
                # few ticks: seven-digit counts side by side in half a page would touch
                "axis": {"format": ",~f", "tickCount": 4, "labelOverlap": True},
            },
            "tooltip": [vega.text_tip("name", "Campaign"), vega.number_tip("value", metric_label)],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main}, height=max(240, 34 * len(top) + 80))
