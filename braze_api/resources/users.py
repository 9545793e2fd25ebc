"""``/users/export/*``: export profiles by identifier (chunked), by segment, or the Global
Control Group."""

from __future__ import annotations

from typing import Any

from braze_api.resources._base import JSON, Resource
from braze_api.validation import (
    check_choice,
    check_fields,
    check_url,
    check_user_aliases,
    require_id,
    require_ids,
)

# Braze accepts at most this many external_ids or user_aliases per /users/export/ids call.
IDS_PER_CALL = 50


class Users(Resource):
    """User export endpoints."""

    def export_ids(
        self,
        external_ids: list[str] | None = None,
        user_aliases: list[dict[str, str]] | None = None,
        device_id: str | None = None,
        email_address: str | None = None,
        braze_id: str | None = None,
        phone: str | None = None,
        fields_to_export: list[str] | None = None,
    ) -> JSON:
        """POST /users/export/ids for exactly one identifier kind.

        More than 50 external ids or aliases are sent in chunks of 50 and merged:
        ``users`` and ``invalid_user_ids`` concatenated in request order.
        """
        given = {
            "external_ids": external_ids,
            "user_aliases": user_aliases,
            "device_id": device_id,
            "email_address": email_address,
            "braze_id": braze_id,
            "phone": phone,
        }
        kinds = [name for name, value in given.items() if value is not None]
        if len(kinds) != 1:
            raise ValueError(
                "users.export_ids needs exactly one of external_ids, user_aliases, device_id, "
                f"email_address, braze_id or phone (got {', '.join(kinds) or 'none'})"
            )
        kind = kinds[0]
        fields = check_fields(fields_to_export)
        extra: JSON = {"fields_to_export": fields} if fields is not None else {}
        if kind == "external_ids":
            values: list[Any] = require_ids(external_ids, "external_ids")
        elif kind == "user_aliases":
            values = check_user_aliases(user_aliases)
        else:
            return self._lookup({kind: require_id(given[kind], kind), **extra})
        chunks = [values[i : i + IDS_PER_CALL] for i in range(0, len(values), IDS_PER_CALL)]
        bodies = [self._lookup({kind: chunk, **extra}) for chunk in chunks]
        return _merge_exports(bodies)

    def export_segment(
        self,
        segment_id: str,
        callback_endpoint: str | None = None,
        fields_to_export: list[str] | None = None,
        output_format: str | None = None,
    ) -> JSON:
        """POST /users/export/segment: starts an export; returns ``object_prefix``/``url``.

        Never retried: a repeated POST could start a second export (Braze answers 429 for a
        segment already exporting), so any failure is raised for the caller to decide.
        """
        body = {
            "segment_id": require_id(segment_id, "segment_id"),
            "callback_endpoint": check_url(callback_endpoint, "callback_endpoint"),
            "fields_to_export": check_fields(fields_to_export),
            "output_format": check_choice(output_format, "output_format", ("zip", "gzip")),
        }
        return self._post("/users/export/segment", {k: v for k, v in body.items() if v is not None})

    def export_global_control_group(
        self,
        callback_endpoint: str | None = None,
        fields_to_export: list[str] | None = None,
        output_format: str | None = None,
    ) -> JSON:
        """POST /users/export/global_control_group: starts an export of every user in the
        Global Control Group; returns ``object_prefix``/``url`` like a segment export.

        Never retried, for the same reason as ``export_segment``.
        """
        body = {
            "callback_endpoint": check_url(callback_endpoint, "callback_endpoint"),
            "fields_to_export": check_fields(fields_to_export),
            "output_format": check_choice(output_format, "output_format", ("zip", "gzip")),
        }
        return self._post(
            "/users/export/global_control_group", {k: v for k, v in body.items() if v is not None}
        )

    def _lookup(self, body: JSON) -> JSON:
        # /users/export/ids only reads profiles (POST for the body's size): safe to retry.
        return self._post("/users/export/ids", body, idempotent=True)


def _merge_exports(bodies: list[JSON]) -> JSON:
    """Merge chunked export responses into one body shaped like a single response."""
    if len(bodies) == 1:
        return bodies[0]
    merged: JSON = {**bodies[0], "users": []}
    invalid: list[Any] = []
    for body in bodies:
        merged["users"].extend(body.get("users") or [])
        invalid.extend(body.get("invalid_user_ids") or [])
        if body.get("message", "success") != "success" and merged.get("message") == "success":
            merged["message"] = body["message"]
    if invalid or any("invalid_user_ids" in body for body in bodies):
        merged["invalid_user_ids"] = invalid
    return merged
