"""The user profile fields Braze's user exports accept in ``fields_to_export``.

One list for the client's callers, the sandbox and the pages, in a sensible reading order
(the old reference's fields plus today's additions); and the kinds of value a custom
attribute holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

#: A JSON value's kind, in JSON's own words (segment exports label custom attributes so).
ValueKind = Literal["null", "boolean", "number", "string", "array", "object"]

#: Scalar profile fields, in reading order.
SCALAR_FIELDS: tuple[str, ...] = (
    "external_id",
    "braze_id",
    "user_aliases",
    "first_name",
    "last_name",
    "email",
    "phone",
    "dob",
    "gender",
    "country",
    "home_city",
    "language",
    "time_zone",
    "last_coordinates",
    "created_at",
    "random_bucket",
    "total_revenue",
    "push_subscribe",
    "email_subscribe",
    "attributed_campaign",
    "attributed_source",
    "attributed_adgroup",
    "attributed_ad",
)
#: Fields holding objects or lists (custom attributes, events, purchases, devices, ...).
NESTED_FIELDS: tuple[str, ...] = (
    "custom_attributes",
    "custom_events",
    "purchases",
    "devices",
    "push_tokens",
    "apps",
    "campaigns_received",
    "canvases_received",
    "cards_clicked",
)
EXPORT_FIELDS: tuple[str, ...] = (*SCALAR_FIELDS, *NESTED_FIELDS, "uninstalled")


def value_kind(value: Any) -> ValueKind:
    """The JSON kind of a decoded value (a bool is a boolean, not a number)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return "string"
