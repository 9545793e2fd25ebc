"""Small rendering helpers every page shares: headers, cards, CSV, errors and empty states."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from braze_api.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponseError,
    BrazeConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from braze_api.errors import BrazeError as BrazeError  # re-exported: pages catch it
from braze_api.frames import SeriesTypeError
from dashboard.data.timeseries import HOURLY_MAX_DAYS, percent_change
from dashboard.display import (
    MISSING,
    Currency,
    compact,
    configured_currency,
    csv_frame,
    delta_arrow,
    delta_colour,
    delta_text,
    percent_text,
)
from dashboard.filters import Filters, period_text
from dashboard.metrics import RevenueMeasure
from dashboard.safe_csv import to_csv_bytes

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def show_chart(spec: dict, *, key: str | None = None, where: DeltaGenerator | None = None) -> None:
    """A chart from ``dashboard.charts`` (a Vega-Lite spec), as wide as its column.

    The spec may be a memoized one shared between sessions: Streamlit copies it before it
    takes the data out, so it is only read here.
    """
    target = st if where is None else where
    target.vega_lite_chart(spec, width="stretch", theme="streamlit", key=key)


def md_escape(text: object) -> str:
    """Text from Braze or a user, shown literally inside Streamlit markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def format_number(value: float | None, *, percent: bool = False) -> str:
    """Thousands separators; no decimals for counts, one for percentages; '—' for none."""
    if value is None or pd.isna(value):
        return MISSING
    if percent:
        return percent_text(value)
    return f"{value:,.0f}"


def compact_number(value: float | None) -> str:
    """Card-sized numbers: 9,999 stays whole; 26,284 → "26.3K"; 6,587,660 → "6.59M"."""
    if value is None or pd.isna(value):
        return MISSING
    return compact(value)


def range_text(filters: Filters) -> str:
    """The sidebar's range as captions state it, without a comparison: "1–30 Jan 2025
    (complete UTC days)" (``filters.period_text``, the one period line)."""
    return period_text(filters, compared=False)


def file_range(filters: Filters) -> str:
    """The sidebar's range as download file names carry it: "2025-01-01-to-2025-01-30"."""
    return f"{filters.start.isoformat()}-to-{filters.end.isoformat()}"


def page_header(
    title: str,
    filters: Filters | None,
    *,
    app: str | None = None,
    compare: bool = False,
    note: str = "",
    help: str | None = None,
) -> None:
    """The page title over one caption: the period line, then the app and a note.

    The period line is ``filters.period_text``: with ``compare`` (the page shows changes) it
    says what the range is compared with; ``filters=None`` (a page without a date range)
    leaves it out. ``app`` is plain text (escaped here); ``note`` is markdown; ``help`` is
    the caption's tooltip.
    """
    parts = [period_text(filters, compared=compare)] if filters is not None else []
    if app is not None:
        parts.append(md_escape(app))
    if note:
        parts.append(note)
    st.title(title)
    if parts:
        st.caption(" · ".join(parts), help=help)


def hourly_toggle(
    filters: Filters,
    key: str,
    *,
    label: str = "Hourly",
    help: str = f"For ranges of up to {HOURLY_MAX_DAYS} days, on the sidebar's timezone.",
) -> bool:
    """A toggle for hourly charts on the sidebar's timezone, disabled for ranges too long for them.

    True only when it is on and the range allows hours.
    """
    allowed = filters.days <= HOURLY_MAX_DAYS
    hourly = st.toggle(
        f"{label} ({md_escape(filters.timezone)})",
        key=key,
        disabled=not allowed,
        help=help,
        wrap=True,  # in a narrow column the label wraps instead of ending in "…"
    )
    return hourly and allowed


#: Cards per row: at 1280 px beside the sidebar a card of a sixth or a fifth of the row cuts its
#: label, its value or its "vs …" note ("DAU · daily av…"), so rows hold at most four.
CARDS_PER_ROW = 4


def card_columns(count: int, per_row: int = CARDS_PER_ROW) -> list[DeltaGenerator]:
    """``count`` slots for metric cards, in rows of equal columns (at most ``per_row`` a row).

    Rows are balanced (five cards: three and two; seven: four and three) and every row has the
    first row's column count, so the cards of the last row line up under the ones above.
    """
    if count <= 0:
        return []
    rows = -(-count // per_row)
    across = -(-count // rows)
    slots: list[DeltaGenerator] = []
    for _ in range(rows):
        slots.extend(st.columns(across))
    return slots[:count]


def metric_card(
    label: str,
    value: float | None,
    *,
    previous: float | None = None,
    help: str | None = None,
    lower_is_better: bool = False,
    comparison: str = "vs previous period",
    height: int | None = None,
) -> None:
    """A bordered ``st.metric``: formatted value and % change against ``previous``.

    No sparkline: where a card sits, the page charts the same series in full, and each
    sparkline is one more Vega view to draw (five cost the KPIs page about 0.4 s in Chromium,
    bench/RESULTS.md "Pages, until drawn"). ``height`` (px) fixes the card's height, so cards
    side by side line up.
    """
    change = percent_change(value, previous)
    delta = delta_text(change)  # a change that rounds to 0 is shown grey, without an arrow
    shown = format_number(value)
    if value is not None and not pd.isna(value) and abs(value) >= 1_000_000:
        # Seven digits and more clip a card five across a 1280 px screen: "1.1M", exact on hover.
        shown = compact_number(value)
        help = f"{help + ' ' if help else ''}Exactly {format_number(value)}."
    st.metric(
        label,
        shown,
        delta=delta,
        delta_color=delta_colour(change, lower_is_better=lower_is_better),
        delta_arrow=delta_arrow(change),
        delta_description=comparison if delta else None,
        help=help,
        border=True,
        height=height if height is not None else "content",
    )


def _csv_bytes(frame: pd.DataFrame, currency: Currency, revenue: RevenueMeasure | None) -> bytes:
    if revenue is not None:
        frame = revenue.csv_columns(frame)
    return to_csv_bytes(csv_frame(frame, currency))


def csv_download(
    frame: pd.DataFrame,
    filename: str,
    label: str = "Download CSV",
    *,
    revenue: RevenueMeasure | None = None,
) -> None:
    """A download button for the frame as formula-safe CSV, formatted by ``display.csv_frame``
    (integer counts, money to the cent, ``*_pct`` rates, human channel names), built only when
    it is clicked.

    Streamlit 1.67 runs a callable ``data`` when the browser asks for the file (on another
    thread, with no script context), so a page run builds no CSV. The callable reads a shallow
    copy taken now (copy-on-write): a later change to ``frame`` cannot reach the file; the
    currency is read now too (the secrets need the script context). ``revenue`` names the
    file's revenue columns after what they count (``metrics.PURCHASE_REVENUE``, ...).
    """
    snapshot = frame.copy(deep=False)
    st.download_button(
        label,
        data=partial(_csv_bytes, snapshot, configured_currency(), revenue),
        file_name=filename,
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )


def _permission(endpoint: str) -> str:
    return endpoint.strip("/").replace("/", ".")


def error_message(err: BaseException, what: str) -> str:
    """What failed, the HTTP status and what to do, as one short paragraph (no traceback)."""
    if isinstance(err, ValueError) and not isinstance(err, BrazeError):
        # Our own validation: the message says what to change, and nothing was sent.
        return f"Couldn't load {what}: {md_escape(err)}"
    if isinstance(err, SeriesTypeError):
        # Braze's field and channel names are in the message: shown literally.
        return (
            f"Couldn't load {what}: Braze sent a value of another type than documented "
            f"({md_escape(err)}), so none of it is shown. Try **Refresh data**."
        )
    if not isinstance(err, BrazeError):
        return f"Something went wrong loading {what}. Try **Refresh data**; if it persists, reload the page."
    endpoint = f"`{err.endpoint}`" if err.endpoint else "the request"
    status = f" ({err.status})" if err.status else ""
    detail = f' Braze said: "{md_escape(err.braze_message)}".' if err.braze_message else ""
    head = f"Couldn't load {what}:"
    if isinstance(err, AuthenticationError):
        return (
            f"{head} Braze refused the key{status} for {endpoint}. Check that the REST API key is "
            "current and belongs to the selected instance."
        )
    if isinstance(err, PermissionDeniedError):
        perm = f" `{_permission(err.endpoint)}`" if err.endpoint else ""
        return (
            f"{head} the key lacks permission{status} for {endpoint}. In Braze, give the key the"
            f"{perm} permission (Settings → APIs and Identifiers)."
        )
    if isinstance(err, RateLimitError):
        when = f" after {err.reset_at:%H:%M} UTC" if err.reset_at else " in a few minutes"
        return f"{head} Braze's rate limit was reached{status} for {endpoint}. Try again{when}."
    if isinstance(err, ServerError):
        return (
            f"{head} Braze had a server error{status} for {endpoint}. This is usually brief: try "
            "**Refresh data** in a minute."
        )
    if isinstance(err, BadRequestError):
        return f"{head} Braze rejected the request{status} for {endpoint}.{detail} Try a different date range or app."
    if isinstance(err, NotFoundError):
        return f"{head} Braze found nothing{status} at {endpoint}.{detail} It may have been deleted or archived."
    if isinstance(err, BadResponseError):
        return f"{head} Braze sent an unreadable response for {endpoint}. Try **Refresh data**."
    if isinstance(err, BrazeConnectionError):
        return (
            f"{head} could not reach Braze for {endpoint}. Check the network connection and the "
            "REST instance in the sidebar."
        )
    return f"{head} Braze returned an error{status} for {endpoint}.{detail}"


def show_error(err: BaseException, what: str) -> None:
    """Render ``error_message`` in place of the part that failed."""
    icon = (
        ":material/lock:"
        if isinstance(err, AuthenticationError | PermissionDeniedError)
        else ":material/error:"
    )
    st.error(error_message(err, what), icon=icon)


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run one part of a page; if it fails, show why there and let the rest continue.

    Only ``Exception`` is caught: Streamlit's rerun/stop signals derive from BaseException
    and must pass through.
    """
    try:
        yield
    except Exception as err:  # shown to the user instead of a traceback
        show_error(err, what)


def empty_state(message: str) -> None:
    """A calm note where a chart or table would be."""
    st.info(message, icon=":material/event_busy:")


def no_data_state(what: str, filters: Filters, app: str) -> None:
    """The empty state for a range (and app) in which Braze has no data at all."""
    empty_state(
        f"Braze has no {what} data in {range_text(filters)} for {md_escape(app)}. Pick an "
        "earlier or longer date range, or another app."
    )
