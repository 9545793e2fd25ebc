"""``/campaigns/*``: list, daily series and details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import require_id


class Campaigns(Resource):
    """Campaign export endpoints."""

    def list(
        self,
        page: int | None = None,
        include_archived: bool = False,
        sort_direction: str | None = None,
        on_page: Callable[[list[Any]], None] | None = None,
    ) -> JSON:
        """GET /campaigns/list: every page (100 each) unless ``page`` is given; ``on_page``
        sees each page's campaigns as it arrives."""
        return self._archivable_list(
            "/campaigns/list", "campaigns", page, include_archived, sort_direction, on_page
        )

    def data_series(self, campaign_id: str, length: int, ending_at: Any = None) -> JSON:
        """GET /campaigns/data_series: per-day, per-channel message stats."""
        return self._series(
            "/campaigns/data_series",
            campaign_id=require_id(campaign_id, "campaign_id"),
            length=length,
            ending_at=ending_at,
        )

    def details(self, campaign_id: str, post_launch_draft_version: bool = False) -> JSON:
        """GET /campaigns/details; ``post_launch_draft_version`` shows a post-launch draft's
        pending changes instead of what is live."""
        params: dict[str, Any] = {"campaign_id": require_id(campaign_id, "campaign_id")}
        if post_launch_draft_version:
            params["post_launch_draft_version"] = "true"
        return self._get("/campaigns/details", **params)
