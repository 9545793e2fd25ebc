"""Canvas figures: daily entries/conversions/revenue, variants, step channels, the step graph.

Pure builders (frame in, figure out). Every label that came from Braze is HTML-escaped,
because plotly renders a subset of HTML in titles, ticks, legends and hover text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from braze_api.frames import channel_kind
from dashboard.charts.common import PALETTE, empty_figure, safe_label, style_figure
from dashboard.display import (
    MISSING,
    USD,
    Currency,
    channel_list_text,
    money_axis,
    money_hover,
    money_text,
    money_title,
)
from dashboard.metrics import CANVAS_REVENUE

DAY_AXIS = "Day (UTC)"
KIND_LABELS: Mapping[str, str] = {
    "email": "Email",
    "push": "Push",
    "in_app": "In-app message",
    "sms": "SMS",
    "webhook": "Webhook",
    "content_cards": "Content Card",
    "whats_app": "WhatsApp",
    "other": "Other channel",
    "none": "Delay / split (no message)",
}
KIND_COLORS: Mapping[str, str] = {
    "email": PALETTE[0],
    "push": PALETTE[2],
    "in_app": PALETTE[3],
    "sms": PALETTE[5],
    "webhook": PALETTE[4],
    "content_cards": PALETTE[6],
    "whats_app": PALETTE[7],
    "other": "#64748B",
    "none": "#94A3B8",
}
VARIANT_COLOR = PALETTE[1]
EDGE_COLOR = "rgba(128, 128, 128, 0.55)"
ROW_HEIGHT = 64  # px per layer of the step graph


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _days(totals: pd.DataFrame) -> pd.Series:
    return totals["time"].dt.tz_convert("UTC").dt.tz_localize(None)


# ---- over time -------------------------------------------------------------------------


def entries_figure(totals: pd.DataFrame) -> go.Figure:
    title = "Entries per day"
    if totals.empty:
        return empty_figure(title, "No entries in this range")
    fig = go.Figure(
        go.Bar(
            x=_days(totals),
            y=totals["entries"],
            name="Entries",
            marker_color=PALETTE[0],
            hovertemplate="%{x|%d %b %Y}: %{y:,} entries<extra></extra>",
        )
    )
    return style_figure(fig, title, "Entries (users)", x_title=DAY_AXIS)


def conversions_figure(totals: pd.DataFrame) -> go.Figure:
    """Conversions on the day they happened vs credited to the day the user entered."""
    title = "Conversions per day"
    if totals.empty:
        return empty_figure(title, "No conversions in this range")
    days = _days(totals)
    fig = go.Figure()
    fig.add_scatter(
        x=days,
        y=totals["conversions"],
        name="By conversion time",
        mode="lines+markers",
        line={"color": PALETTE[2], "width": 2},
        marker={"size": 4},
        hovertemplate="%{y:,}",
    )
    fig.add_scatter(
        x=days,
        y=totals["conversions_by_entry_time"],
        name="By entry time",
        mode="lines",
        line={"color": PALETTE[1], "width": 2, "dash": "dot"},
        hovertemplate="%{y:,}",
    )
    return style_figure(fig, title, "Conversions", x_title=DAY_AXIS, show_legend=True)


def revenue_figure(totals: pd.DataFrame, currency: Currency = USD) -> go.Figure:
    title = f"{CANVAS_REVENUE.label} per day"
    if totals.empty:
        return empty_figure(title, "No revenue in this range")
    fig = go.Figure(
        go.Scatter(
            x=_days(totals),
            y=totals["revenue"],
            name="Revenue",
            mode="lines",
            fill="tozeroy",
            line={"color": PALETTE[3], "width": 2},
            hovertemplate=f"%{{x|%d %b %Y}}: {money_hover(currency)}<extra></extra>",
        )
    )
    fig = style_figure(fig, title, money_title("Revenue", currency), x_title=DAY_AXIS)
    return fig.update_yaxes(**money_axis(currency, totals["revenue"]))


# ---- variants --------------------------------------------------------------------------


def variant_comparison_figure(variant_totals: pd.DataFrame, currency: Currency = USD) -> go.Figure:
    """Entries, conversions and revenue side by side for each variant over the range."""
    title = "Variants compared over the range"
    if variant_totals.empty:
        return empty_figure(title, "This Canvas reported no variant stats for the range")
    names = [safe_label(n) for n in variant_totals["variant_name"]]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    panels = (
        ("entries", "Entries", "%{y:,}"),
        ("conversions", "Conversions", "%{y:,}"),
        ("revenue", money_title("Revenue", currency), money_hover(currency)),
    )
    fig = make_subplots(rows=1, cols=3)
    for col, (metric, label, fmt) in enumerate(panels, start=1):
        fig.add_bar(
            x=names,
            y=variant_totals[metric].astype("float64"),
            marker_color=colors,
            name=label,
            hovertemplate=f"%{{x}}: {fmt}<extra>{label}</extra>",
            row=1,
            col=col,
        )
    style_figure(fig, title, "", x_title="Variant", height=340)
    fig.update_layout(hovermode="closest", margin={"t": 72})
    fig.update_yaxes(tickformat=",")
    for col, (_, label, _) in enumerate(panels, start=1):
        fig.update_yaxes(title_text=label, row=1, col=col)
    fig.update_yaxes(**money_axis(currency, variant_totals["revenue"]), row=1, col=3)
    return fig


def variant_trend_figure(variants: pd.DataFrame) -> go.Figure:
    """Daily entries per variant, to see whether the split stayed even."""
    title = "Entries per day by variant"
    if variants.empty:
        return empty_figure(title, "This Canvas reported no variant stats for the range")
    fig = go.Figure()
    for i, (variant_id, part) in enumerate(variants.groupby("variant_id", sort=False)):
        name = part["variant_name"].dropna()
        label = safe_label(name.iloc[-1] if len(name) else variant_id)
        fig.add_scatter(
            x=_days(part),
            y=part["entries"],
            name=label,
            mode="lines",
            line={"color": PALETTE[i % len(PALETTE)], "width": 2},
            hovertemplate="%{y:,}",
        )
    return style_figure(fig, title, "Entries (users)", x_title=DAY_AXIS, show_legend=True)


# ---- steps -----------------------------------------------------------------------------


def step_channel_figure(table: pd.DataFrame, limit: int = 20) -> go.Figure:
    """Sent / delivered / opens / clicks per step and channel (the ``limit`` busiest rows)."""
    title = "Message stats by step and channel"
    if table.empty:
        return empty_figure(title, "No step message stats for this range")
    work = table.copy()
    work["_sent"] = pd.to_numeric(work["sent"], errors="coerce").fillna(0)
    if len(work) > limit:
        work = work.nlargest(limit, "_sent", keep="first")
        title = f"{title} (top {limit} by messages sent)"
    labels = [
        safe_label(f"{truncate(str(step), 32)} · {KIND_LABELS.get(kind, kind)}")
        for step, kind in zip(work["step_name"].fillna(work["step_id"]), work["kind"], strict=True)
    ]
    fig = go.Figure()
    for i, metric in enumerate(("sent", "delivered", "opens", "clicks")):
        fig.add_bar(
            y=labels,
            x=pd.to_numeric(work[metric], errors="coerce").astype("float64"),
            name=metric.capitalize(),
            orientation="h",
            marker_color=PALETTE[i],
            hovertemplate=f"%{{y}}<br>{metric}: %{{x:,}}<extra></extra>",
        )
    height = max(320, 120 + 34 * len(labels))
    style_figure(fig, title, "", x_title="Messages", height=height, show_legend=True)
    fig.update_layout(barmode="group", hovermode="closest")
    fig.update_yaxes(
        autorange="reversed", title_text="Step · channel", tickformat=None, gridcolor=None
    )
    fig.update_xaxes(tickformat=",", showgrid=True, gridcolor="rgba(128,128,128,0.2)")
    return fig


# ---- step graph ------------------------------------------------------------------------


def _layers(steps: pd.DataFrame, variants: pd.DataFrame) -> dict[str, tuple[int, float]]:
    """Node id → (row, x): variants on row 0, steps on row depth + 1, unreachable last."""
    rows: dict[int, list[str]] = {0: [f"variant:{v}" for v in variants["variant_id"]]}
    depths = pd.to_numeric(steps["depth"], errors="coerce")
    deepest = int(depths.max()) if depths.notna().any() else -1
    for step_id, depth in zip(steps["step_id"], depths, strict=True):
        row = deepest + 2 if pd.isna(depth) else int(depth) + 1
        rows.setdefault(row, []).append(f"step:{step_id}")
    positions: dict[str, tuple[int, float]] = {}
    for row, nodes in rows.items():
        for i, node in enumerate(nodes):
            positions[node] = (row, i - (len(nodes) - 1) / 2)
    return positions


def _edge_points(
    a: tuple[int, float], b: tuple[int, float], bend: float
) -> tuple[list[Any], list[Any]]:
    """x/y points of one edge: straight between adjacent rows, bowed when skipping rows."""
    (r1, x1), (r2, x2) = a, b
    if r2 - r1 == 1:
        return [x1, x2, None], [r1, r2, None]
    span = abs(r2 - r1)
    cx, cy = (x1 + x2) / 2 + bend * (0.35 + 0.1 * span), (r1 + r2) / 2
    xs, ys = [], []
    for k in range(13):
        t = k / 12
        xs.append((1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2)
        ys.append((1 - t) ** 2 * r1 + 2 * (1 - t) * t * cy + t**2 * r2)
    return [*xs, None], [*ys, None]


def _step_kind(channels: Sequence[str]) -> str:
    return channel_kind(channels[0]) if channels else "none"


def step_graph_figure(
    steps: pd.DataFrame,
    variants: pd.DataFrame,
    stats: pd.DataFrame | None = None,
    currency: Currency = USD,
) -> go.Figure:
    """The journey as a layered graph, read top to bottom: variants, then steps by depth.

    ``steps``/``variants`` are ``canvas_steps_frame`` / ``canvas_variants_frame``; ``stats``
    (optional, ``step_table``) adds each step's recipients, conversions and revenue to its
    hover. Height grows with the number of layers so 50+ steps stay legible; long names are
    truncated on the chart and shown in full on hover.
    """
    title = "Journey map"
    if steps.empty:
        return empty_figure(title, "This Canvas has no steps yet")
    positions = _layers(steps, variants)
    rows = max(r for r, _ in positions.values()) + 1
    widest = max(sum(1 for r, _ in positions.values() if r == row) for row in range(rows))
    label_chars = 30 if widest <= 3 else max(10, 96 // widest)
    known = {f"step:{s}" for s in steps["step_id"]}
    by_id = stats.set_index("step_id") if stats is not None and not stats.empty else None

    forward_x: list[Any] = []
    forward_y: list[Any] = []
    back_x: list[Any] = []
    back_y: list[Any] = []
    edges = [
        (f"variant:{v}", f"step:{s}")
        for v, firsts in zip(variants["variant_id"], variants["first_step_ids"], strict=True)
        for s in firsts
    ]
    edges += [
        (f"step:{s}", f"step:{t}")
        for s, nexts in zip(steps["step_id"], steps["next_step_ids"], strict=True)
        for t in nexts
    ]
    path_names: dict[tuple[str, str], str] = {}
    if "next_paths" in steps:
        for s, paths in zip(steps["step_id"], steps["next_paths"], strict=True):
            for path in paths if isinstance(paths, list) else []:
                if isinstance(path, dict) and path.get("name") and path.get("next_step_id"):
                    key = (f"step:{s}", f"step:{path['next_step_id']}")
                    path_names.setdefault(key, str(path["name"]))
    label_x: list[float] = []
    label_y: list[float] = []
    label_text: list[str] = []
    for n, (source, target) in enumerate(edges):
        if source not in positions or target not in known:
            continue
        a, b = positions[source], positions[target]
        xs, ys = _edge_points(a, b, 1 if n % 2 else -1)
        branch = path_names.get((source, target))
        if branch:  # a decision split's Yes/No, an audience or experiment path's name
            middle = len(xs) // 2 if len(xs) > 3 else 0
            if middle:
                label_x.append(xs[middle])
                label_y.append(ys[middle])
            else:
                label_x.append((a[1] + b[1]) / 2)
                label_y.append((a[0] + b[0]) / 2)
            label_text.append(safe_label(truncate(branch, 18)))
        if b[0] > a[0]:
            forward_x += xs
            forward_y += ys
        else:
            back_x += xs
            back_y += ys

    fig = go.Figure()
    fig.add_scatter(
        x=forward_x,
        y=forward_y,
        mode="lines",
        line={"color": EDGE_COLOR, "width": 1.3},
        hoverinfo="skip",
        name="Next step",
    )
    if back_x:
        fig.add_scatter(
            x=back_x,
            y=back_y,
            mode="lines",
            line={"color": EDGE_COLOR, "width": 1.3, "dash": "dot"},
            hoverinfo="skip",
            name="Loops back",
        )

    for x, y, text in zip(label_x, label_y, label_text, strict=True):
        fig.add_annotation(  # path names (Yes/No, group names) on their edges
            x=x,
            y=y,
            text=text,
            showarrow=False,
            font={"size": 11, "color": "#475569"},
            bgcolor="rgba(255,255,255,0.9)",
            borderpad=1,
        )

    vx, vy, vtext, vhover = [], [], [], []
    for v_id, v_name, firsts, count in zip(
        variants["variant_id"],
        variants["variant_name"],
        variants["first_step_names"],
        variants["step_count"],
        strict=True,
    ):
        row, x = positions[f"variant:{v_id}"]
        vx.append(x)
        vy.append(row)
        vtext.append(safe_label(truncate(str(v_name), label_chars)))
        vhover.append(
            f"<b>{safe_label(v_name)}</b><br>First step: {safe_label(', '.join(firsts) or '—')}"
            f"<br>Steps reachable: {count}"
        )
    fig.add_scatter(
        x=vx,
        y=vy,
        mode="markers+text",
        text=vtext,
        textposition="top center",
        marker={"symbol": "square", "size": 16, "color": VARIANT_COLOR},
        hovertext=vhover,
        hovertemplate="%{hovertext}<extra></extra>",
        name="Variant",
    )

    groups: dict[str, dict[str, list]] = {}
    for record in steps.to_dict("records"):
        row, x = positions[f"step:{record['step_id']}"]
        kind = _step_kind(record["channels"])
        name = record["step_name"] if isinstance(record["step_name"], str) else record["step_id"]
        hover = [f"<b>{safe_label(name)}</b>"]
        step_type = record.get("type")
        if isinstance(step_type, str) and step_type:
            hover.append(f"Type: {safe_label(step_type_label(step_type))}")
        channels = channel_list_text(record["channels_text"] or "")
        channels = "none (delay or split)" if channels == MISSING else channels
        hover.append(f"Channels: {safe_label(channels)}")
        paths = record.get("next_paths_text")
        if isinstance(paths, str) and paths:
            hover.append(f"Paths: {safe_label(truncate(paths, 120))}")
        depth = record["depth"]
        hover.append(
            "Not reachable from a variant" if pd.isna(depth) else f"Step depth: {int(depth) + 1}"
        )
        if record["variants_text"]:
            hover.append(f"Variants: {safe_label(record['variants_text'])}")
        if by_id is not None and record["step_id"] in by_id.index:
            s = by_id.loc[record["step_id"]]
            hover.append(f"Recipients: {_count(s.get('unique_recipients'))}")
            hover.append(f"Conversions: {_count(s.get('conversions'))}")
            hover.append(f"Revenue: {money_text(s.get('revenue'), currency)}")
        group = groups.setdefault(kind, {"x": [], "y": [], "text": [], "hover": []})
        group["x"].append(x)
        group["y"].append(row)
        group["text"].append(safe_label(truncate(str(name), label_chars)))
        group["hover"].append("<br>".join(hover))
    for kind in KIND_LABELS:
        if kind not in groups:
            continue
        g = groups[kind]
        fig.add_scatter(
            x=g["x"],
            y=g["y"],
            mode="markers+text",
            text=g["text"],
            textposition="middle right" if widest <= 3 else "bottom center",
            textfont={"size": 11},
            marker={
                "symbol": "diamond" if kind == "none" else "circle",
                "size": 13,
                "color": KIND_COLORS[kind],
                "line": {"width": 1, "color": "rgba(255,255,255,0.8)"},
            },
            hovertext=g["hover"],
            hovertemplate="%{hovertext}<extra></extra>",
            name=KIND_LABELS[kind],
        )

    span = max(abs(x) for _, x in positions.values()) + 1.4
    fig.update_layout(
        # the title at the very top, and room below it for a legend of up to three rows (it
        # wraps to three at 1280 px, where the title used to sit on its first row)
        title={
            "text": f"{title} · {len(steps)} steps, read top to bottom",
            "x": 0,
            "xanchor": "left",
            "yref": "container",
            "y": 1,
            "yanchor": "top",
            "pad": {"t": 8},
        },
        height=max(320, 160 + ROW_HEIGHT * rows),
        margin={"l": 8, "r": 8, "t": 130, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        hovermode="closest",
        showlegend=True,
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
    fig.update_xaxes(visible=False, range=[-span, span + (1.6 if widest <= 3 else 0)])
    fig.update_yaxes(visible=False, autorange=False, range=[rows - 0.4, -0.7])
    return fig


def step_type_label(step_type: str) -> str:
    """Braze's step type as a name: ``decision_split`` → "Decision split"."""
    words = str(step_type).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "Step"


def _count(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.0f}"
