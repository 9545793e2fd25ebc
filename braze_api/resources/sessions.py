"""``/sessions/data_series``: session counts per day or hour."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import optional_id


class Sessions(Resource):
    """Session analytics endpoint."""

    def data_series(
        self,
        length: int,
        unit: str | None = None,
        ending_at: Any = None,
        app_id: str | None = None,
        segment_id: str | None = None,
    ) -> JSON:
        """GET /sessions/data_series."""
        return self._series(
            "/sessions/data_series",
            length=length,
            unit=unit,
            ending_at=ending_at,
            app_id=optional_id(app_id, "app_id"),
            segment_id=optional_id(segment_id, "segment_id"),
        )
