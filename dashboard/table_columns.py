"""Table column configurations more than one page shows, written once.

- ``compared_columns``: a measure's "· period before" and "· change" columns (the Campaigns,
  Canvases and Revenue tables that compare the range with the period before).
- ``conversion_event_columns``: a campaign's conversion events (A–D) table: the event letter and
  what the user does for it to count, plus the caller's own columns.
- ``readable_labels``: headers people read for tables whose columns are Braze's field names
  (``message_variation_id`` → "Message variation ID"); the CSV keeps the field names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import streamlit as st

from dashboard.display import Currency, change_column, money_column

COUNT = "localized"  # the number format of count columns


def compared_columns(
    column: str,
    label: str,
    what: str,
    *,
    currency: Currency | None = None,
    change_width: Literal["small", "medium", "large"] | None = None,
) -> dict[str, Any]:
    """``<column>_previous`` and ``<column>_change``: "<label> · period before" and "<label> · change".

    ``what`` names the measure in the help ("Messages sent"); with ``currency`` the previous
    period's column is money, otherwise a count; ``change_width`` sizes the change column.
    """
    previous_help = f"{what} in the period the range is compared with (the sidebar says which)."
    previous = (
        money_column(f"{label} · period before", currency, help=previous_help)
        if currency is not None
        else st.column_config.NumberColumn(
            f"{label} · period before", format=COUNT, help=previous_help
        )
    )
    return {
        f"{column}_previous": previous,
        f"{column}_change": change_column(
            f"{label} · change",
            width=change_width,
            help=f"{what} against the period before (blank when there were none then).",
        ),
    }


def conversion_event_columns(**more: Any) -> dict[str, Any]:
    """The conversion events table: "Event" (A–D) and "Counts when the user…", then ``more``."""
    return {
        "event": st.column_config.TextColumn("Event", width="small"),
        "type": st.column_config.TextColumn("Counts when the user…"),
        **more,
    }


def readable_labels(columns: Iterable[object], **overrides: str) -> dict[str, str]:
    """A header per column: words for underscores, "ID" for ids, ``is_x`` as "X"; ``overrides`` win."""
    labels = {}
    for column in columns:
        name = str(column)
        words = name.removeprefix("is_").replace("_", " ").strip()
        text = words[:1].upper() + words[1:]
        if text.endswith(" id"):
            text = text[:-3] + " ID"
        labels[name] = overrides.get(name, text.replace(" api ID", " ID"))
    return labels
