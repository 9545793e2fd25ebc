"""``/canvas/*``: list, details, and series/summary with variant and step breakdowns."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import (
    check_datetime,
    check_flag,
    check_length,
    parse_moment,
    require_id,
)

CANVAS_MAX_LENGTH = 14


class Canvas(Resource):
    """Canvas export endpoints."""

    def list(
        self,
        page: int | None = None,
        include_archived: bool = False,
        sort_direction: str | None = None,
    ) -> JSON:
        """GET /canvas/list: every page (100 each) unless ``page`` is given."""
        return self._archivable_list(
            "/canvas/list", "canvases", page, include_archived, sort_direction
        )

    def details(self, canvas_id: str, post_launch_draft_version: bool = False) -> JSON:
        """GET /canvas/details: variants, steps and their step graph (with
        ``post_launch_draft_version``: a post-launch draft's pending changes)."""
        params: dict[str, Any] = {"canvas_id": require_id(canvas_id, "canvas_id")}
        if post_launch_draft_version:
            params["post_launch_draft_version"] = "true"
        return self._get("/canvas/details", **params)

    def data_series(
        self,
        canvas_id: str,
        ending_at: Any,
        starting_at: Any = None,
        length: int | None = None,
        include_variant_breakdown: bool = False,
        include_step_breakdown: bool = False,
        include_deleted_step_data: bool = False,
    ) -> JSON:
        """GET /canvas/data_series: ``data`` is ``{name, stats: [...]}``."""
        return self._canvas_data(
            "/canvas/data_series",
            canvas_id,
            ending_at,
            starting_at,
            length,
            include_variant_breakdown,
            include_step_breakdown,
            include_deleted_step_data,
        )

    def data_summary(
        self,
        canvas_id: str,
        ending_at: Any,
        starting_at: Any = None,
        length: int | None = None,
        include_variant_breakdown: bool = False,
        include_step_breakdown: bool = False,
        include_deleted_step_data: bool = False,
    ) -> JSON:
        """GET /canvas/data_summary: the same window rolled up into totals."""
        return self._canvas_data(
            "/canvas/data_summary",
            canvas_id,
            ending_at,
            starting_at,
            length,
            include_variant_breakdown,
            include_step_breakdown,
            include_deleted_step_data,
        )

    def _canvas_data(
        self,
        path: str,
        canvas_id: Any,
        ending_at: Any,
        starting_at: Any,
        length: Any,
        include_variant_breakdown: Any,
        include_step_breakdown: Any,
        include_deleted_step_data: Any,
    ) -> JSON:
        """Both Canvas windows: ``ending_at`` plus exactly one of ``length``/``starting_at``."""
        if ending_at is None:
            raise ValueError("ending_at is required for Canvas data")
        if (length is None) == (starting_at is None):
            raise ValueError("Canvas data needs exactly one of length or starting_at")
        if starting_at is not None and parse_moment(starting_at, "starting_at", "start") >= (
            parse_moment(ending_at, "ending_at", "end")
        ):
            raise ValueError("starting_at must be before ending_at")
        return self._get(
            path,
            canvas_id=require_id(canvas_id, "canvas_id"),
            ending_at=check_datetime(ending_at, "ending_at", "end"),
            starting_at=check_datetime(starting_at, "starting_at", "start"),
            length=None if length is None else check_length(length, maximum=CANVAS_MAX_LENGTH),
            include_variant_breakdown=check_flag(
                include_variant_breakdown, "include_variant_breakdown"
            ),
            include_step_breakdown=check_flag(include_step_breakdown, "include_step_breakdown"),
            include_deleted_step_data=check_flag(
                include_deleted_step_data, "include_deleted_step_data"
            ),
        )
