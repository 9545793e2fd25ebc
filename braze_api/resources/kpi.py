"""``/kpi/*/data_series``: MAU, DAU, new users and uninstalls."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import optional_id


class Kpi(Resource):
    """KPI export endpoints; all four share one parameter set."""

    def _kpi(self, name: str, length: int, ending_at: Any, app_id: str | None) -> JSON:
        return self._series(
            f"/kpi/{name}/data_series",
            length=length,
            ending_at=ending_at,
            app_id=optional_id(app_id, "app_id"),
        )

    def mau(self, length: int, ending_at: Any = None, app_id: str | None = None) -> JSON:
        """GET /kpi/mau/data_series: 30-day rolling unique actives."""
        return self._kpi("mau", length, ending_at, app_id)

    def dau(self, length: int, ending_at: Any = None, app_id: str | None = None) -> JSON:
        """GET /kpi/dau/data_series: daily unique actives."""
        return self._kpi("dau", length, ending_at, app_id)

    def new_users(self, length: int, ending_at: Any = None, app_id: str | None = None) -> JSON:
        """GET /kpi/new_users/data_series."""
        return self._kpi("new_users", length, ending_at, app_id)

    def uninstalls(self, length: int, ending_at: Any = None, app_id: str | None = None) -> JSON:
        """GET /kpi/uninstalls/data_series."""
        return self._kpi("uninstalls", length, ending_at, app_id)
