"""``/sends/data_series``: stats for one tracked API send (kept 14 days by Braze)."""

from __future__ import annotations

from typing import Any

from braze_api.frames.series_bytes import SeriesFrames
from braze_api.resources._base import JSON, Resource
from braze_api.validation import require_id


class Sends(Resource):
    """Send analytics endpoint."""

    def data_series(
        self, campaign_id: str, send_id: str, length: int, ending_at: Any = None
    ) -> JSON:
        """GET /sends/data_series."""
        return self._series(
            "/sends/data_series",
            campaign_id=require_id(campaign_id, "campaign_id"),
            send_id=require_id(send_id, "send_id"),
            length=length,
            ending_at=ending_at,
        )

    def data_series_frames(
        self, campaign_id: str, send_id: str, length: int, ending_at: Any = None
    ) -> SeriesFrames:
        """GET /sends/data_series, read from the bytes into the long and totals frames and
        the channel list (``frames.campaign_series_from_bytes``; nothing decoded is kept)."""
        return self._series_frames(
            "/sends/data_series",
            campaign_id=require_id(campaign_id, "campaign_id"),
            send_id=require_id(send_id, "send_id"),
            length=length,
            ending_at=ending_at,
        )
