"""Campaign figures: daily series by channel, variations, funnel, conversion timing, revenue.

Frames in, figures out (no I/O). Names from Braze (channels, variations, campaigns) are
HTML-escaped before they reach plotly, which would otherwise interpret tags in labels.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.data.channels import channel_label
from dashboard.display import (
    PERCENT_HOVER,
    USD,
    Currency,
    money_axis,
    money_hover,
    money_title,
    percent_tickformat,
)
from dashboard.metrics import CAMPAIGN_REVENUE, format_rate

NO_DATA = "No sends in this date range"
CONTROL_COLOUR = "#9CA3AF"
X_DAYS = "Date (UTC days)"


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _has(frame: pd.DataFrame, column: str) -> bool:
    return column in frame and bool(pd.to_numeric(frame[column], errors="coerce").notna().any())


def channel_lines_figure(daily: pd.DataFrame, metric: str, title: str, unit: str) -> go.Figure:
    """One line per channel of ``metric`` per day (``daily_channel_frame`` input)."""
    if daily.empty:
        return empty_figure(title, NO_DATA)
    if not _has(daily, metric):
        # e.g. in-app messages and content cards report impressions, not sends
        note = f"No {metric.replace('_', ' ')} counts for these channels"
        if metric == "sent":  # say why, and where the reach is
            note += "<br>(in-app messages and Content Cards count impressions: see the opens chart)"
        return empty_figure(title, note)
    fig = go.Figure()
    for i, (channel, part) in enumerate(daily.groupby("channel", sort=True)):
        if not _has(part, metric):
            continue
        name = safe_label(channel_label(channel))
        fig.add_trace(
            go.Scatter(
                x=part["date"],
                y=part[metric],
                name=name,
                mode="lines+markers",
                line={"color": _colour(i), "width": 2},
                marker={"size": 4},
                hovertemplate=f"{name}: %{{y:,.0f}} {unit}<extra></extra>",
            )
        )
    return style_figure(fig, title, unit.capitalize(), x_title=X_DAYS, show_legend=True)


def opens_clicks_figure(daily: pd.DataFrame) -> go.Figure:
    """Opens (solid) and clicks (dotted) per day, one colour per channel."""
    title = "Opens and clicks per day by channel"
    if daily.empty or not (_has(daily, "opens") or _has(daily, "clicks")):
        return empty_figure(title, "No opens or clicks in this date range")
    fig = go.Figure()
    for i, (channel, part) in enumerate(daily.groupby("channel", sort=True)):
        for metric, dash in (("opens", "solid"), ("clicks", "dot")):
            if not _has(part, metric):
                continue
            name = f"{safe_label(channel_label(channel))} · {metric}"
            fig.add_trace(
                go.Scatter(
                    x=part["date"],
                    y=part[metric],
                    name=name,
                    mode="lines",
                    line={"color": _colour(i), "width": 2, "dash": dash},
                    hovertemplate=f"{name}: %{{y:,.0f}}<extra></extra>",
                )
            )
    fig = style_figure(fig, title, "Opens / clicks", x_title=X_DAYS, show_legend=True)
    fig.update_layout(legend={"font": {"size": 11}})
    return fig


def conversions_figure(daily: pd.DataFrame) -> go.Figure:
    """Primary conversions (A) per day, stacked by channel."""
    title = "Conversions (A) per day by channel"
    if daily.empty or not _has(daily, "conversions"):
        return empty_figure(title, "No conversions in this date range")
    fig = go.Figure()
    for i, (channel, part) in enumerate(daily.groupby("channel", sort=True)):
        name = safe_label(channel_label(channel))
        fig.add_trace(
            go.Bar(
                x=part["date"],
                y=part["conversions"],
                name=name,
                marker_color=_colour(i),
                hovertemplate=f"{name}: %{{y:,.0f}} conversions<extra></extra>",
            )
        )
    fig = style_figure(fig, title, "Conversions", x_title=X_DAYS, show_legend=True)
    fig.update_layout(barmode="stack")
    return fig


def _variation_names(variations: pd.DataFrame) -> list[str]:
    return [
        f"{safe_label(v)} ({safe_label(channel_label(c))})"
        if variations["channel"].nunique() > 1
        else safe_label(v)
        for v, c in zip(variations["variation_name"], variations["channel"], strict=True)
    ]


def variation_figure(variations: pd.DataFrame) -> go.Figure:
    """Conversion rate per variation (control in grey) with recipients and conversions on
    hover; conversions per variation when Braze reported no unique recipients per variation
    (they are optional there), since a rate would need them."""
    title = "Conversion rate (A) by variation"
    if variations.empty:
        return empty_figure(title, "No variation sent anything in this date range")
    control = variations["is_control"].fillna(False).astype(bool).tolist()
    colours = [CONTROL_COLOUR if is_ctrl else _colour(i) for i, is_ctrl in enumerate(control)]
    names = _variation_names(variations)
    if not _has(variations, "conversion_rate"):
        if not _has(variations, "conversions"):
            return empty_figure(title, "No variation has conversions or recipients in this range")
        counts = pd.to_numeric(variations["conversions"], errors="coerce").astype("float64")
        fig = go.Figure(
            go.Bar(
                x=names,
                y=counts,
                marker_color=colours,
                text=[f"{c:,.0f}" if pd.notna(c) else "" for c in counts],
                textposition="outside",
                hovertemplate="%{x}<br>%{y:,.0f} conversions (A)<extra></extra>",
            )
        )
        fig = style_figure(
            fig,
            "Conversions (A) by variation (Braze sent no unique recipients per variation, "
            "so no rate)",
            "Conversions (A)",
            x_title="Variation",
            y_tickformat=",",
        )
        fig.update_layout(hovermode="closest")
        return fig
    rates = pd.to_numeric(variations["conversion_rate"], errors="coerce").astype("float64")
    fig = go.Figure(
        go.Bar(
            x=names,
            y=rates,
            marker_color=colours,
            text=[format_rate(r) if pd.notna(r) else "" for r in rates],
            textposition="outside",
            customdata=variations[["unique_recipients", "conversions"]].astype("float64"),
            hovertemplate=(
                "%{x}<br>%{y:"
                + PERCENT_HOVER
                + "} conversion rate<br>%{customdata[0]:,.0f} daily unique "
                "recipients, summed<br>%{customdata[1]:,.0f} conversions<extra></extra>"
            ),
        )
    )
    fig = style_figure(
        fig,
        title,
        "Conversion rate (%)",
        x_title="Variation",
        y_tickformat=percent_tickformat(rates),
    )
    fig.update_layout(hovermode="closest")
    return fig


def funnel_figure(stages: pd.DataFrame) -> go.Figure:
    """The campaign's funnel: each stage's count with the rate the cards show for it
    (delivery, open, click, conversion rate from ``dashboard.metrics``), never a share of
    the first stage, whose denominator would differ from the cards'."""
    title = "Funnel over the date range"
    if stages.empty or not (stages["count"].fillna(0) > 0).any():
        return empty_figure(title, NO_DATA)
    labels = []  # the rate sits under the stage name, where a short bar leaves it room
    for stage, rate, name in zip(stages["stage"], stages["rate"], stages["rate_name"], strict=True):
        label = safe_label(stage)
        if name is not None and not pd.isna(name):
            label += f"<br>{format_rate(None if pd.isna(rate) else float(rate))} {name}"
        labels.append(label)
    fig = go.Figure(
        go.Funnel(
            y=labels,
            x=stages["count"],
            textinfo="value",
            texttemplate="%{value:,.0f}",
            marker={"color": [_colour(i) for i in range(len(stages))]},
            hovertemplate="%{y}: %{x:,.0f}<extra></extra>",
        )
    )
    fig = style_figure(fig, title, "Stage", x_title="Messages / users")
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(tickformat="")
    return fig


def conversion_timing_figure(timing: pd.DataFrame, field: str = "conversions") -> go.Figure:
    """Conversions of one event (``conversions`` = A, ``conversions1`` = B, ...) counted on the
    day they happened vs on the day the message was sent."""
    letter = {"conversions": "A", "conversions1": "B", "conversions2": "C", "conversions3": "D"}
    title = f"Conversions ({letter.get(field, field)}): by conversion time vs by send time"
    by_send = f"{field}_by_send_time"
    if timing.empty or not (_has(timing, field) or _has(timing, by_send)):
        return empty_figure(title, "No conversions in this date range")
    fig = go.Figure()
    for i, (column, name) in enumerate(((field, "By conversion time"), (by_send, "By send time"))):
        fig.add_trace(
            go.Scatter(
                x=timing["date"],
                y=timing[column],
                name=name,
                mode="lines",
                line={"color": _colour(i), "width": 2, "dash": "solid" if i == 0 else "dash"},
                hovertemplate=f"{name}: %{{y:,.0f}}<extra></extra>",
            )
        )
    return style_figure(fig, title, "Conversions", x_title=X_DAYS, show_legend=True)


def revenue_figure(timing: pd.DataFrame, currency: Currency = USD) -> go.Figure:
    """Revenue attributed to the campaign per day, in the workspace ``currency``."""
    title = f"{CAMPAIGN_REVENUE.label} per day"
    if (
        timing.empty
        or "revenue" not in timing
        or not (pd.to_numeric(timing["revenue"], errors="coerce") > 0).any()
    ):
        return empty_figure(title, "No revenue in this date range")
    fig = go.Figure(
        go.Bar(
            x=timing["date"],
            y=timing["revenue"],
            marker_color=PALETTE[2],
            hovertemplate=f"%{{x|%d %b %Y}}: {money_hover(currency)}<extra></extra>",
        )
    )
    fig = style_figure(fig, title, money_title("Revenue", currency), x_title=X_DAYS)
    fig.update_yaxes(**money_axis(currency, timing["revenue"]))
    return fig


def top_campaigns_figure(leaderboard: pd.DataFrame, metric: str, metric_label: str) -> go.Figure:
    """The ten campaigns with the highest ``metric``, largest at the top."""
    lowered = metric_label[:1].lower() + metric_label[1:]  # "Conversions (A)" keeps its "A"
    title = f"Top campaigns by {lowered}"
    values = pd.to_numeric(leaderboard[metric], errors="coerce") if metric in leaderboard else None
    if leaderboard.empty or values is None or not (values.fillna(0) > 0).any():
        return empty_figure(title, NO_DATA)
    top = leaderboard.assign(_v=values.astype("float64")).nlargest(10, "_v").iloc[::-1]
    names = [safe_label(n, 40) for n in top["name"]]
    fig = go.Figure(
        go.Bar(
            x=top["_v"],
            y=names,
            orientation="h",
            marker_color=PALETTE[0],
            hovertemplate=f"%{{y}}: %{{x:,.0f}} {lowered}<extra></extra>",
        )
    )
    fig = style_figure(
        fig, title, "Campaign", x_title=metric_label, height=max(240, 34 * len(top) + 80)
    )
    fig.update_layout(hovermode="closest")
    fig.update_yaxes(tickformat="", rangemode="normal")
    fig.update_xaxes(tickformat=",")
    return fig
