"""Campaigns: every campaign ranked for the sidebar's range, and one campaign in depth.

Reads top to bottom: the URL decides the view (``campaign_id`` opens one campaign) →
widgets → loads from ``dashboard.data.campaigns`` → cards, tables and charts. Each part is
guarded, so one failure shows a short message in its place and the rest still renders.
"""

from __future__ import annotations

from typing import Literal

import pandas as pd
import streamlit as st

from dashboard import metrics, sidebar
from dashboard.channel_health_view import render_channel_health
from dashboard.charts import campaigns as charts
from dashboard.charts.common import memoized
from dashboard.data import campaigns as data
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
from dashboard.table_columns import (
    compared_columns,
    conversion_event_columns,
    readable_labels,
)
from dashboard.widgets import (
    compact_number,
    csv_download,
    empty_state,
    file_range,
    format_number,
    guarded,
    md_escape,
    page_header,
    range_text,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

RANK_COUNTS = (100, 250, 500, 1000)
RANK_LIMITS: tuple[int | str, ...] = (*RANK_COUNTS, "All")
STATE_COLOURS: dict[str, Literal["green", "orange", "gray", "red"]] = {
    "Active": "green",
    "Draft": "orange",
    "Archived": "gray",
    "Stopped": "red",
}
_VIEW_VERSION = "campaigns_view_version"  # bumped on "back" so the old selection is forgotten
K_SEARCH, K_TAGS, K_API, K_ARCHIVED = "cmp_search", "cmp_tags", "cmp_api", "cmp_archived"
K_LIMIT, K_CHANNELS, K_ACTIVE, K_SEND = "cmp_limit", "cmp_channels", "cmp_active", "cmp_send_id"
K_OVER_BUDGET = "cmp_over_budget"  # the person asked for the rows the budget guard held back

ws = sidebar.current_workspace()
filters = sidebar.current_filters()


def conversion_label(field: str) -> str:
    letter = data.CONVERSION_LETTERS[field]
    return "Conversions A (primary)" if letter == "A" else f"Conversions {letter}"


NUMBER = "localized"
CURRENCY = configured_currency()
LEADERBOARD_CONFIG = {
    "campaign_id": None,
    # Not pinned: Streamlit draws pinned columns faded, which made the rows look disabled.
    "name": st.column_config.TextColumn("Campaign", width=170),
    "channels": st.column_config.TextColumn("Channels", width=110),
    "tags": st.column_config.TextColumn("Tags"),
    "api_campaign": st.column_config.CheckboxColumn("API", help="API-triggered campaign"),
    "sent": st.column_config.NumberColumn(
        "Sent", format=NUMBER, width="small", help=metrics.count_help("sent")
    ),
    **compared_columns("sent", "Sent", "Messages sent"),
    "delivered": st.column_config.NumberColumn(
        "Delivered", format=NUMBER, width="small", help=metrics.count_help("delivered")
    ),
    "opens": st.column_config.NumberColumn(
        "Opens", format=NUMBER, width="small", help=metrics.count_help("opens")
    ),
    "clicks": st.column_config.NumberColumn(
        "Clicks", format=NUMBER, width="small", help=metrics.count_help("clicks")
    ),
    "unique_recipients": st.column_config.NumberColumn(
        metrics.UNIQUES_CARD_LABEL, format=NUMBER, help=metrics.UNIQUES_HELP
    ),
    **{
        field: st.column_config.NumberColumn(
            conversion_label(field), format=NUMBER, width="small", help=conversion_label(field)
        )
        for field in data.CONVERSION_FIELDS
    },
    "revenue": money_column(
        metrics.CAMPAIGN_REVENUE.short, CURRENCY, help=metrics.CAMPAIGN_REVENUE.help
    ),
    **{
        rate.key: st.column_config.NumberColumn(
            rate.label, format="percent", width="small", help=rate.help()
        )
        for rate in metrics.RATES
    },
    "status": st.column_config.TextColumn("Status"),
}
# The default view's widths in px, each its header's and its numbers' room: together 763 px,
# what a 1280 px screen leaves the table beside the sidebar ("Sent · chang…" before).
KEY_WIDTHS = {
    "name": 150,
    "sent": 84,
    "sent_change": 104,
    "open_rate": 76,
    "click_rate": 78,
    "conversion_rate": 110,
    "revenue": 161,  # "Attributed revenue (USD)" (118 px cut the currency off)
}
#: What the leaderboard shows by default: it fits a 1280 px screen (KEY_WIDTHS). "All
#: columns" shows the rest (channels among them: the Channels filter above narrows by them).
KEY_COLUMNS = (*KEY_WIDTHS, "status")
K_ALL_COLUMNS = "cmp_all_columns"
#: The variation table's default view (it fits a 1280 px screen); "All columns" shows the rest.
VARIATION_KEY_COLUMNS = (
    "variation_name",
    "channel",
    "sent",
    "opens",
    "clicks",
    "conversions",
    "conversion_rate",
    "revenue",
)


def open_campaign(campaign_id: str) -> None:
    st.query_params["campaign_id"] = campaign_id
    st.query_params.pop("send_id", None)
    st.session_state.pop(K_SEND, None)


def back_to_list() -> None:
    for key in ("campaign_id", "send_id"):
        st.query_params.pop(key, None)
    st.session_state.pop(K_SEND, None)
    st.session_state[_VIEW_VERSION] = st.session_state.get(_VIEW_VERSION, 0) + 1


def card(title: str, value: float | None, note: str = "") -> None:
    """A compact card; revenue carries the workspace currency's sign, like the axes."""
    money = "revenue" in title.lower()
    shown, exact = compact_number(value), format_number(value)
    if money and value is not None and not pd.isna(value):
        shown = money_text(value, CURRENCY, short=True)
        exact = f"{money_text(value, CURRENCY)} ({CURRENCY.code})"
    st.metric(title, shown, help=f"Exactly {exact}{note}", border=True)


CARD_NOTES = {
    "sent": metrics.count_help("sent"),
    "delivered": f"{metrics.count_help('delivered')} {metrics.DELIVERY_RATE.help()}",
    "opens": f"{metrics.count_help('opens')} {metrics.OPEN_RATE.help()}",
    "clicks": f"{metrics.count_help('clicks')} {metrics.CLICK_RATE.help()}",
    "unique_recipients": metrics.UNIQUES_HELP,
    "revenue": metrics.CAMPAIGN_REVENUE.help,
}


def rates_caption(row: dict, channels: list[str]) -> None:
    """The rates under a set of cards (the same numbers as the funnel and the tables), and
    what Sent holds that Delivered cannot (channels that report no deliveries)."""
    st.caption(
        " · ".join(f"{rate.label} {metrics.format_rate(row[rate.key])}" for rate in metrics.RATES)
        + ". Each rate counts only the channels that define it: hover the ? of a card or "
        "column for its definition."
    )
    sent, covered = row.get("sent"), row.get("delivery_rate_denominator")
    uncovered = (sent or 0) - (covered or 0)
    if uncovered > 0:
        names = [channel_label(c) for c in metrics.channels_without_deliveries(channels)]
        by = ", ".join(names) if names else "channels that report no deliveries"
        st.caption(
            f"Delivered and the delivery rate cover {format_number(covered)} of the "
            f"{format_number(sent)} sent: the other {format_number(uncovered)} were sent by "
            + md_escape(by)
            + ", which report no deliveries the dashboard can count."
        )
    note = metrics.uniques_note(row.get("unique_recipients"), sent)
    if note:
        st.caption(note)


def chart(spec: dict, key: str) -> None:
    show_chart(spec, key=key)


def visible_conversion_fields(table: pd.DataFrame) -> list[str]:
    """Conversion B–D columns only when some campaign has them (A is always shown)."""
    return [
        f
        for f in data.CONVERSION_FIELDS
        if f == "conversions" or (f in table and table[f].fillna(0).gt(0).any())
    ]


# ---- overview ---------------------------------------------------------------------------------


def overview() -> None:
    page_header(
        "Campaigns",
        filters,
        compare=True,
        note="Select a row to open a campaign. Numbers are Braze's daily campaign series summed "
        "over the range.",
    )
    search_col, tags_col, api_col, archived_col = st.columns([3, 3, 2, 1.9])
    search = search_col.text_input("Search by name", key=K_SEARCH, placeholder="e.g. win-back")
    include_archived = archived_col.toggle("Show archived", key=K_ARCHIVED)
    # Ranking every campaign: start on the rows as the list's pages arrive (a cold list of
    # thousands takes seconds); the filters are last run's, as the widgets below still hold.
    prefetch = None
    if st.session_state.get(K_LIMIT) == "All":
        prefetch = data.RowPrefetch(
            ws,
            filters.start,
            filters.end,
            keep=lambda page: data.filter_campaigns(
                page,
                search,
                st.session_state.get(K_TAGS) or (),
                st.session_state.get(K_API) or data.API_CHOICES[0],
            ),
            compare=filters.comparison,
        )
    try:
        campaigns = data.load_campaigns(
            ws, include_archived=include_archived, on_page=prefetch.page if prefetch else None
        )
    except Exception as err:  # shown in place of the page
        show_error(err, "the campaign list")
        return
    finally:
        if prefetch is not None:
            prefetch.close()  # rows already under way finish; the leaderboard takes the rest
    tags = tags_col.multiselect("Tags", tag_options(campaigns), key=K_TAGS)
    api_choice = api_col.selectbox("Type", data.API_CHOICES, key=K_API)
    matching = data.filter_campaigns(campaigns, search, tags, api_choice)
    if campaigns.empty:
        empty_state("This workspace has no campaigns yet.")
        return
    if matching.empty:
        empty_state("No campaign matches the search and filters. Clear a filter to see more.")
        return

    limit_col, channel_col, active_col = st.columns([2, 3, 2], vertical_alignment="bottom")
    limit: int | str = RANK_COUNTS[1]
    if len(matching) > RANK_COUNTS[0]:
        limit = limit_col.selectbox(
            "Campaigns to rank",
            RANK_LIMITS,
            index=1,
            key=K_LIMIT,
            format_func=lambda v: "All" if v == "All" else f"{v:,} most recently edited",
            help="Each campaign needs one request per 100 days; narrow the search to go faster.",
        )
    ranked = matching if limit == "All" else matching.head(int(limit))

    progress = st.empty()

    def on_progress(done: int, total: int) -> None:
        progress.progress(done / total, text=f"Loading campaign stats… {done:,} of {total:,}")

    plan = data.leaderboard_plan(ws, ranked, filters.start, filters.end, compare=filters.comparison)
    hold = () if st.session_state.pop(K_OVER_BUDGET, False) else plan.held
    leaderboard = data.load_leaderboard(
        ws, ranked, filters.start, filters.end, on_progress, hold=hold, compare=filters.comparison
    )
    progress.empty()
    if hold:
        st.info(plan.notice("campaigns"), icon=":material/speed:")
        st.button(
            f"Load the other {len(hold):,} ({plan.held_cost:,} requests)",
            key="cmp_load_held",
            on_click=lambda: st.session_state.update({K_OVER_BUDGET: True}),
            help="Requests wait for the dashboard's share of Braze's budget; whatever it cannot "
            "cover within a few seconds shows as not loaded.",
        )

    channels = channel_col.multiselect(
        "Channels",
        data.channel_options(leaderboard),
        key=K_CHANNELS,
        format_func=channel_label,
        help="Channels found in each campaign's series for the range.",
    )
    active = active_col.toggle("Active in range only", True, key=K_ACTIVE)
    shown = data.with_channels(leaderboard, channels)
    if active:
        shown = data.active_only(shown)
    shown = shown.sort_values(["sent", "opens"], ascending=False, na_position="last")
    shown = shown.reset_index(drop=True)

    counts = f"Showing **{len(shown):,}** of {len(campaigns):,} campaigns"
    if len(ranked) < len(matching):
        counts += f" (stats loaded for the {len(ranked):,} most recently edited of {len(matching):,} matching)"
    elif len(matching) < len(campaigns):
        counts += f" ({len(matching):,} match the search and filters)"
    st.markdown(counts + ".")

    status = leaderboard["status"].fillna("")
    failed = int(((status != "") & (status != data.HELD_STATUS)).sum())
    if failed:
        st.warning(
            f"Stats for {failed:,} campaign{'s' if failed != 1 else ''} could not be loaded; "
            "see the Status column. Try **Refresh data** in a minute.",
            icon=":material/warning:",
        )
    if shown.empty:
        empty_state(
            f"No campaign had activity in {span_text(filters.start, filters.end)}."
            " Turn off “Active in range only” or pick a longer range."
        )
        return

    with guarded("the totals"):
        totals = data.leaderboard_totals(shown)
        # A sum over the loaded rows only must not pass for the total.
        excluded = f"excluding {failed:,} campaign{'s' if failed != 1 else ''} that failed to load"
        if failed:
            st.caption(f"Totals are partial: {excluded}.")
        if hold:
            st.caption(f"Totals leave out the {len(hold):,} campaigns not loaded yet.")
        # Two rows of three: six across clips "$8.13M" on a 1280 px screen.
        cards = [*st.columns(3), *st.columns(3)]
        for col, (key, title) in zip(
            cards,
            (
                ("sent", "Sent"),
                ("opens", "Opens"),
                ("clicks", "Clicks"),
                ("unique_recipients", metrics.UNIQUES_CARD_LABEL),
                ("conversions", "Conversions (A)"),
                ("revenue", metrics.CAMPAIGN_REVENUE.label),
            ),
            strict=True,
        ):
            with col:
                note = CARD_NOTES.get(key, "")
                if failed:
                    card(f"{title} (partial)", totals[key], f", {excluded}. {note}")
                else:
                    card(title, totals[key], f". {note}" if note else "")
        rates_caption(totals, data.channel_options(shown))

    with guarded("the leaderboard"):
        hidden = [f for f in data.CONVERSION_FIELDS if f not in visible_conversion_fields(shown)]
        order = [
            c for c in data.LEADERBOARD_COLUMNS if c not in hidden and c not in metrics.PART_COLUMNS
        ]
        config = LEADERBOARD_CONFIG
        if not (shown["status"].fillna("") != "").any():
            order.remove("status")
        if not st.toggle(
            "All columns",
            key=K_ALL_COLUMNS,
            help="Also show channels, tags, API, delivered, opens, clicks, unique recipients "
            "and conversions A–D (the CSV always has every column).",
        ):
            order = [c for c in order if c in KEY_COLUMNS]
            config = {
                key: {**column, "width": KEY_WIDTHS[key]}
                if key in KEY_WIDTHS and column is not None
                else column
                for key, column in config.items()
            }
        version = st.session_state.get(_VIEW_VERSION, 0)
        event = show_table(
            metrics.shown_rates(shown),
            column_order=order,
            column_config=config,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(shown), 560),
            on_select="rerun",
            selection_mode="single-row",
            key=f"cmp_leaderboard_{version}",
        )
        rows = event.selection.rows if event is not None else []
        if rows:
            open_campaign(str(shown.iloc[rows[0]]["campaign_id"]))
            st.rerun()
        csv_download(
            shown.drop(columns=hidden),
            f"braze-campaigns-{file_range(filters)}.csv",
            "Download leaderboard (CSV)",
            revenue=metrics.CAMPAIGN_REVENUE,
        )

    left, right = st.columns(2)
    with left, guarded("the top campaigns chart"):
        chart(memoized(charts.top_campaigns_figure, shown, "sent", "Messages sent"), "cmp_top_sent")
    with right, guarded("the top campaigns chart"):
        chart(
            memoized(charts.top_campaigns_figure, shown, "conversions", "Conversions (A)"),
            "cmp_top_conv",
        )


# ---- one campaign ------------------------------------------------------------------------------


def is_api_campaign(campaign_id: str) -> bool:
    try:
        listed = data.load_campaigns(ws, include_archived=True)
    except Exception:  # the send section just stays hidden
        return False
    match = listed[listed["id"] == campaign_id]
    return bool(len(match) and match["is_api_campaign"].fillna(False).iloc[0])


def details_card(summary: dict) -> None:
    st.title(md_escape(summary["name"]))
    with st.container(horizontal=True):
        st.badge(summary["state"], color=STATE_COLOURS[summary["state"]])
        if summary["post_launch_draft"]:
            st.badge(
                "Post-launch draft waiting",
                icon=":material/edit_note:",
                color="orange",
                help="Someone edited this campaign after launch and has not launched the edits.",
            )
        for team in summary["teams"]:
            st.badge(md_escape(team), icon=":material/group:", color="blue")
    c1, c2, c3, c4 = st.columns(4)
    c1.markdown(f"**Schedule**  \n{md_escape(summary['schedule_type'])}")
    channels = ", ".join(channel_label(c) for c in summary["channels"])
    c2.markdown("**Channels**  \n" + (md_escape(channels) or "—"))
    c3.markdown(f"**First sent**  \n{moment_text(summary['first_sent'])}")
    c4.markdown(f"**Last sent**  \n{moment_text(summary['last_sent'])}")
    t1, t2 = st.columns(2)
    t1.markdown("**Tags**  \n" + (md_escape(", ".join(summary["tags"])) or "none"))
    t2.markdown("**Teams**  \n" + (md_escape(", ".join(summary["teams"])) or "none"))
    if summary["description"]:
        st.caption(md_escape(summary["description"]))


def series_cards(series: data.CampaignSeries, row: dict) -> None:
    """Two rows of four, so a six-figure revenue still fits its card on a laptop screen."""
    rows = (
        (
            ("sent", "Sent"),
            ("delivered", "Delivered"),
            ("opens", "Opens"),
            ("clicks", "Clicks"),
        ),
        (
            ("unique_recipients", metrics.UNIQUES_CARD_LABEL),
            ("conversions", "Conversions (A)"),
            ("conversion_rate", "Conversion rate"),
            ("revenue", metrics.CAMPAIGN_REVENUE.short),
        ),
    )
    for items in rows:
        for col, (key, title) in zip(st.columns(len(items)), items, strict=True):
            with col:
                if key == "conversion_rate":
                    shown = metrics.format_rate(row[key])
                    st.metric(title, shown, help=metrics.CONVERSION_RATE.help(), border=True)
                else:
                    note = CARD_NOTES.get(key, "")
                    card(title, row[key], f". {note}" if note else "")
    rates_caption(row, list(series.channels))


def performance(series: data.CampaignSeries, row: dict, key: str) -> None:
    daily = data.daily_channel_frame(series.long)
    timing = data.conversion_timing(series.totals)
    left, right = st.columns(2)
    with left, guarded("the sends chart"):
        chart(
            memoized(
                charts.channel_lines_figure,
                daily,
                "sent",
                "Messages sent per day by channel",
                "messages",
            ),
            f"{key}_sent",
        )
    with right, guarded("the funnel"):
        chart(memoized(charts.funnel_figure, data.funnel(row)), f"{key}_funnel")
    with left, guarded("the opens and clicks chart"):
        chart(memoized(charts.opens_clicks_figure, daily), f"{key}_opens")
    with right, guarded("the conversions chart"):
        chart(memoized(charts.conversions_figure, daily), f"{key}_conv")
    with left, guarded("the conversion timing chart"):
        events = [
            f
            for f in data.CONVERSION_FIELDS
            if f == "conversions" or timing[[f, data.BY_SEND_TIME[f]]].to_numpy().any()
        ]
        field = "conversions"
        if len(events) > 1:
            field = (
                st.segmented_control(
                    "Conversion event",
                    events,
                    default="conversions",
                    format_func=lambda f: f"Event {data.CONVERSION_LETTERS[f]}",
                    key=f"{key}_timing_event",
                )
                or "conversions"
            )
        chart(memoized(charts.conversion_timing_figure, timing, field), f"{key}_timing")
    with right, guarded("the revenue chart"):
        chart(memoized(charts.revenue_figure, timing, CURRENCY), f"{key}_revenue")
    named = (
        set(series.channels) - set(series.long["channel"].dropna())
        if len(series.long)
        else set(series.channels)
    )
    if named:
        st.caption(
            "No data in the range for: " + md_escape(", ".join(sorted(map(channel_label, named))))
        )


def conversions(series: data.CampaignSeries, details: dict | None) -> None:
    """Conversion events A–D over the range, by conversion date and by send date."""
    table = data.conversion_table(series.totals, details)
    if table.empty:
        return
    st.markdown("**Conversion events over the range**")
    show_table(
        table,
        hide_index=True,
        width="stretch",
        column_config=conversion_event_columns(
            conversions=st.column_config.NumberColumn(
                "By conversion date", format=NUMBER, help="Counted on the day the user converted."
            ),
            by_send_time=st.column_config.NumberColumn(
                "By send date",
                format=NUMBER,
                help="Credited to the day the message was sent (Braze restates recent days).",
            ),
        ),
    )


def health(series: data.CampaignSeries, stem: str) -> None:
    st.caption(
        "What to act on, per channel: bounces, unsubscribes and spam reports for email; "
        "rejections, failures and opt-outs for SMS; failed WhatsApp deliveries; Content Card "
        "dismissals; in-app and push button clicks."
    )
    render_channel_health(channel_health(series.long), f"{stem}-channel-stats.csv")


def variations(
    series: data.CampaignSeries, stem: str, details: dict | None, row: dict | None
) -> None:
    table = data.variation_table(series.long, data.variation_names(details))
    if table.empty:
        empty_state("No variation sent anything in this date range.")
        return
    control = table["is_control"].fillna(False).astype(bool)
    if control.any():
        st.caption(
            "The control group receives no message; compare its conversion rate with the "
            "variations' to see the campaign's lift."
        )
    recipients = (row or {}).get("unique_recipients") or 0
    if recipients and table["unique_recipients"].isna().all():
        st.caption(
            f"Braze reported {format_number(recipients)} daily unique recipients (summed) for "
            "the campaign but none per variation, so conversion rate per variation cannot be "
            "computed; the chart shows conversions instead."
        )
    chart(memoized(charts.variation_figure, table), f"{stem}_variations")
    counts = ("sent", "delivered", "opens", "clicks", "conversions")
    shown = metrics.shown_rates(table.assign(channel=table["channel"].map(channel_label)))
    order = None  # every column
    if not st.toggle(
        "All columns",
        key="cmp_variation_all_columns",
        help="Also show the control flag, delivered, daily uniques, the other rates and the "
        "variation ID (the CSV always has every column).",
    ):
        # what fits a 1280 px screen; the channel only when the variations span several, and
        # no column the campaign's channels leave empty (in-app messages have no sends)
        order = [
            c
            for c in VARIATION_KEY_COLUMNS
            if c in shown and shown[c].notna().any() and (c != "channel" or shown[c].nunique() > 1)
        ]
    show_table(
        shown,
        hide_index=True,
        width="stretch",
        column_order=order,
        column_config={
            "channel": st.column_config.TextColumn("Channel"),
            "variation_name": st.column_config.TextColumn("Variation"),
            "is_control": st.column_config.CheckboxColumn("Control"),
            **{
                name: st.column_config.NumberColumn(
                    name.replace("_", " ").capitalize(),
                    format=NUMBER,
                    help=metrics.count_help(name) if name != "conversions" else None,
                )
                for name in counts
            },
            "unique_recipients": st.column_config.NumberColumn(
                metrics.UNIQUES_CARD_LABEL, format=NUMBER, help=metrics.UNIQUES_HELP
            ),
            **{
                rate.key: st.column_config.NumberColumn(
                    rate.label, format="percent", help=rate.help()
                )
                for rate in metrics.RATES
            },
            "revenue": money_column(
                metrics.CAMPAIGN_REVENUE.short, CURRENCY, help=metrics.CAMPAIGN_REVENUE.help
            ),
            "variation_api_id": st.column_config.TextColumn("Variation ID"),
        },
    )
    st.caption(
        "Variations are matched by Braze's variation ID and named as in the campaign's details."
    )
    csv_download(
        table,
        f"{stem}-variations.csv",
        "Download variation totals (CSV)",
        revenue=metrics.CAMPAIGN_REVENUE,
    )


def messages(details: dict) -> None:
    table = data.messages_table(details)
    if table.empty:
        empty_state("Braze returned no message variations for this campaign.")
    else:
        # who and what first, the long ids last: the message text shows without scrolling
        first = [c for c in ("name", "channel", "type", "is_control") if c in table]
        ids = [c for c in table.columns if str(c).endswith("_id")]
        show_table(
            table,
            hide_index=True,
            width="stretch",
            column_order=[*first, *(c for c in table.columns if c not in first + ids), *ids],
            column_config=readable_labels(table.columns, name="Variation"),
        )
    bodies = data.message_bodies(details)
    for body in bodies:
        title = f"{body['name']} · {channel_label(body['channel'])} body (source, not rendered)"
        with st.expander(md_escape(title), icon=":material/code:"):
            language = "html" if body["channel"] == "email" else None
            st.code(body["body"], language=language, wrap_lines=True)


def behaviors(details: dict) -> None:
    table = data.behavior_table(details)
    if table.empty:
        empty_state("This campaign tracks no conversion events.")
        return
    show_table(
        table,
        hide_index=True,
        width="stretch",
        column_config=conversion_event_columns(
            window=st.column_config.TextColumn("Within"),
            detail=st.column_config.TextColumn("Detail"),
        ),
    )


def api_sends(campaign_id: str, stem: str) -> None:
    st.caption(
        "Stats for one tracked send of this API campaign (the `send_id` your API call "
        "supplied). Braze keeps send analytics for 14 days, so only the last 14 UTC days show."
    )
    if K_SEND not in st.session_state:
        st.session_state[K_SEND] = st.query_params.get("send_id", "")
    text = st.text_input("Send ID", key=K_SEND, max_chars=data.SEND_ID_MAX)
    if not text.strip():
        st.query_params.pop("send_id", None)
        return
    try:
        send_id = data.validate_send_id(text)
    except ValueError as err:
        st.warning(md_escape(str(err)), icon=":material/edit:")
        return
    st.query_params["send_id"] = send_id
    with guarded("the send's stats"):
        series = data.load_send_series(ws, campaign_id, send_id)
        if series.long.empty:
            empty_state("This send has no stats in the last 14 days.")
            return
        row = data.summarise(series)
        series_cards(series, row)
        performance(series, row, "send")
        flat = data.flat_series(series.long)
        show_table(flat, hide_index=True, width="stretch")
        csv_download(
            flat,
            f"{stem}-send-series.csv",
            "Download send series (CSV)",
            revenue=metrics.CAMPAIGN_REVENUE,
        )


def detail(campaign_id: str) -> None:
    st.button("All campaigns", icon=":material/arrow_back:", on_click=back_to_list)
    data.read_ahead_campaign(ws, campaign_id, filters.start, filters.end)  # one Redis read
    try:
        details = data.load_campaign_details(ws, campaign_id)
    except Exception as err:  # nothing else makes sense without details
        st.title("Campaign")
        show_error(err, "this campaign")
        return
    summary = data.details_summary(details)
    details_card(summary)
    stem = f"braze-campaign-{campaign_id[:8]}-{file_range(filters)}"

    series, row = None, None
    try:
        series = data.load_campaign_series(ws, campaign_id, filters.start, filters.end)
    except Exception as err:  # details stay usable
        show_error(err, "this campaign's stats")
    if series is not None:
        st.subheader(f"Results · {range_text(filters)}")
        with guarded("the campaign totals"):
            row = data.summarise(series)
            series_cards(series, row)

    api = is_api_campaign(campaign_id)
    names = ["Performance", "Channel health", "Variations", "Messages", "Conversion events"]
    names.append("Data")
    if api:
        names.append("API sends")
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["Performance"]:
        if series is None:
            st.warning("No charts: the campaign's stats failed to load (see above).")
        elif (
            series.long.empty
            and not (series.totals.get("conversions", pd.Series()).fillna(0) > 0).any()
        ):
            empty_state(f"This campaign sent nothing in {range_text(filters)}. Pick another range.")
        else:
            performance(series, row if row is not None else data.summarise(series), "cmp")
            with guarded("the conversion events"):
                conversions(series, details)
    with tabs["Channel health"], guarded("the channel stats"):
        if series is not None:
            health(series, stem)
    with tabs["Variations"], guarded("the variations"):
        if series is not None:
            variations(series, stem, details, row)
    with tabs["Messages"], guarded("the messages"):
        messages(details)
    with tabs["Conversion events"], guarded("the conversion events"):
        behaviors(details)
    with tabs["Data"], guarded("the data table"):
        if series is not None:
            flat = data.flat_series(series.long)
            st.caption(
                "One row per UTC day, channel and variation; metrics a channel does not report are 0."
            )
            show_table(
                flat,
                hide_index=True,
                width="stretch",
                column_config=readable_labels(flat.columns, variation_name="Variation"),
            )
            csv_download(
                flat,
                f"{stem}-series.csv",
                "Download daily series (CSV)",
                revenue=metrics.CAMPAIGN_REVENUE,
            )
    if api:
        with tabs["API sends"]:
            api_sends(campaign_id, stem)


selected = st.query_params.get("campaign_id")
if selected:
    detail(selected)
else:
    overview()
