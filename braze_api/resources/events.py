"""``/events``, ``/events/*``: custom events (with description, status, tags), names, series."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, CursorPage, Resource
from braze_api.validation import optional_id, require_id


class Events(Resource):
    """Custom event analytics endpoints."""

    def get(self, cursor: str | None = None) -> JSON:
        """GET /events: every page (50 events each, ``Link`` cursor paging) from ``cursor`` on.

        Each event: ``name``, ``description``, ``included_in_analytics_report``, ``status``,
        ``tag_names``. Needs the ``events.get`` permission (older keys may lack it).
        """
        return self._cursor_list("/events", "events", cursor)

    def get_page(self, cursor: str | None = None) -> CursorPage:
        """GET /events: one page and the next page's cursor."""
        return self._cursor_page("/events", cursor)

    def list(self, page: int | None = None) -> JSON:
        """GET /events/list: every page (250 names each) unless ``page`` is given."""
        return self._list("/events/list", "events", 250, page)

    def data_series(
        self,
        event: str,
        length: int,
        unit: str | None = None,
        ending_at: Any = None,
        app_id: str | None = None,
        segment_id: str | None = None,
    ) -> JSON:
        """GET /events/data_series."""
        return self._series(
            "/events/data_series",
            event=require_id(event, "event"),
            length=length,
            unit=unit,
            ending_at=ending_at,
            app_id=optional_id(app_id, "app_id"),
            segment_id=optional_id(segment_id, "segment_id"),
        )
