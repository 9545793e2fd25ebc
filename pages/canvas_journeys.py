"""Canvases: a searchable leaderboard, then one Canvas's journey, variants and steps.

Reads top to bottom: list filters → list + leaderboard → pick a Canvas (mirrored in the URL as
``canvas_id``) → its details, summary cards, daily charts, variants, steps and journey map.
"""

from typing import Literal

import pandas as pd
import streamlit as st

from dashboard import metrics, sidebar
from dashboard.channel_health_view import render_channel_health
from dashboard.charts.canvases import (
    conversions_figure,
    entries_figure,
    revenue_figure,
    step_channel_figure,
    step_graph_figure,
    step_type_label,
    variant_comparison_figure,
    variant_trend_figure,
)
from dashboard.charts.common import memoized
from dashboard.data.canvases import (
    CANVAS_METRICS,
    canvas_windows,
    compared_windows,
    daily_step_channels,
    daily_totals,
    daily_variants,
    default_canvas,
    filter_canvases,
    leaderboard_plan,
    load_canvas_list,
    load_canvas_page,
    load_leaderboard,
    message_totals,
    step_channel_table,
    step_table,
    total_row,
    variant_totals,
)
from dashboard.data.channels import channel_health, channel_label
from dashboard.data.tags import tag_options
from dashboard.display import (
    configured_currency,
    moment_text,
    money_column,
    money_text,
    show_table,
)
from dashboard.filters import span_text
from dashboard.navigation import require_app
from dashboard.table_columns import compared_columns
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    card_columns,
    csv_download,
    empty_state,
    file_range,
    guarded,
    md_escape,
    metric_card,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

CURRENCY = configured_currency()

PICK, URL_SEEN, BOARD = "cv_pick", "_cv_url_canvas", "cv_board"
BOARD_IDS = "_cv_board_ids"
OVER_BUDGET = "cv_over_budget"  # the person asked for the Canvases the budget guard held back
COUNT = "localized"  # the number format of every count column
NO_SERIES = "Not shown: the Canvas's daily stats failed to load (see above)."
STATUS_COLORS: dict[str, Literal["green", "gray", "orange", "red"]] = {
    "Active": "green",
    "Draft": "gray",
    "Archived": "orange",
    "Stopped": "red",
}
# Per step and channel: every stat Braze may send, named (others keep their own key).
STEP_CHANNEL_COLUMNS = {
    "step_name": st.column_config.TextColumn("Step"),
    "channel": st.column_config.TextColumn("Channel"),
    "variation_name": st.column_config.TextColumn("Message"),
    "sent": st.column_config.NumberColumn("Sent", format=COUNT, help=metrics.count_help("sent")),
    "delivered": st.column_config.NumberColumn(
        "Delivered", format=COUNT, help=metrics.count_help("delivered")
    ),
    "opens": st.column_config.NumberColumn(
        "Opens / impressions", format=COUNT, help=metrics.count_help("opens")
    ),
    "clicks": st.column_config.NumberColumn(
        "Clicks", format=COUNT, help=metrics.count_help("clicks")
    ),
    **{
        rate.key: st.column_config.NumberColumn(rate.label, format="percent", help=rate.help())
        for rate in metrics.ENGAGEMENT_RATES
    },
    "influenced_opens": st.column_config.NumberColumn(
        "Influenced opens", format=COUNT, help="Push: app opens within a while of the push."
    ),
    **{
        name: st.column_config.NumberColumn(label, format=COUNT)
        for name, label in (
            ("unique_opens", "Unique opens"),
            ("unique_clicks", "Unique clicks"),
            ("bounces", "Bounces"),
            ("unsubscribes", "Unsubscribes"),
            ("reported_spam", "Spam reports"),
            ("sent_to_carrier", "Sent to carrier"),
            ("rejected", "Rejected"),
            ("delivery_failed", "Delivery failed"),
            ("opt_out", "Opt-outs"),
            ("failed", "Failed"),
            ("read", "Read"),
            ("total_dismissals", "Dismissals"),
            ("first_button_clicks", "Button 1 clicks"),
            ("second_button_clicks", "Button 2 clicks"),
        )
    },
}
SCHEDULES = {
    "time_based": "Scheduled",
    "action_based": "Action-based",
    "api_triggered": "API-triggered",
}
# Canvas results as every table shows them (leaderboard, variants).
RESULT_COLUMNS = {
    "entries": st.column_config.NumberColumn("Entries", format=COUNT),
    "conversions": st.column_config.NumberColumn("Conversions", format=COUNT),
    "conversions_by_entry_time": st.column_config.NumberColumn("Conv. by entry time", format=COUNT),
    "revenue": money_column(
        metrics.CANVAS_REVENUE.short, CURRENCY, help=metrics.CANVAS_REVENUE.help
    ),
    "conversion_rate": st.column_config.NumberColumn(
        "Conversion rate", format="percent", help=metrics.CANVAS_CONVERSION_RATE.help()
    ),
}

# The step tables (per step, and the whole range's step totals).
STEP_COLUMNS = {
    "step_name": st.column_config.TextColumn("Step", width="medium"),
    "type": st.column_config.TextColumn("Type"),
    "channels_text": st.column_config.TextColumn("Channels"),
    "next_paths_text": st.column_config.TextColumn(
        "Paths", width="medium", help="Branches to the next steps (Yes/No, group names)."
    ),
    "depth": st.column_config.NumberColumn(
        "Depth", help="1 = a first step; n = n steps into the journey"
    ),
    "deleted": st.column_config.CheckboxColumn("Deleted"),
    "unique_recipients": st.column_config.NumberColumn(
        metrics.UNIQUES_CARD_LABEL, format=COUNT, help=metrics.UNIQUES_HELP
    ),
    **{k: RESULT_COLUMNS[k] for k in ("conversions", "conversions_by_entry_time", "revenue")},
}

# The step tables' order: each step's results before its paths, so at 1280 px they show
# without scrolling (the long Paths text was pushing conversions and revenue off the right).
STEP_ORDER = (
    "step_name",
    "type",
    "channels_text",
    "unique_recipients",
    "conversions",
    "revenue",
    "conversions_by_entry_time",
    "depth",
    "next_paths_text",
    "deleted",
)

# What the leaderboard shows, in px: together they fit the 763 px a 1280 px screen leaves
# the table (with Tags too, "Attributed revenue (USD)" was cut off); the CSV has every
# column, tags among them (the Tags filter above narrows by them).
BOARD_WIDTHS = {
    "name": 170,
    "entries": 80,
    "entries_change": 118,
    "conversions": 95,
    "conversion_rate": 115,
    "revenue": 165,
}
BOARD_COLUMNS = tuple(BOARD_WIDTHS)

# The per step and channel tables show these; every other stat is in the CSV and the
# Channel health tab.
STEP_CHANNEL_MAIN = (
    "step_name",
    "channel",
    "sent",
    "delivered",
    "opens",
    "influenced_opens",
    "clicks",
    "delivery_rate",
    "open_rate",
    "click_rate",
)


def readable_channels(table: pd.DataFrame) -> pd.DataFrame:
    """Channel keys as names and rates rounded as cards write them, for display (the CSV
    keeps Braze's keys and full precision)."""
    return metrics.shown_rates(table.assign(channel=table["channel"].map(channel_label)))


def readable_types(steps: pd.DataFrame) -> pd.DataFrame:
    """Step types as people say them ("Message", "Decision split")."""
    return steps.assign(
        type=steps["type"].map(lambda t: step_type_label(t) if isinstance(t, str) else None)
    )


def show_steps(steps: pd.DataFrame) -> None:
    """A step table (per step, or the whole range's step totals): results before paths."""
    show_table(
        steps, hide_index=True, width="stretch", column_order=STEP_ORDER, column_config=STEP_COLUMNS
    )


def show_step_channels(channels: pd.DataFrame) -> None:
    """A per step and channel table: the main stats (the CSV has every one)."""
    show_table(
        readable_channels(channels),
        hide_index=True,
        width="stretch",
        column_order=[c for c in STEP_CHANNEL_MAIN if c in channels],
        column_config=STEP_CHANNEL_COLUMNS,
    )


def open_board_row() -> None:
    """Leaderboard row clicked: open that Canvas (runs before the picker is drawn)."""
    rows = st.session_state[BOARD].selection.rows
    ids = st.session_state.get(BOARD_IDS, [])
    if rows and rows[0] < len(ids):
        st.session_state[PICK] = ids[rows[0]]


ws = sidebar.current_workspace()
filters = sidebar.current_filters()
start, end = filters.start, filters.end
windows = canvas_windows(start, end)
period = file_range(filters)

page_header(
    "Canvases",
    filters,
    compare=True,
    help=f"Braze serves Canvas stats at most 14 days per request, so this range is fetched "
    f"as {len(windows)} back-to-back window{'s' if len(windows) != 1 else ''} and stitched "
    f"(the leaderboard, which also compares with the period before, as "
    f"{len(compared_windows(start, end, filters.comparison))}).",
)

# ---- widgets ---------------------------------------------------------------------------
search_col, tag_col, archived_col = st.columns([3, 3, 2], vertical_alignment="bottom")
search = search_col.text_input("Search Canvases", key="cv_search", placeholder="Name or API id")
include_archived = archived_col.toggle("Include archived", key="cv_archived")

canvases = None
with guarded("the Canvas list"):
    canvases = load_canvas_list(ws, include_archived=include_archived)
tags = tag_col.multiselect(
    "Tags",
    tag_options(canvases) if canvases is not None else [],
    key="cv_tags",
    placeholder="Any tag",
)

# ---- leaderboard -----------------------------------------------------------------------
st.subheader("Leaderboard")
names: dict[str, str] = {}
order: list[str] = []
default_pick: str | None = None
if canvases is not None:
    names = dict(zip(canvases["id"], canvases["name"], strict=True))
    shown = filter_canvases(canvases, search, tags)
    default_pick = default_canvas(shown)
    if shown.empty:
        empty_state(
            "No Canvas matches this search or tag."
            if len(canvases)
            else "This workspace has no Canvases yet"
            + ("." if include_archived else " (archived ones are hidden).")
        )
    else:
        with guarded("the Canvas leaderboard"):
            bar = st.empty()  # drawn only if something is fetched (a warm run is all hits)

            def show_progress(done: int, total: int) -> None:
                bar.progress(
                    done / total, text=f"Loading Canvas stats… {done:,} of {total:,} requests"
                )

            compare = filters.comparison
            plan = leaderboard_plan(ws, shown, start, end, compare)
            hold = () if st.session_state.pop(OVER_BUDGET, False) else plan.held
            board = load_leaderboard(
                ws, shown, start, end, on_progress=show_progress, hold=hold, compare=compare
            )
            bar.empty()
            if board.held:
                st.info(plan.notice("Canvases"), icon=":material/speed:")
                st.button(
                    f"Load the other {len(board.held):,} ({plan.held_cost:,} requests)",
                    key="cv_load_held",
                    on_click=lambda: st.session_state.update({OVER_BUDGET: True}),
                    help="Requests wait for the dashboard's share of Braze's budget; whatever "
                    "it cannot cover within a few seconds shows as not loaded.",
                )
            if board.errors:
                first = next(iter(board.errors.values()))
                show_error(
                    first, f"stats for {len(board.errors)} of {len(shown)} Canvases (left blank)"
                )
            table = board.table.assign(tags_text=board.table["tags_text"].fillna(""))
            order = [str(i) for i in table["id"]]
            st.session_state[BOARD_IDS] = order
            st.caption(
                f"{len(table)} Canvas{'es' if len(table) != 1 else ''}, most entries first. "
                "Click a row to open it below; until then the most recently edited one is open. "
                "The CSV also has tags, conversions by entry time and the entries of the period before."
            )
            show_table(
                metrics.shown_rates(table.drop(columns="id")),
                hide_index=True,
                width="stretch",
                column_order=BOARD_COLUMNS,
                height=min(420, 38 + 35 * len(table)),
                key=BOARD,
                on_select=open_board_row,
                selection_mode="single-row",
                column_config={
                    key: {**column, "width": BOARD_WIDTHS[key]}
                    for key, column in {
                        "name": st.column_config.TextColumn("Canvas"),
                        **RESULT_COLUMNS,
                        **compared_columns("entries", "Entries", "Entries"),
                    }.items()
                    if key in BOARD_WIDTHS
                },
            )
            csv_download(
                table,
                f"braze-canvas-leaderboard-{period}.csv",
                "Leaderboard (CSV)",
                revenue=metrics.CANVAS_REVENUE,
            )

# ---- which Canvas ----------------------------------------------------------------------
linked = st.query_params.get("canvas_id")
if linked and linked != st.session_state.get(URL_SEEN):
    st.session_state[PICK] = linked  # a link (or a new one) decides, once
options = list(order or names)
if st.session_state.get(PICK) is None and default_pick is not None:
    st.session_state[PICK] = default_pick  # never "the top row": that depends on what loaded
current = st.session_state.get(PICK)
if current and current not in options:
    options.insert(0, current)
if not options:
    st.stop()

label_count: dict[str, int] = {}
for cid in options:
    label_count[names.get(cid, cid)] = label_count.get(names.get(cid, cid), 0) + 1


def canvas_label(cid: str) -> str:
    name = names.get(cid)
    if name is None:
        return f"Canvas {cid}"
    return f"{name} ({cid[:8]})" if label_count.get(name, 0) > 1 else name


st.divider()
pick_col, deleted_col = st.columns([5, 2], vertical_alignment="bottom")
canvas_id = pick_col.selectbox("Canvas", options, key=PICK, format_func=canvas_label)
include_deleted = deleted_col.toggle(
    "Include deleted steps",
    key="cv_deleted",
    help="Also fetch stats of steps that were removed from the Canvas.",
)
sync_query_params({"canvas_id": canvas_id})
st.session_state[URL_SEEN] = canvas_id

with st.spinner("Loading the Canvas from Braze…"):
    data = load_canvas_page(ws, canvas_id, filters, deleted_steps=include_deleted)

# ---- details ---------------------------------------------------------------------------
details = data.details.value if data.details.ok else None
if details is None:
    st.header(md_escape(canvas_label(canvas_id)))
    if data.details.error is not None:
        show_error(data.details.error, "this Canvas's details")
else:
    st.header(md_escape(details.name))
    badges = st.container(horizontal=True)
    with badges:
        st.badge(details.status, color=STATUS_COLORS[details.status])
        if details.post_launch_draft:
            st.badge(
                "Post-launch draft waiting",
                icon=":material/edit_note:",
                color="orange",
                help="Edits made after launch that are not live yet.",
            )
        if details.schedule_type:
            schedule = SCHEDULES.get(details.schedule_type, details.schedule_type)
            st.badge(md_escape(schedule), icon=":material/schedule:", color="blue")
        for tag in details.tags:
            st.badge(md_escape(tag), icon=":material/sell:", color="violet")
        for team in details.teams:
            st.badge(md_escape(team), icon=":material/group:", color="blue")
    if details.description:
        st.caption(md_escape(details.description))
    facts = (
        ("Created", moment_text(details.created_at)),
        ("Last edited", moment_text(details.updated_at)),
        ("First entry", moment_text(details.first_entry)),
        ("Last entry", moment_text(details.last_entry)),
    )
    for column, (label, value) in zip(st.columns(len(facts)), facts, strict=True):
        column.caption(label)
        column.markdown(value)  # our own text (``moment_text``), no Braze text to escape
    st.markdown(
        "**Channels:** "
        + (
            md_escape(", ".join(channel_label(c) for c in details.channels))
            if details.channels
            else "none yet"
        )
        + " · **Teams:** "
        + (md_escape(", ".join(details.teams)) if details.teams else "none")
        + f" · **Steps:** {len(details.steps)} · **Variants:** {len(details.variants)}"
    )
    if not details.variants.empty:
        variants_table = details.variants.assign(
            first_steps=details.variants["first_step_names"].map(lambda v: ", ".join(v))
        )[["variant_name", "first_steps", "step_count"]]
        show_table(
            variants_table,
            hide_index=True,
            width="stretch",
            column_config={
                "variant_name": st.column_config.TextColumn("Variant"),
                "first_steps": st.column_config.TextColumn("First step"),
                "step_count": st.column_config.NumberColumn("Steps reachable", format=COUNT),
            },
        )

# ---- summary cards ---------------------------------------------------------------------
st.subheader("Results for the range")
summary = data.summary.value if data.summary.ok else None
if summary is None:
    if data.summary.error is not None:
        show_error(data.summary.error, "the Canvas summary")
else:
    totals = total_row(summary.totals)
    rate = metrics.canvas_conversion_rate(totals["conversions"], totals["entries"])
    cards = card_columns(5)
    with cards[0]:
        metric_card("Entries", totals["entries"], help="Users who entered the Canvas.")
    with cards[1]:
        metric_card(
            "Conversions",
            totals["conversions"],
            help="Conversion events counted on the day they happened.",
        )
    with cards[2]:
        metric_card(
            "By entry time",
            totals["conversions_by_entry_time"],
            help="Conversions credited to the day the user entered the Canvas.",
        )
    with cards[3]:
        st.metric(
            "Conversion rate",
            metrics.format_rate(rate),
            help=metrics.CANVAS_CONVERSION_RATE.help(),
            border=True,
        )
    with cards[4]:
        st.metric(
            metrics.CANVAS_REVENUE.short,
            money_text(totals["revenue"], CURRENCY, short=True),
            help=f"Exactly {money_text(totals['revenue'], CURRENCY)} ({CURRENCY.code}). "
            + metrics.CANVAS_REVENUE.help,
            border=True,
        )
    with guarded("the message totals"):
        sums = message_totals(summary.step_channels)
        if sums["sent"] is not None:
            message_cards = st.columns(4)
            for column, (card_label, card_value, note) in zip(
                message_cards,
                (
                    (
                        "Messages sent",
                        sums["sent"],
                        "Sent by every step and channel. " + metrics.count_help("sent"),
                    ),
                    ("Opens", sums["opens"], metrics.count_help("opens")),
                    (
                        "Influenced opens",
                        sums["influenced_opens"],
                        "Push: app opens shortly after a push, without tapping it.",
                    ),
                    ("Clicks", sums["clicks"], metrics.count_help("clicks")),
                ),
                strict=True,
            ):
                with column:
                    metric_card(card_label, card_value, help=note)
    if len(windows) > 1:
        st.caption(
            f"Braze reports a Canvas's results 14 days at a time: these totals add up "
            f"{len(windows)} such periods.",
            help=f"From /canvas/data_summary, called once per 14-day window ({len(windows)} "
            "calls) and added up.",
        )

series = data.series.value if data.series.ok else None
# without the series the tabs still render: the journey map needs only the details
if series is None and data.series.error is not None:
    show_error(data.series.error, "the Canvas's daily stats")

# Only the open tab is drawn (Streamlit reruns the page when another is opened, from the
# cache); its label is in the URL (?tab=Steps), so a link opens the same tab.
perf_tab, variant_tab, step_tab, health_tab, map_tab = st.tabs(
    ["Performance", "Variants", "Steps", "Channel health", "Journey map"],
    key="tab",
    bind="query-params",
)

# ---- performance -----------------------------------------------------------------------
with perf_tab:
    if perf_tab.open:
        if series is None:
            st.warning(NO_SERIES)
        else:
            daily = daily_totals(series.totals)
            if series.totals.empty or not any(total_row(series.totals).values()):
                empty_state(
                    f"No one entered this Canvas in {span_text(start, end)}. "
                    "Pick a longer or earlier date range."
                )
            else:
                with guarded("the daily charts"):
                    left, right = st.columns(2)
                    show_chart(
                        memoized(entries_figure, series.totals), key="cv_entries", where=left
                    )
                    show_chart(
                        memoized(conversions_figure, series.totals),
                        key="cv_conversions",
                        where=right,
                    )
                    show_chart(memoized(revenue_figure, series.totals, CURRENCY), key="cv_revenue")
            with st.expander("Daily totals table"):
                show_table(
                    daily,
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "date": st.column_config.TextColumn("Day (UTC)"),
                        **{
                            m: st.column_config.NumberColumn(
                                m.replace("_", " ").capitalize(), format=COUNT
                            )
                            for m in CANVAS_METRICS[:3]
                        },
                        "revenue": money_column(
                            metrics.CANVAS_REVENUE.short, CURRENCY, help=metrics.CANVAS_REVENUE.help
                        ),
                    },
                )
            csv_download(
                daily,
                f"braze-canvas-totals-{period}.csv",
                "Daily totals (CSV)",
                revenue=metrics.CANVAS_REVENUE,
            )

# ---- variants --------------------------------------------------------------------------
with variant_tab:
    if variant_tab.open:
        if series is None:
            st.warning(NO_SERIES)
        else:
            per_variant = memoized(variant_totals, series.variants)
            if per_variant.empty:
                empty_state("This Canvas reported no variant stats for the range.")
            else:
                with guarded("the variant charts"):
                    show_chart(
                        memoized(variant_comparison_figure, per_variant, CURRENCY),
                        key="cv_variants",
                    )
                    show_chart(
                        memoized(variant_trend_figure, series.variants), key="cv_variant_trend"
                    )
                show_table(
                    metrics.shown_rates(per_variant.drop(columns="variant_id")),
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "variant_name": st.column_config.TextColumn("Variant"),
                        **RESULT_COLUMNS,
                    },
                )
                csv_download(
                    daily_variants(series.variants),
                    f"braze-canvas-variants-{period}.csv",
                    "Daily stats per variant (CSV)",
                    revenue=metrics.CANVAS_REVENUE,
                )

# ---- steps -----------------------------------------------------------------------------
steps_layout = details.steps if details is not None else None
# one step table for the Steps tab and the journey map (it is the page's costliest pivot)
step_stats = None
if (step_tab.open or map_tab.open) and series is not None and not series.steps.empty:
    with guarded("the step tables"):
        step_stats = memoized(step_table, steps_layout, series.steps)
with step_tab:
    if step_tab.open:
        if series is None:
            st.warning(NO_SERIES)
        else:
            if series.steps.empty:
                empty_state(
                    "No step data for this Canvas in the range: it has no steps yet, or none of its "
                    "steps sent anything between these dates."
                )
            else:
                with guarded("the step tables"):
                    if step_stats is None:  # building it failed above, which showed why
                        raise RuntimeError("the step table was not built")
                    per_step = readable_types(step_stats).assign(
                        depth=step_stats["depth"] + 1  # first step is 1
                    )
                    st.markdown(
                        "**Per step** — revenue and conversions are the step's own, never "
                        "summed over its channels."
                    )
                    hidden = ["step_id"] + (
                        [] if per_step["deleted"].fillna(False).any() else ["deleted"]
                    )
                    show_steps(per_step.drop(columns=hidden))
                    channels = memoized(
                        step_channel_table, series.step_channels, list(per_step["step_id"])
                    )
                    show_chart(memoized(step_channel_figure, channels), key="cv_step_channels")
                    st.markdown("**Per step and channel** — message stats over the range.")
                    show_step_channels(channels)
                    st.caption(
                        "Opens are unique opens for email, Braze's push opens (influenced opens "
                        "apart), impressions for in-app messages and Content Cards, reads for "
                        "WhatsApp. Daily unique counts are added up over the range. Every other "
                        "stat is in the CSV."
                    )
                    csv_download(
                        daily_step_channels(series.step_channels),
                        f"braze-canvas-step-channels-{period}.csv",
                        "Daily stats per step and channel (CSV)",
                        revenue=metrics.CANVAS_REVENUE,
                    )
        if summary is not None and not summary.steps.empty:
            with (
                st.expander("Step totals for the whole range"),
                guarded("the summary's step stats"),
            ):
                summary_steps = readable_types(memoized(step_table, steps_layout, summary.steps))
                show_steps(summary_steps.drop(columns=["step_id", "depth"], errors="ignore"))
                summary_channels = memoized(
                    step_channel_table, summary.step_channels, list(summary_steps["step_id"])
                )
                show_step_channels(summary_channels)
                csv_download(
                    summary_channels,
                    f"braze-canvas-summary-steps-{period}.csv",
                    "Summary per step and channel (CSV)",
                    revenue=metrics.CANVAS_REVENUE,
                )

# ---- channel health --------------------------------------------------------------------
with health_tab:
    if health_tab.open:
        if series is None:
            st.warning(NO_SERIES)
        else:
            with guarded("the channel stats"):
                st.caption(
                    "Over every step of the Canvas: bounces, unsubscribes and spam reports for "
                    "email; rejections, failures and opt-outs for SMS; failed WhatsApp deliveries; "
                    "Content Card dismissals; in-app button clicks; push influenced opens."
                )
                render_channel_health(
                    memoized(channel_health, series.step_channels),
                    f"braze-canvas-channel-stats-{period}.csv",
                )

# ---- journey map -----------------------------------------------------------------------
with map_tab:
    if map_tab.open:
        if details is None:
            st.warning("No journey map: the Canvas details failed to load (see above).")
        elif details.steps.empty:
            empty_state("This Canvas has no steps yet, so there is no journey to draw.")
        else:
            with guarded("the journey map"):
                stats = step_stats if steps_layout is not None else None
                st.caption(
                    "Each row is one step further from entry; lines lead to the next steps, dotted "
                    "lines loop back. Hover a step for its full name, channels and results."
                )
                show_chart(
                    memoized(step_graph_figure, details.steps, details.variants, stats, CURRENCY),
                    key="cv_journey_map",
                )
