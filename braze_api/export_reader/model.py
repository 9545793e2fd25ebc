"""The parser's public result types and the column layout every parsing path agrees on.

Each long table lists its documented columns first (as Braze's user export object names them
today); a key Braze adds later is kept as a further column after them, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from braze_api.fields import COMPANION_FIELDS, SCALAR_FIELDS, TIME_FIELDS

# Long tables: name -> columns after user_id. Values outside these are ignored.
LONG_TABLES: dict[str, tuple[str, ...]] = {
    "custom_events": ("name", "first", "last", "count"),
    "purchases": ("name", "first", "last", "count"),
    "devices": (
        "device_id",
        "model",
        "os",
        "carrier",
        "idfv",
        "idfa",
        "google_ad_id",
        "roku_ad_id",
        "windows_ad_id",
        "ad_tracking_enabled",
    ),
    "apps": ("name", "platform", "version", "sessions", "first_used", "last_used"),
    "push_tokens": ("app", "platform", "token", "device_id", "notifications_enabled"),
    "campaigns_received": (
        "name",
        "api_campaign_id",
        "last_received",
        "converted",
        "multiple_converted",
        "opened_email",
        "opened_push",
        "clicked_email",
        "clicked_triggered_in_app_message",
        "variation_name",
        "variation_api_id",
        "in_control",
    ),
    "canvases_received": (
        "name",
        "api_canvas_id",
        "last_entered",
        "last_exited",
        "last_received_message",
        "variation_name",
        "in_control",
        "last_entered_control_at",
        "steps_received",
    ),
    # not a top-level field: the steps inside each canvases_received entry, one row per step
    "canvas_steps_received": (
        "api_canvas_id",
        "canvas_name",
        "name",
        "api_canvas_step_id",
        "last_received",
    ),
    "cards_clicked": ("name",),
    "user_aliases": ("alias_name", "alias_label"),
    "custom_attributes": ("attribute", "value", "type"),
}
TIME_COLUMNS = frozenset(
    {"first", "last", "first_used", "last_used", "last_received", "last_entered"}
    | {"last_exited", "last_received_message", "last_entered_control_at"}
    | TIME_FIELDS
)
#: Keys of a nested item that become other columns (or tables), not columns of their own.
NOT_COLUMNS: dict[str, frozenset[str]] = {
    "campaigns_received": frozenset({"engaged"}),
}
NUMBER_COLUMNS = frozenset({"total_revenue", "random_bucket", "count", "sessions"})
USERS = "users"  # the table name of the one-row-per-user frame in a Part
#: The users frame's documented columns in order (``last_coordinates`` is split in two).
USER_COLUMNS: tuple[str, ...] = (
    "user_id",
    *(
        c
        for f in SCALAR_FIELDS
        if f not in LONG_TABLES
        for c in (("longitude", "latitude") if f == "last_coordinates" else (f,))
    ),
    *COMPANION_FIELDS,
)


@dataclass(frozen=True)
class ExportIssue:
    """One problem in the archive: ``line`` is 1-based, None for file-level problems."""

    file: str
    line: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.problem}"


@dataclass
class ExportResult:
    """The parsed export: one row per user plus long tables, and what went wrong."""

    users: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    issues: list[ExportIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    bad_lines: int = 0

    @property
    def user_count(self) -> int:
        return len(self.users)
