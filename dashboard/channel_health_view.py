"""Rendering of `dashboard.data.channels.channel_health`: one row of cards per channel.

Used by the Campaigns page (one campaign) and the Canvases page (a Canvas's steps). Braze
text (channel keys, button titles) is escaped; the full table is downloadable as CSV.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.widgets import compact_number, csv_download, empty_state, format_number, md_escape

# three a row: at four, "3.8% of unique impressions" under a card is cut at 1280 px
CARDS_PER_ROW = 3


def render_channel_health(table: pd.DataFrame, filename: str) -> None:
    """Cards grouped by channel: the count, and its rate over what it is taken from."""
    if table.empty:
        empty_state("No channel of this selection reports bounces, opt-outs or similar counts.")
        return
    for channel, rows in table.groupby("channel", sort=False):
        label = str(rows["channel_label"].iloc[0])
        st.markdown(f"**{md_escape(label)}**")
        items = rows.to_dict("records")
        for start in range(0, len(items), CARDS_PER_ROW):
            chunk = items[start : start + CARDS_PER_ROW]
            columns = st.columns(CARDS_PER_ROW)
            for column, item in zip(columns, chunk, strict=False):
                rate = item["rate"]
                shown_rate = (
                    "" if rate is None or pd.isna(rate) else format_number(rate, percent=True)
                )
                column.metric(
                    md_escape(str(item["label"])),
                    compact_number(item["value"]),
                    delta=f"{shown_rate} of {item['base']}" if shown_rate else None,
                    delta_color="off",
                    delta_arrow="off",
                    help=f"Exactly {format_number(item['value'])} over the range "
                    f"({md_escape(str(channel))}).",
                    border=True,
                )
    csv_download(table.drop(columns=["channel_label"]), filename, "Download channel stats (CSV)")
    st.caption(
        "Rates are over the count named under each card (e.g. unsubscribes over delivered "
        "emails). Daily counts are added up over the range."
    )
