"""``/custom_attributes``: every custom attribute with its type, status, description, tags."""

from __future__ import annotations

from braze_api.resources._base import JSON, CursorPage, Resource


class CustomAttributes(Resource):
    """The custom attribute export (``custom_attributes.get`` permission)."""

    def get(self, cursor: str | None = None) -> JSON:
        """GET /custom_attributes: every page (50 each, ``Link`` cursor paging) from ``cursor``.

        Each attribute: ``name``, ``data_type``, ``array_length`` (null unless an array),
        ``description``, ``status``, ``tag_names``.
        """
        return self._cursor_list("/custom_attributes", "attributes", cursor)

    def get_page(self, cursor: str | None = None) -> CursorPage:
        """GET /custom_attributes: one page and the next page's cursor."""
        return self._cursor_page("/custom_attributes", cursor)
