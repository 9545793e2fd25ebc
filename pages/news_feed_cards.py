"""News Feed (legacy): cards, their details, and impressions/clicks/CTR over the range.

Reads top to bottom: legacy notice -> card list -> selected card's details -> series for the
selected cards -> totals table and CSV.
"""

import streamlit as st

from dashboard import metrics, sidebar
from dashboard.charts.common import memoized
from dashboard.charts.news_feed import metric_figure, totals_figure
from dashboard.data.news_feed import (
    card_times,
    card_totals,
    load_card_details,
    load_card_series,
    load_cards,
    local_times,
    other_details,
    series_export,
)
from dashboard.display import moment_text, percent_column, show_table
from dashboard.filters import span_text
from dashboard.navigation import require_app
from dashboard.url_state import sync_query_params
from dashboard.widgets import (
    csv_download,
    empty_state,
    file_range,
    format_number,
    guarded,
    hourly_toggle,
    md_escape,
    metric_card,
    page_header,
    show_chart,
    show_error,
)

require_app()  # this page only runs inside app.py (see dashboard/navigation.py)

MAX_CARDS = 8

ws = sidebar.current_workspace()
filters = sidebar.current_filters()

page_header("News Feed (legacy)", filters)
st.warning(
    "Braze has deprecated News Feed in favour of Content Cards. This page is for workspaces "
    "that still have News Feed cards; new work belongs in Content Cards (see the Campaigns "
    "page).",
    icon=":material/history:",
)

archived = st.toggle("Include archived cards", key="feed_archived")
try:
    with st.spinner("Loading News Feed cards…"):
        cards = load_cards(ws, include_archived=archived)
except Exception as err:  # nothing else works without the list
    show_error(err, "the News Feed cards")
    st.stop()

if cards.empty:
    empty_state(
        "This workspace has no News Feed cards"
        + ("." if archived else " (try including archived cards).")
    )
    st.stop()

titles = dict(zip(cards["id"], cards["title"].fillna("(untitled)"), strict=True))
ids = cards["id"].tolist()[::-1]  # Braze lists oldest first; newest is likelier live
linked = st.query_params.get("card_id")
if "feed_card" not in st.session_state and linked in titles:
    st.session_state["feed_card"] = linked
if st.session_state.get("feed_card") not in ids:
    st.session_state["feed_card"] = ids[0]


def _label(card_id: str) -> str:
    return f"{titles.get(card_id, card_id)} · {card_id[:8]}"


card_id = st.selectbox("Card", ids, key="feed_card", format_func=_label)
sync_query_params({"card_id": card_id})

with guarded("the card list"):
    st.caption(f"{format_number(len(cards))} cards" + (" (archived included)" if archived else ""))
    with st.expander("All cards", icon=":material/list:"):
        show_table(
            cards[["title", "type", "tags_text", "id"]],
            hide_index=True,
            width="stretch",
            column_config={
                "title": "Title",
                "type": "Type",
                "tags_text": "Tags",
                "id": "Card API ID",
            },
        )
        csv_download(
            cards.drop(columns="tags").rename(columns={"tags_text": "tags"}),
            "braze-news-feed-cards.csv",
            "Download card list (CSV)",
        )

st.subheader(md_escape(titles.get(card_id, card_id)))
with guarded("the card details"):
    details = load_card_details(ws, card_id)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Description**")
        st.text(details.get("description") or "No description.")
        image = details.get("image_url")
        if image:
            st.markdown("**Image URL** (not loaded here; open it in your browser)")
            # plain text: a code block would load a 1.5 MB syntax highlighter for one line
            st.text(str(image))
        extras = details.get("extras") or {}
        if isinstance(extras, dict) and extras:
            st.markdown("**Extras** (key-value pairs sent to the app)")
            show_table(
                [{"key": str(k), "value": str(v)} for k, v in extras.items()],
                hide_index=True,
            )
    with right:
        times = card_times(details)

        def when(key: str) -> str:
            return moment_text(times.get(key))

        st.markdown(f"**Name:** {md_escape(details.get('name') or '—')}")
        st.markdown(f"**Published:** {when('publish_at')}")
        st.markdown(f"**Ends:** {when('end_at')}")
        st.markdown(f"**Created:** {when('created_at')}")  # one a line: a pair wraps mid-date
        st.markdown(f"**Updated:** {when('updated_at')}")
        state = (
            "archived" if details.get("archived") else "draft" if details.get("draft") else "live"
        )
        tags = details.get("tags") or []
        st.markdown(
            f"**Status:** {state} · **Tags:** "
            + (", ".join(md_escape(t) for t in tags) if tags else "none")
        )
        for key, value in other_details(details).items():
            st.markdown(f"**{md_escape(key)}:** {md_escape(value)}")

st.subheader("Engagement")
compare = st.multiselect(
    f"Compare with other cards (up to {MAX_CARDS - 1})",
    [i for i in ids if i != card_id],
    key="feed_compare",
    format_func=_label,
    max_selections=MAX_CARDS - 1,
)
unit = "hour" if hourly_toggle(filters, "feed_hourly") else "day"
x_title = f"Hour ({filters.timezone})" if unit == "hour" else "Date (UTC)"

with guarded("the card engagement"):
    with st.spinner("Loading card engagement…"):
        series, failures = load_card_series(ws, cards, [card_id, *compare], filters, unit)
    for failure in failures:
        if failure.error is not None:
            show_error(
                failure.error, f"the series of {md_escape(titles.get(failure.item, failure.item))}"
            )
    export = series_export(series, unit, filters.timezone)  # UTC times, before display
    if unit == "hour":
        series = local_times(series, filters.timezone)
    else:
        series["time"] = series["time"].dt.tz_convert("UTC").dt.tz_localize(None)
    totals = card_totals(series)
    mine = totals[totals["card_id"] == card_id]
    # all zeros (a card that had ended or not yet started) reads as an empty state, not as 0s
    if mine.empty or not mine[["impressions", "clicks"]].fillna(0).to_numpy().any():
        empty_state(
            f"No News Feed activity for this card in {span_text(filters.start, filters.end)}: "
            "no impressions or clicks (check its Published and Ends "
            "dates above). Pick another range or card."
        )
    else:
        row = mine.iloc[0]
        cols = st.columns(4)
        cards_spec = [
            ("Impressions", row["impressions"], "Times the card was shown."),
            ("Clicks", row["clicks"], "Times the card was tapped."),
            ("Unique impressions", row["unique_impressions"], "Users who saw the card."),
            ("Unique clicks", row["unique_clicks"], "Users who tapped the card."),
        ]
        for col, (label, value, help_text) in zip(cols, cards_spec, strict=True):
            with col:
                metric_card(label, value, help=help_text)
        st.markdown(
            " · ".join(
                f"**{rate.label}:** {metrics.format_rate(row[rate.key])}"
                for rate in metrics.CARD_RATES
            ),
            help=" ".join(rate.help() for rate in metrics.CARD_RATES),
        )
    metric = st.segmented_control(
        "Metric",
        ["impressions", "clicks", "unique_impressions", "unique_clicks", "ctr"],
        default="impressions",
        key="feed_metric",
        format_func=lambda m: (
            m.replace("_", " ").replace("ctr", "CTR").capitalize() if m != "ctr" else "CTR"
        ),
    )
    metric = metric or "impressions"
    left, right = st.columns(2)
    with left:
        show_chart(memoized(metric_figure, series, metric, unit, x_title), key="feed_metric_chart")
    with right:
        show_chart(memoized(metric_figure, series, "ctr", unit, x_title), key="feed_ctr_chart")
    if len(totals) > 1:
        show_chart(memoized(totals_figure, totals), key="feed_totals_chart")
    if not totals.empty:
        show_table(
            totals.drop(columns="card_id"),
            hide_index=True,
            width="stretch",
            column_config={
                "card": "Card",
                "impressions": st.column_config.NumberColumn("Impressions", format="localized"),
                "unique_impressions": st.column_config.NumberColumn(
                    "Unique impressions", format="localized"
                ),
                "clicks": st.column_config.NumberColumn("Clicks", format="localized"),
                "unique_clicks": st.column_config.NumberColumn("Unique clicks", format="localized"),
                "ctr": percent_column("CTR", help=metrics.CARD_CTR.help()),
                "unique_ctr": percent_column("Unique CTR", help=metrics.CARD_UNIQUE_CTR.help()),
            },
        )
        grain = "hourly" if unit == "hour" else "daily"
        csv_download(
            export,
            f"braze-news-feed-{grain}-{file_range(filters)}.csv",
            f"Download {grain} data (CSV)",
        )
