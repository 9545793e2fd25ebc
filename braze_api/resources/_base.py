"""Shared plumbing for the resource groups: GET/POST, page walking and series params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from braze_api.errors import BadResponseError
from braze_api.validation import (
    check_choice,
    check_datetime,
    check_flag,
    check_length,
    check_page,
)

if TYPE_CHECKING:
    from braze_api.client import BrazeClient

JSON = dict[str, Any]

# Guard against a peer that ignores ``page`` and repeats a full page forever.
MAX_PAGES = 1000


class Resource:
    """One Braze path group (``/kpi``, ``/campaigns``, ...) bound to a client."""

    def __init__(self, client: BrazeClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._client!r})"

    def _get(self, path: str, **params: Any) -> JSON:
        return self._client.request("GET", path, params=params)

    def _post(self, path: str, body: JSON, *, idempotent: bool = False) -> JSON:
        """POST once; ``idempotent=True`` only for reads that merely travel as a POST."""
        return self._client.request("POST", path, json_body=body, idempotent=idempotent)

    def _list(self, path: str, key: str, page_size: int, page: Any = None, **params: Any) -> JSON:
        """One page if ``page`` is given, else every page in order until a short one.

        The returned body is the last page's, with ``key`` holding all items.
        """
        page = check_page(page)
        if page is not None:
            return self._get(path, page=page, **params)
        items: list[Any] = []
        for number in range(MAX_PAGES):
            body = self._get(path, page=number, **params)
            chunk = body.get(key)
            if chunk is None:
                chunk = []
            if not isinstance(chunk, list):
                raise BadResponseError(
                    f"Braze sent an unexpected '{key}' value for {path}", endpoint=path
                )
            items.extend(chunk)
            if len(chunk) < page_size:
                return {**body, key: items}
        raise BadResponseError(
            f"Braze kept returning full pages for {path} past page {MAX_PAGES}", endpoint=path
        )

    def _archivable_list(
        self, path: str, key: str, page: Any, include_archived: Any, sort_direction: Any
    ) -> JSON:
        """The shape campaigns, Canvases and cards share: 100 a page, archived on request."""
        return self._list(
            path,
            key,
            100,
            page,
            include_archived=check_flag(include_archived, "include_archived"),
            sort_direction=check_choice(sort_direction, "sort_direction", ("asc", "desc")),
        )

    def _series(
        self,
        path: str,
        *,
        length: Any,
        ending_at: Any = None,
        unit: Any = None,
        **params: Any,
    ) -> JSON:
        """A ``*/data_series`` GET with the shared ``length``/``unit``/``ending_at`` checks."""
        return self._get(
            path,
            length=check_length(length),
            unit=check_choice(unit, "unit", ("day", "hour")),
            ending_at=check_datetime(ending_at, "ending_at"),
            **params,
        )
