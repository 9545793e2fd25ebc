"""Custom event and attribute definitions (`/events`, `/custom_attributes`) and cursor paging.

Definitions are a pure function of (seed, name), drawn from their own RNG streams, so adding
them changes no other synthetic value. Paging follows Braze's cursor scheme: 50 items a page,
a `Link` header with `rel="prev"` (when a cursor was sent) and `rel="next"` (unless last).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from . import catalog
from .rng import rng_for
from .timewin import bad

CURSOR_PAGE = 50

EVENT_STATUSES = ("Active", "Active", "Active", "Active", "Active", "Blocklisted", "Trashed")
ATTRIBUTE_STATUSES = ("Active", "Active", "Active", "Active", "Blocklisted")
EVENT_TAGS = ("engagement", "commerce", "onboarding", "content", "growth", "legacy")

# (name, Braze data type, description) of the attributes the synthetic users carry.
USER_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("address", "Object", "Postal address: city and zip"),
    ("favorite_color", "String", "Colour picked in the profile screen"),
    ("loyalty_tier", "String", "Tier of the loyalty programme"),
    ("pets", "Array", "Pets the user told us about"),
    ("score", "Number", "Engagement score, 0 to 100"),
)
_EXTRA_KINDS = (
    ("String", "preferred_{}", "Preferred {} chosen in settings"),
    ("Boolean", "opted_into_{}", "Whether the user opted into {} updates"),
    ("Number", "{}_count", "Count of {} interactions"),
    ("Time", "last_{}_at", "When the user last touched {}"),
    ("Array", "recent_{}", "Most recent {} (newest first)"),
)


@dataclass(frozen=True)
class Reply:
    """A route's body plus extra response headers (e.g. `Link`)."""

    body: dict
    headers: dict[str, str] = field(default_factory=dict)
    #: the body already encoded (exactly ``json.dumps(body, ensure_ascii=False)``), when the
    #: route built it from remembered parts; ``body`` is then only its shape's outline
    encoded: str | None = None


@lru_cache(maxsize=8)
def event_definitions(seed: int, events: tuple[str, ...]) -> list[dict]:
    """One `/events` entry per custom event name, sorted like Braze (alphabetically)."""
    out = []
    for name in sorted(events):
        rng = rng_for(seed, "event-definition", name)
        verb, _, noun = name.partition("_")
        described = rng.random() < 0.8
        out.append(
            {
                "name": name,
                "description": f"User {verb} a {noun or 'thing'}".strip() if described else "",
                "included_in_analytics_report": rng.random() < 0.35,
                "status": rng.choice(EVENT_STATUSES),
                "tag_names": sorted(rng.sample(EVENT_TAGS, rng.randint(0, 2))),
            }
        )
    return out


@lru_cache(maxsize=8)
def attribute_definitions(seed: int, names: catalog.Names = catalog.REALISTIC) -> list[dict]:
    """Every custom attribute: the ones on synthetic profiles plus enough to span pages."""
    entries = list(USER_ATTRIBUTES)
    for i, noun in enumerate(catalog.EVENT_NOUNS):
        for j in range(3):  # 60 more: the list spans two pages of 50
            kind, pattern, text = _EXTRA_KINDS[(i + j) % len(_EXTRA_KINDS)]
            entries.append((pattern.format(noun), kind, text.format(noun)))
    entries.append((names.extra_attribute[0], "String", names.extra_attribute[1]))
    out = []
    for name, kind, text in sorted(entries, key=lambda e: e[0]):
        rng = rng_for(seed, "attribute-definition", name)
        out.append(
            {
                "array_length": (25 if rng.random() < 0.5 else 100) if kind == "Array" else None,
                "data_type": kind,
                "description": text if rng.random() < 0.85 else "",
                "name": name,
                "status": rng.choice(ATTRIBUTE_STATUSES),
                "tag_names": sorted(rng.sample(catalog.TAGS, rng.randint(0, 2))),
            }
        )
    return out


def segment_notes(
    seed: int, segment_id: str, name: str, names: catalog.Names = catalog.REALISTIC
) -> tuple[str | None, list[str]]:
    """A segment's marketer-written `text_description` (sometimes none) and its `teams`."""
    rng = rng_for(seed, "segment-notes", segment_id)
    text = None
    if rng.random() < 0.75:
        purpose = rng.choice(("win-back offers", "onboarding tips", "launch news", "surveys"))
        text = f"{name}: audience for {purpose}. Ask the CRM team before editing."
    return text, sorted(rng.sample(names.segment_teams, rng.randint(0, 2)))


def permission_for(path: str) -> str:
    """Braze's permission name for an endpoint: `/kpi/dau/data_series` -> `kpi.dau.data_series`,
    the bare exports `/events` and `/custom_attributes` -> `events.get`, `custom_attributes.get`."""
    name = path.strip("/").replace("/", ".")
    return f"{name}.get" if "." not in name else name


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"skip:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad("Invalid cursor") from None
    prefix, _, number = text.partition(":")
    if prefix != "skip" or not number.isdigit():
        raise bad("Invalid cursor")
    return int(number)


def cursor_page(
    items: Sequence[dict], cursor: str | None, base_url: str, path: str, key: str
) -> Reply:
    """The page at `cursor` under `key`, and its `Link` header (none when one page holds all)."""
    offset = decode_cursor(cursor)
    if offset > len(items):
        raise bad("Invalid cursor")
    links = []
    if cursor:
        previous = encode_cursor(max(0, offset - CURSOR_PAGE))
        links.append(f'<{base_url}{path}?cursor={previous}>; rel="prev"')
    if offset + CURSOR_PAGE < len(items):
        following = encode_cursor(offset + CURSOR_PAGE)
        links.append(f'<{base_url}{path}?cursor={following}>; rel="next"')
    body = {"message": "success", key: list(items[offset : offset + CURSOR_PAGE])}
    return Reply(body, {"Link": ",".join(links)} if links else {})
