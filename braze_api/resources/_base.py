"""Shared plumbing for the resource groups: GET/POST, page walking and series params."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from requests.utils import parse_header_links

from braze_api.errors import BadResponseError
from braze_api.frames.series_bytes import SeriesFrames, campaign_series_from_bytes
from braze_api.validation import (
    check_choice,
    check_cursor,
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
MAX_CURSOR_CHARS = 512


@dataclass(frozen=True)
class CursorPage:
    """One page of a cursor-paged endpoint and the cursor of the next one (None: last page)."""

    body: JSON
    next_cursor: str | None


def next_cursor(headers: Mapping[str, str]) -> str | None:
    """The ``cursor`` of the ``Link`` header's ``rel="next"`` URL, or None.

    Only the cursor is taken: the URL itself is never followed (it could name another host).
    """
    raw = headers.get("Link") or headers.get("link")
    if not raw or len(raw) > 8 * MAX_CURSOR_CHARS:
        return None
    for link in parse_header_links(raw):
        if "next" not in str(link.get("rel", "")).split():
            continue
        values = parse_qs(urlsplit(link.get("url", "")).query).get("cursor") or []
        cursor = values[0].strip() if values else ""
        if cursor and len(cursor) <= MAX_CURSOR_CHARS:
            return cursor
    return None


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

    def _list(
        self,
        path: str,
        key: str,
        page_size: int,
        page: Any = None,
        on_page: Callable[[list[Any]], None] | None = None,
        **params: Any,
    ) -> JSON:
        """One page if ``page`` is given, else every page in order until a short one.

        The returned body is the last page's, with ``key`` holding all items. ``on_page`` sees
        each page's items as they arrive (so a caller can start on them before the last page).
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
            if on_page is not None:
                on_page(chunk)
            if len(chunk) < page_size:
                return {**body, key: items}
        raise BadResponseError(
            f"Braze kept returning full pages for {path} past page {MAX_PAGES}", endpoint=path
        )

    def _cursor_page(self, path: str, cursor: Any = None) -> CursorPage:
        """One page of a ``Link``-header paged GET (``cursor=None``: the first page)."""
        params = {"cursor": check_cursor(cursor)}
        body, headers = self._client.request_with_headers("GET", path, params=params)
        return CursorPage(body, next_cursor(headers))

    def _cursor_list(self, path: str, key: str, cursor: Any = None) -> JSON:
        """Every page from ``cursor`` on, following ``rel="next"``; ``key`` holds all items.

        The returned body is the last page's. A cursor Braze repeats ends the walk with an
        error instead of looping forever.
        """
        items: list[Any] = []
        seen: set[str] = set()
        current = check_cursor(cursor)
        for _ in range(MAX_PAGES):
            page = self._cursor_page(path, current)
            chunk = page.body.get(key)
            if chunk is None:
                chunk = []
            if not isinstance(chunk, list):
                raise BadResponseError(
                    f"Braze sent an unexpected '{key}' value for {path}", endpoint=path
                )
            items.extend(chunk)
            if page.next_cursor is None:
                return {**page.body, key: items}
            if page.next_cursor in seen:
                raise BadResponseError(f"Braze repeated a page cursor for {path}", endpoint=path)
            seen.add(page.next_cursor)
            current = page.next_cursor
        raise BadResponseError(
            f"Braze kept sending next pages for {path} past page {MAX_PAGES}", endpoint=path
        )

    def _archivable_list(
        self,
        path: str,
        key: str,
        page: Any,
        include_archived: Any,
        sort_direction: Any,
        on_page: Callable[[list[Any]], None] | None = None,
    ) -> JSON:
        """The shape campaigns, Canvases and cards share: 100 a page, archived on request."""
        return self._list(
            path,
            key,
            100,
            page,
            on_page,
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
        return self._get(path, **_series_params(length, ending_at, unit, params))

    def _series_frames(
        self, path: str, *, length: Any, ending_at: Any = None, **params: Any
    ) -> SeriesFrames:
        """``_series`` for a campaign-shaped series, read from the bytes straight into frames
        (``frames.campaign_series_from_bytes``: typed, so a wrong type raises
        ``SeriesTypeError``)."""
        query = _series_params(length, ending_at, None, params)
        return self._client.request_parsed("GET", path, campaign_series_from_bytes, params=query)


def _series_params(length: Any, ending_at: Any, unit: Any, params: dict[str, Any]) -> JSON:
    return {
        "length": check_length(length),
        "unit": check_choice(unit, "unit", ("day", "hour")),
        "ending_at": check_datetime(ending_at, "ending_at"),
        **params,
    }
