"""``/segments/*``: list, size series and details."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import check_choice, require_id


class Segments(Resource):
    """Segment export endpoints."""

    def list(self, page: int | None = None, sort_direction: str | None = None) -> JSON:
        """GET /segments/list: every page (100 each) unless ``page`` is given."""
        return self._list(
            "/segments/list",
            "segments",
            100,
            page,
            sort_direction=check_choice(sort_direction, "sort_direction", ("asc", "desc")),
        )

    def data_series(self, segment_id: str, length: int, ending_at: Any = None) -> JSON:
        """GET /segments/data_series: daily segment size (analytics-tracked segments)."""
        return self._series(
            "/segments/data_series",
            segment_id=require_id(segment_id, "segment_id"),
            length=length,
            ending_at=ending_at,
        )

    def details(self, segment_id: str) -> JSON:
        """GET /segments/details."""
        return self._get("/segments/details", segment_id=require_id(segment_id, "segment_id"))

    def cancel_export(self, segment_id: str) -> JSON:
        """POST /export/segment/cancel: cancel every ongoing export of the segment.

        Safe to retry (cancelling twice cancels nothing more). Braze documents the
        ``segments.list`` permission for it.
        """
        return self._post(
            "/export/segment/cancel",
            {"segment_id": require_id(segment_id, "segment_id")},
            idempotent=True,
        )
