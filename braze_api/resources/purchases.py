"""``/purchases/*``: product names, revenue and quantity series."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import optional_id


class Purchases(Resource):
    """Revenue analytics endpoints."""

    def product_list(self, page: int | None = None) -> JSON:
        """GET /purchases/product_list: every page (250 names each) unless ``page`` is given."""
        return self._list("/purchases/product_list", "products", 250, page)

    def _purchase_series(
        self, path: str, length: int, product: Any, unit: Any, ending_at: Any, app_id: Any
    ) -> JSON:
        return self._series(
            path,
            length=length,
            unit=unit,
            ending_at=ending_at,
            product=optional_id(product, "product"),
            app_id=optional_id(app_id, "app_id"),
        )

    def revenue_series(
        self,
        length: int,
        product: str | None = None,
        unit: str | None = None,
        ending_at: Any = None,
        app_id: str | None = None,
    ) -> JSON:
        """GET /purchases/revenue_series: money spent (USD)."""
        return self._purchase_series(
            "/purchases/revenue_series", length, product, unit, ending_at, app_id
        )

    def quantity_series(
        self,
        length: int,
        product: str | None = None,
        unit: str | None = None,
        ending_at: Any = None,
        app_id: str | None = None,
    ) -> JSON:
        """GET /purchases/quantity_series: number of purchases."""
        return self._purchase_series(
            "/purchases/quantity_series", length, product, unit, ending_at, app_id
        )
