"""Canvas charts: daily entries/conversions/revenue, variants, step channels, the journey map.

Pure builders (frame in, Vega-Lite spec out: see ``dashboard.charts.vega``). Braze text (Canvas,
variant and step names) travels as data values, never as markup or field names, so it shows
literally without escaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from braze_api.frames import channel_kind
from dashboard.charts import vega
from dashboard.charts.common import PALETTE
from dashboard.display import (
    MISSING,
    USD,
    Currency,
    channel_list_text,
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
PATH_LABEL_COLOR = "#64748B"  # path names on their edges: mid-tone, readable on both themes
ROW_HEIGHT = 64  # px per layer of the step graph
NEXT_STEP, LOOPS_BACK, VARIANT = "Next step", "Loops back", "Variant"
NODE_LEGEND_COLUMNS = 4
#: drawn under a path name: the light box plotly gave it, on either theme
PATH_LABEL_HALO = {"stroke": "rgba(255, 255, 255, 0.9)", "strokeWidth": 5, "strokeJoin": "round"}


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 1)].rstrip() + "…"


def _days(totals: pd.DataFrame) -> list[str]:
    return vega.utc_days(totals["time"])


def _numbers(values: Any) -> Any:
    return pd.to_numeric(pd.Series(values), errors="coerce").astype("float64").to_numpy()


def _money_texts(values: Any, currency: Currency) -> list[str]:
    return [money_text(v, currency) for v in _numbers(values)]


# ---- over time -------------------------------------------------------------------------


def entries_figure(totals: pd.DataFrame) -> vega.Spec:
    title = "Entries per day"
    if totals.empty:
        return vega.empty_chart(title, "No entries in this range")
    main = pd.DataFrame({"day": _days(totals), "value": _numbers(totals["entries"])})
    layer = {
        "mark": {"type": "bar", "color": PALETTE[0]},
        "encoding": {
            "x": vega.x_days(DAY_AXIS),
            "y": vega.y_quantity("Entries (users)"),
            "tooltip": [vega.day_tip(), vega.number_tip("value", "Entries")],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main})


BY_CONVERSION, BY_ENTRY = "By conversion time", "By entry time"


def conversions_figure(totals: pd.DataFrame) -> vega.Spec:
    """Conversions on the day they happened vs credited to the day the user entered."""
    title = "Conversions per day"
    if totals.empty:
        return vega.empty_chart(title, "No conversions in this range")
    days = _days(totals)
    by_conversion = _numbers(totals["conversions"])
    by_entry = _numbers(totals["conversions_by_entry_time"])
    n = len(days)
    # long rows (one per day and series), each carrying both values for its tooltip
    main = pd.DataFrame(
        {
            "day": days * 2,
            "series": [BY_CONVERSION] * n + [BY_ENTRY] * n,
            "value": [*by_conversion, *by_entry],
            "by_conversion": [*by_conversion, *by_conversion],
            "by_entry": [*by_entry, *by_entry],
        }
    )
    names = [BY_CONVERSION, BY_ENTRY]
    colour = vega.colour_by("series", names, [PALETTE[2], PALETTE[1]])
    colour["legend"] = {"orient": "top", "symbolType": "stroke", "symbolStrokeWidth": 2}
    x, y = vega.x_days(DAY_AXIS), vega.y_quantity("Conversions")
    tips = [
        vega.day_tip(),
        vega.number_tip("by_conversion", BY_CONVERSION),
        vega.number_tip("by_entry", BY_ENTRY),
    ]
    lines = {
        "mark": {"type": "line", "strokeWidth": 2},
        "encoding": {
            "x": x,
            "y": y,
            "color": colour,
            "strokeDash": {
                "field": "series",
                "type": "nominal",
                "scale": {"domain": names, "range": [[1, 0], [2, 3]]},
                "legend": None,
            },
        },
    }
    # markers on the conversion-time line; invisible hover targets on the other (same tooltip)
    points = [
        {
            "transform": [{"filter": {"field": "series", "equal": name}}],
            "mark": {"type": "point", "filled": True, "size": 22, "opacity": opacity},
            "encoding": {"x": x, "y": y, "color": colour, "tooltip": tips},
        }
        for name, opacity in ((BY_CONVERSION, 1), (BY_ENTRY, 0))
    ]
    return vega.chart(title, [lines, *points], {vega.MAIN: main}, height=vega.HEIGHT + 24)


def revenue_figure(totals: pd.DataFrame, currency: Currency = USD) -> vega.Spec:
    title = f"{CANVAS_REVENUE.label} per day"
    if totals.empty:
        return vega.empty_chart(title, "No revenue in this range")
    revenue = _numbers(totals["revenue"])
    main = pd.DataFrame(
        {"day": _days(totals), "value": revenue, "amount": _money_texts(revenue, currency)}
    )
    layer = {
        "mark": {
            "type": "area",
            "color": PALETTE[3],
            "opacity": 0.35,
            "line": {"color": PALETTE[3], "strokeWidth": 2},
        },
        "encoding": {
            "x": vega.x_days(DAY_AXIS),
            "y": vega.money_y(money_title("Revenue", currency), currency, revenue),
            "tooltip": [vega.day_tip(), vega.text_tip("amount", "Revenue")],
        },
    }
    points = {  # an invisible hover target per day: an area's tooltip is its first day's
        "mark": {"type": "point", "opacity": 0, "size": 120},
        "encoding": {
            "x": vega.x_days(DAY_AXIS),
            "y": {"field": "value", "type": "quantitative"},
            "tooltip": [vega.day_tip(), vega.text_tip("amount", "Revenue")],
        },
    }
    return vega.chart(title, [layer, points], {vega.MAIN: main})


# ---- variants --------------------------------------------------------------------------

NO_VARIANT_STATS = "This Canvas reported no variant stats for the range"
PANEL_HEIGHT_PER_VARIANT = 30


def _unique_labels(names: Sequence[Any], ids: Sequence[Any]) -> list[str]:
    """Variant names as shown; a name two variants share gets its variant id added."""
    texts = [
        str(n) if isinstance(n, str) and n else str(i) for n, i in zip(names, ids, strict=True)
    ]
    seen = pd.Series(texts).duplicated(keep=False).tolist()
    return [f"{t} ({i})" if twice else t for t, i, twice in zip(texts, ids, seen, strict=True)]


def variant_comparison_figure(variant_totals: pd.DataFrame, currency: Currency = USD) -> vega.Spec:
    """Entries, conversions and revenue for each variant over the range, one panel each."""
    title = "Variants compared over the range"
    if variant_totals.empty:
        return vega.empty_chart(title, NO_VARIANT_STATS)
    names = _unique_labels(list(variant_totals["variant_name"]), list(variant_totals["variant_id"]))
    revenue = _numbers(variant_totals["revenue"])
    main = pd.DataFrame(
        {
            "variant": names,
            "entries": _numbers(variant_totals["entries"]),
            "conversions": _numbers(variant_totals["conversions"]),
            "revenue": revenue,
            "amount": _money_texts(revenue, currency),
        }
    )
    colour = vega.colour_by("variant", names, legend=False)
    y = {"field": "variant", "type": "nominal", "title": "Variant", "sort": names}
    panels: list[vega.Spec] = []
    for field, label in (("entries", "Entries"), ("conversions", "Conversions")):
        x = vega.y_quantity(label, field)  # the same quantitative axis, drawn across
        tip = vega.number_tip(field, label)
        panels.append(_variant_panel(x, y, colour, tip, len(names)))
    money = vega.money_y(money_title("Revenue", currency), currency, _numbers(revenue), "revenue")
    panels.append(_variant_panel(money, y, colour, vega.text_tip("amount", "Revenue"), len(names)))
    return {
        "title": {"text": title, "anchor": "start"},
        "datasets": {vega.MAIN: main},
        "data": {"name": vega.MAIN},
        "vconcat": panels,
        "spacing": 18,
        "config": vega.CONFIG,
    }


def _variant_panel(
    x: vega.Spec, y: vega.Spec, colour: vega.Spec, tip: vega.Spec, count: int
) -> vega.Spec:
    return {
        "height": max(60, PANEL_HEIGHT_PER_VARIANT * count),
        "mark": {"type": "bar"},
        "encoding": {
            "x": x,
            "y": y,
            "color": colour,
            "tooltip": [vega.text_tip("variant", "Variant"), tip],
        },
    }


def variant_trend_figure(variants: pd.DataFrame) -> vega.Spec:
    """Daily entries per variant, to see whether the split stayed even."""
    title = "Entries per day by variant"
    if variants.empty:
        return vega.empty_chart(title, NO_VARIANT_STATS)
    ids, names = [], []
    for variant_id, part in variants.groupby("variant_id", sort=False):
        name = part["variant_name"].dropna()
        ids.append(variant_id)
        names.append(name.iloc[-1] if len(name) else variant_id)
    labels = dict(zip(ids, _unique_labels(names, ids), strict=True))
    main = pd.DataFrame(
        {
            "day": _days(variants),
            "variant": [labels[v] for v in variants["variant_id"]],
            "value": _numbers(variants["entries"]),
        }
    )
    order = list(labels.values())
    layer = {
        "mark": {"type": "line", "strokeWidth": 2, "point": {"size": 18, "filled": True}},
        "encoding": {
            "x": vega.x_days(DAY_AXIS),
            "y": vega.y_quantity("Entries (users)"),
            "color": vega.colour_by("variant", order),
            "tooltip": [
                vega.day_tip(),
                vega.text_tip("variant", "Variant"),
                vega.number_tip("value", "Entries"),
            ],
        },
    }
    return vega.chart(title, [layer], {vega.MAIN: main}, height=vega.HEIGHT + 24)


# ---- steps -----------------------------------------------------------------------------

STEP_STATS = ("sent", "delivered", "opens", "clicks")


def step_channel_figure(table: pd.DataFrame, limit: int = 20) -> vega.Spec:
    """Sent / delivered / opens / clicks per step and channel (the ``limit`` busiest rows)."""
    title = "Message stats by step and channel"
    if table.empty:
        return vega.empty_chart(title, "No step message stats for this range")
    work = table.copy()
    work["_sent"] = pd.to_numeric(work["sent"], errors="coerce").fillna(0)
    if len(work) > limit:
        work = work.nlargest(limit, "_sent", keep="first")
        title = f"{title} (top {limit} by messages sent)"
    labels = [
        f"{truncate(str(step), 32)} · {KIND_LABELS.get(kind, kind)}"
        for step, kind in zip(work["step_name"].fillna(work["step_id"]), work["kind"], strict=True)
    ]
    stats = [metric.capitalize() for metric in STEP_STATS]
    main = pd.DataFrame(
        {
            "row": [label for label in labels for _ in STEP_STATS],
            "stat": stats * len(labels),
            "value": [
                value
                for values in zip(*(_numbers(work[m]) for m in STEP_STATS), strict=True)
                for value in values
            ],
        }
    )
    rows = list(dict.fromkeys(labels))  # the table's order, top to bottom
    layer = {
        "mark": {"type": "bar"},
        "encoding": {
            "y": {
                "field": "row",
                "type": "nominal",
                "title": "Step · channel",
                "sort": rows,
                "axis": {"labelLimit": 320},
            },
            "yOffset": {"field": "stat", "type": "nominal", "sort": stats},
            "x": {**vega.y_quantity("Messages"), "axis": {"format": ",~f", "grid": True}},
            "color": vega.colour_by("stat", stats, PALETTE[: len(stats)]),
            "tooltip": [
                vega.text_tip("row", "Step · channel"),
                vega.text_tip("stat", "Stat"),
                vega.number_tip("value", "Messages"),
            ],
        },
    }
    height = max(240, 34 * len(rows))
    return vega.chart(title, [layer], {vega.MAIN: main}, height=height)


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
    """x/y points of one edge: straight between adjacent rows, bowed when skipping rows.

    An edge within one row (a loop back to a sibling) arcs above the row and comes down onto
    its target from above, so it crosses neither node's label (labels sit beside the nodes).
    """
    (r1, x1), (r2, x2) = a, b
    if r2 - r1 == 1:
        return [x1, x2, None], [r1, r2, None]
    span = abs(r2 - r1)
    cx, cy = (x1 + x2) / 2 + bend * (0.35 + 0.1 * span), (r1 + r2) / 2
    if r1 == r2:
        cx, cy = x2 + (0.15 if x2 >= x1 else -0.15), r1 - 1.0
    xs, ys = [], []
    for k in range(13):
        t = k / 12
        xs.append((1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t**2 * x2)
        ys.append((1 - t) ** 2 * r1 + 2 * (1 - t) * t * cy + t**2 * r2)
    return [*xs, None], [*ys, None]


def _step_kind(channels: Sequence[str]) -> str:
    return channel_kind(channels[0]) if channels else "none"


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value else MISSING


def _edges(
    steps: pd.DataFrame, variants: pd.DataFrame, positions: dict[str, tuple[int, float]]
) -> tuple[list[tuple[str, str]], dict[tuple[str, str], str]]:
    """Every drawn (source, target) pair, and the path names of decision/audience splits."""
    known = {f"step:{s}" for s in steps["step_id"]}
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
    drawn = [(s, t) for s, t in edges if s in positions and t in known]
    return drawn, path_names


def step_graph_figure(
    steps: pd.DataFrame,
    variants: pd.DataFrame,
    stats: pd.DataFrame | None = None,
    currency: Currency = USD,
) -> vega.Spec:
    """The journey as a layered graph, read top to bottom: variants, then steps by depth.

    ``steps``/``variants`` are ``canvas_steps_frame`` / ``canvas_variants_frame``; ``stats``
    (optional, ``step_table``) adds each step's recipients, conversions and revenue to its
    tooltip. Height grows with the number of layers so 50+ steps stay legible; long names are
    truncated on the chart and shown in full in the tooltip. A diagram: its x and y are
    positions, not quantities, so it has no axes.
    """
    title = "Journey map"
    if steps.empty:
        return vega.empty_chart(title, "This Canvas has no steps yet")
    positions = _layers(steps, variants)
    rows = max(r for r, _ in positions.values()) + 1
    widest = max(sum(1 for r, _ in positions.values() if r == row) for row in range(rows))
    beside = widest <= 3  # few nodes a row: labels right of their node, else below it
    label_chars = 30 if beside else max(10, 96 // widest)
    by_id = stats.set_index("step_id") if stats is not None and not stats.empty else None

    edges, path_names = _edges(steps, variants, positions)
    edge_rows: list[dict[str, Any]] = []
    path_rows: list[dict[str, Any]] = []
    for n, (source, target) in enumerate(edges):
        a, b = positions[source], positions[target]
        back = b[0] <= a[0]
        # a loop back bows left, away from the labels on the right of the nodes
        bend = -1 if back and beside else (1 if n % 2 else -1)
        xs, ys = _edge_points(a, b, bend)
        link = LOOPS_BACK if back else NEXT_STEP
        for k, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if x is not None:
                edge_rows.append({"edge": n, "order": k, "x": x, "y": y, "link": link})
        branch = path_names.get((source, target))
        if branch:  # a decision split's Yes/No, an audience or experiment path's name
            middle = len(xs) // 2 if len(xs) > 3 else 0
            at = (xs[middle], ys[middle]) if middle else ((a[1] + b[1]) / 2, (a[0] + b[0]) / 2)
            path_rows.append({"x": at[0], "y": at[1], "label": truncate(branch, 18)})

    variant_rows = []
    for v_id, v_name, firsts, count in zip(
        variants["variant_id"],
        variants["variant_name"],
        variants["first_step_names"],
        variants["step_count"],
        strict=True,
    ):
        row, x = positions[f"variant:{v_id}"]
        variant_rows.append(
            {
                "x": x,
                "y": row,
                "group": VARIANT,
                "label": truncate(str(v_name), label_chars),
                "name": str(v_name),
                "first_step": ", ".join(map(str, firsts)) or MISSING,
                "reachable": _count(count),
            }
        )

    step_rows = []
    kinds_seen: set[str] = set()
    for record in steps.to_dict("records"):
        row, x = positions[f"step:{record['step_id']}"]
        kind = _step_kind(record["channels"])
        kinds_seen.add(kind)
        name = record["step_name"] if isinstance(record["step_name"], str) else record["step_id"]
        step_type = record.get("type")
        channels = channel_list_text(record["channels_text"] or "")
        paths = record.get("next_paths_text")
        depth = record["depth"]
        item = {
            "x": x,
            "y": row,
            "group": KIND_LABELS[kind],
            "label": truncate(str(name), label_chars),
            "name": str(name),
            "type": step_type_label(step_type)
            if isinstance(step_type, str) and step_type
            else MISSING,
            "channels": "none (delay or split)" if channels == MISSING else channels,
            "paths": truncate(paths, 120) if isinstance(paths, str) and paths else MISSING,
            "depth": "not reachable from a variant" if pd.isna(depth) else str(int(depth) + 1),
            "variants": _text(record["variants_text"]),
        }
        if by_id is not None:
            s = by_id.loc[record["step_id"]] if record["step_id"] in by_id.index else {}
            item["recipients"] = _count(s.get("unique_recipients"))
            item["conversions"] = _count(s.get("conversions"))
            item["revenue"] = money_text(s.get("revenue"), currency)
        step_rows.append(item)

    groups = [VARIANT] + [KIND_LABELS[k] for k in KIND_LABELS if k in kinds_seen]
    colours = [VARIANT_COLOR] + [KIND_COLORS[k] for k in KIND_LABELS if k in kinds_seen]
    shapes = ["square"] + [
        "diamond" if k == "none" else "circle" for k in KIND_LABELS if k in kinds_seen
    ]
    colour = vega.colour_by("group", groups, colours)
    # beside the two-row legend of the lines, in columns that fit a 1280-px screen
    colour["title"] = None
    colour["legend"] = {"orient": "top", "columns": NODE_LEGEND_COLUMNS}
    shape = {
        "field": "group",
        "type": "nominal",
        "title": colour["title"],  # the same title and domain: one legend for both
        "scale": {"domain": groups, "range": shapes},
        "sort": groups,
        "legend": colour["legend"],
    }
    span = max(abs(x) for _, x in positions.values()) + 1.4
    x_pos: vega.Spec = {
        "field": "x",
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": [-span, span + (1.6 if beside else 0)], "nice": False, "zero": False},
    }
    y_pos: vega.Spec = {
        "field": "y",
        "type": "quantitative",
        "axis": None,
        "scale": {"domain": [-0.7, rows - 0.4], "reverse": True, "nice": False, "zero": False},
    }
    links = [NEXT_STEP] + ([LOOPS_BACK] if any(r["link"] == LOOPS_BACK for r in edge_rows) else [])
    layers: list[vega.Spec] = [
        {
            "data": {"name": "edges"},
            "mark": {"type": "line", "color": EDGE_COLOR, "strokeWidth": 1.3},
            "encoding": {
                "x": x_pos,
                "y": y_pos,
                "detail": {"field": "edge", "type": "nominal"},
                "order": {"field": "order", "type": "quantitative"},
                "strokeDash": {
                    "field": "link",
                    "type": "nominal",
                    "title": None,
                    "scale": {"domain": links, "range": [[1, 0], [2, 3]][: len(links)]},
                    "legend": {"orient": "top", "columns": 1, "symbolStrokeColor": "#94A3B8"},
                },
            },
        },
        *(  # path names on a light box (a halo), so the edge they sit on never hides them
            {
                "data": {"name": "paths"},
                "mark": {"type": "text", "fontSize": 11, "color": PATH_LABEL_COLOR} | halo,
                "encoding": {
                    "x": x_pos,
                    "y": y_pos,
                    "text": {"field": "label", "type": "nominal"},
                },
            }
            for halo in (PATH_LABEL_HALO, {})
        ),
        {
            "data": {"name": "variants"},
            "mark": {"type": "point", "filled": True, "size": 250, "opacity": 1},
            "encoding": {
                "x": x_pos,
                "y": y_pos,
                "color": colour,
                "shape": shape,
                "tooltip": [
                    vega.text_tip("name", "Variant"),
                    vega.text_tip("first_step", "First step"),
                    vega.text_tip("reachable", "Steps reachable"),
                ],
            },
        },
        {
            "data": {"name": "variants"},
            "mark": {"type": "text", "fontSize": 11, "dy": -14, "baseline": "bottom"},
            "encoding": {"x": x_pos, "y": y_pos, "text": {"field": "label", "type": "nominal"}},
        },
        {
            "mark": {
                "type": "point",
                "filled": True,
                "size": 150,
                "opacity": 1,
                "stroke": "rgba(255, 255, 255, 0.8)",
                "strokeWidth": 1,
            },
            "encoding": {
                "x": x_pos,
                "y": y_pos,
                "color": colour,
                "shape": shape,
                "tooltip": [
                    vega.text_tip("name", "Step"),
                    vega.text_tip("type", "Type"),
                    vega.text_tip("channels", "Channels"),
                    vega.text_tip("paths", "Paths"),
                    vega.text_tip("depth", "Step depth"),
                    vega.text_tip("variants", "Variants"),
                    *(
                        [
                            vega.text_tip("recipients", "Recipients"),
                            vega.text_tip("conversions", "Conversions"),
                            vega.text_tip("revenue", "Revenue"),
                        ]
                        if by_id is not None
                        else []
                    ),
                ],
            },
        },
        {
            "mark": {"type": "text", "fontSize": 11}
            | ({"align": "left", "dx": 11} if beside else {"baseline": "top", "dy": 10}),
            "encoding": {"x": x_pos, "y": y_pos, "text": {"field": "label", "type": "nominal"}},
        },
    ]
    datasets = {
        vega.MAIN: pd.DataFrame.from_records(step_rows),
        "variants": _records(variant_rows, ["x", "y", "group", "label", "name"]),
        "edges": _records(edge_rows, ["edge", "order", "x", "y", "link"]),
        "paths": _records(path_rows, ["x", "y", "label"]),
    }
    return vega.chart(
        f"{title} · {len(steps)} steps, read top to bottom",
        layers,
        datasets,
        # the height holds the title and legends too (Streamlit fits the chart into it)
        height=max(320, 160 + ROW_HEIGHT * rows),
        description=f"{title}: {len(steps)} steps in {rows} rows",
    )


def _records(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows as a frame that keeps its columns even when there are none."""
    return pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=columns)


def step_type_label(step_type: str) -> str:
    """Braze's step type as a name: ``decision_split`` → "Decision split"."""
    words = str(step_type).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "Step"


def _count(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{float(value):,.0f}"
