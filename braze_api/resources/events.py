"""``/events/*``: custom event names and occurrence series."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import optional_id, require_id


class Events(Resource):
    """Custom event analytics endpoints."""

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
