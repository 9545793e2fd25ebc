"""``/feed/*``: legacy News Feed cards (deprecated by Braze, still answered for old workspaces)."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import require_id


class Feed(Resource):
    """News Feed export endpoints."""

    def list(
        self,
        page: int | None = None,
        include_archived: bool = False,
        sort_direction: str | None = None,
    ) -> JSON:
        """GET /feed/list: every page (100 each) unless ``page`` is given."""
        return self._archivable_list("/feed/list", "cards", page, include_archived, sort_direction)

    def data_series(
        self, card_id: str, length: int, unit: str | None = None, ending_at: Any = None
    ) -> JSON:
        """GET /feed/data_series: clicks and impressions per day or hour."""
        return self._series(
            "/feed/data_series",
            card_id=require_id(card_id, "card_id"),
            length=length,
            unit=unit,
            ending_at=ending_at,
        )

    def details(self, card_id: str) -> JSON:
        """GET /feed/details."""
        return self._get("/feed/details", card_id=require_id(card_id, "card_id"))
