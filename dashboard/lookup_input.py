"""What a person typed or uploaded on the User lookup page → one valid export request.

Pure (no Streamlit, no I/O): every check runs before anything is sent, and a bad input yields
readable messages instead of a request. Identifiers are personal data, so messages quote at
most a short, truncated fragment of the offending value.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from braze_api.fields import (
    EXPORT_FIELDS as EXPORT_FIELDS,  # re-exported: the lookup page offers them
)

Kind = Literal["external_id", "alias", "email", "device_id", "braze_id", "phone"]

#: Identifier kinds in the order the page offers them, with the label people see.
KIND_LABELS: dict[Kind, str] = {
    "external_id": "External ID",
    "alias": "User alias (name + label)",
    "email": "Email address",
    "device_id": "Device ID",
    "braze_id": "Braze ID",
    "phone": "Phone number",
}
# The users.export_ids keyword each kind travels in.
_CLIENT_ARG: dict[Kind, str] = {
    "external_id": "external_ids",
    "alias": "user_aliases",
    "email": "email_address",
    "device_id": "device_id",
    "braze_id": "braze_id",
    "phone": "phone",
}
_ID_NAMES: dict[str, str] = {
    "external_id": "external ID",
    "device_id": "device ID",
    "braze_id": "Braze ID",
}

MAX_ID_LENGTH = 512
MAX_EMAIL_LENGTH = 254
# 50 requests of 50 ids: a fifth of the 250 requests/minute newer workspaces get.
MAX_BATCH_IDS = 2500
MAX_UPLOAD_BYTES = 5 * 1024 * 1024

_SEPARATORS = re.compile(r"[\r\n,;\t]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


@dataclass(frozen=True)
class LookupRequest:
    """One validated lookup: a kind, its values, and the fields to export."""

    kind: Kind
    values: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()
    fields: tuple[str, ...] = EXPORT_FIELDS

    @property
    def count(self) -> int:
        return len(self.aliases) if self.kind == "alias" else len(self.values)

    @property
    def is_batch(self) -> bool:
        return self.kind == "external_id" and len(self.values) > 1

    def client_kwargs(self, values: Sequence[Any] | None = None) -> dict[str, Any]:
        """Keyword arguments for ``users.export_ids`` (``values`` overrides, for chunks)."""
        arg = _CLIENT_ARG[self.kind]
        if self.kind == "alias":
            items: Any = values if values is not None else self.aliases
            payload: Any = [{"alias_name": n, "alias_label": lbl} for n, lbl in items]
        elif self.kind == "external_id":
            payload = list(values if values is not None else self.values)
        else:
            payload = (values or self.values)[0]
        return {arg: payload, "fields_to_export": list(self.fields)}


@dataclass(frozen=True)
class Parsed:
    """The outcome of reading an input: a request, or the reasons there is none."""

    request: LookupRequest | None = None
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.request is not None and not self.errors


def _snippet(value: str, limit: int = 24) -> str:
    """A short, printable fragment of a value for an error message."""
    clean = _CONTROL.sub("?", value)
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def check_identifier(value: str, what: str) -> list[str]:
    """Problems with one opaque identifier (length, control characters); [] when fine."""
    if not value:
        return [f"Enter the {what}."]
    problems = []
    if len(value) > MAX_ID_LENGTH:
        problems.append(
            f"The {what} is {len(value):,} characters long; Braze identifiers are at most "
            f"{MAX_ID_LENGTH} characters."
        )
    if _CONTROL.search(value):
        problems.append(f"The {what} contains control characters (tabs or line breaks).")
    return problems


def check_email(value: str) -> list[str]:
    """An email address must look like name@domain.tld and fit Braze's length."""
    if not value:
        return ["Enter the email address."]
    if len(value) > MAX_EMAIL_LENGTH or not _EMAIL.match(value):
        return [f'"{_snippet(value)}" does not look like an email address (name@example.com).']
    return []


def normalise_phone(value: str) -> str:
    """Drop spaces, dots, dashes and brackets people type: "+1 (555) 010-0001" → "+15550100001"."""
    return _PHONE_PUNCTUATION.sub("", value)


def check_phone(value: str) -> list[str]:
    """Braze matches phone numbers in E.164 form: "+", country code, 7 to 15 digits in all."""
    if not value:
        return ["Enter the phone number."]
    if not _E164.match(normalise_phone(value)):
        return [
            f'"{_snippet(value)}" is not a phone number in international form: start with + '
            "and the country code, e.g. +14155550100."
        ]
    return []


def split_ids(text: str) -> list[str]:
    """Pasted ids (one per line or comma separated), stripped; blanks kept so they can be counted."""
    parts = _SEPARATORS.split(text or "")
    if parts and not parts[-1].strip():
        parts = parts[:-1]  # a trailing newline is not an empty entry
    return [part.strip().strip('"').strip() for part in parts]


def dedupe(values: Iterable[str]) -> tuple[list[str], int, int]:
    """Drop blanks and repeats, keeping first-seen order; also say how many of each went."""
    seen: set[str] = set()
    out: list[str] = []
    blanks = duplicates = 0
    for value in values:
        if not value:
            blanks += 1
        elif value in seen:
            duplicates += 1
        else:
            seen.add(value)
            out.append(value)
    return out, blanks, duplicates


def check_fields(fields: Sequence[str]) -> list[str]:
    """At least one documented field must be chosen."""
    if not fields:
        return ["Choose at least one field to export."]
    unknown = [f for f in fields if f not in EXPORT_FIELDS]
    if unknown:
        return [f"Unknown export fields: {', '.join(_snippet(f) for f in unknown)}."]
    return []


def _fields_tuple(fields: Sequence[str] | None) -> tuple[str, ...]:
    chosen = set(EXPORT_FIELDS if fields is None else fields)
    return tuple(f for f in EXPORT_FIELDS if f in chosen)


def parse_single(
    kind: Kind,
    value: str = "",
    *,
    alias_label: str = "",
    fields: Sequence[str] | None = None,
) -> Parsed:
    """One person by one identifier; for ``alias`` the value is the alias name."""
    value = (value or "").strip()
    errors = check_fields(fields) if fields is not None else []
    if kind == "alias":
        label = (alias_label or "").strip()
        errors += check_identifier(value, "alias name") + check_identifier(label, "alias label")
        if errors:
            return Parsed(errors=tuple(errors))
        return Parsed(
            LookupRequest("alias", aliases=((value, label),), fields=_fields_tuple(fields))
        )
    if kind == "email":
        errors += check_email(value)
    elif kind == "phone":
        errors += check_phone(value)
        value = normalise_phone(value)
    elif kind in _ID_NAMES:
        errors += check_identifier(value, _ID_NAMES[kind])
    else:
        errors.append(f"Unknown identifier kind {_snippet(str(kind))!r}.")
    if errors:
        return Parsed(errors=tuple(errors))
    return Parsed(LookupRequest(kind, values=(value,), fields=_fields_tuple(fields)))


def parse_batch(ids: Sequence[str], *, fields: Sequence[str] | None = None) -> Parsed:
    """Many external ids (already split, e.g. by ``split_ids`` or ``ids_from_csv``)."""
    unique, blanks, duplicates = dedupe(i.strip() for i in ids)
    notes = []
    if blanks:
        notes.append(f"{blanks:,} empty {'entry' if blanks == 1 else 'entries'} ignored.")
    if duplicates:
        notes.append(f"{duplicates:,} duplicate{'' if duplicates == 1 else 's'} removed.")
    errors = check_fields(fields) if fields is not None else []
    if not unique:
        errors.append("Enter at least one external ID (one per line, or separated by commas).")
    if len(unique) > MAX_BATCH_IDS:
        errors.append(
            f"{len(unique):,} external IDs is more than the {MAX_BATCH_IDS:,} one lookup may "
            "fetch (Braze allows newer workspaces 250 export requests a minute). Split the list."
        )
    bad = [(n, p) for n, v in enumerate(unique, 1) for p in check_identifier(v, "external ID")]
    for number, problem in bad[:5]:
        errors.append(f"ID {number}: {problem}")
    if len(bad) > 5:
        errors.append(f"…and {len(bad) - 5:,} more IDs with problems.")
    if errors:
        return Parsed(errors=tuple(errors), notes=tuple(notes))
    request = LookupRequest("external_id", values=tuple(unique), fields=_fields_tuple(fields))
    return Parsed(request, notes=tuple(notes))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    """The header line's most frequent of comma, semicolon and tab (Excel exports vary)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=header.count) if any(d in header for d in ",;\t") else ","


def csv_columns(data: bytes) -> list[str]:
    """The header row of an uploaded CSV (raises ValueError when it cannot be read)."""
    rows = _read_csv(data)
    return rows[0] if rows else []


def _read_csv(data: bytes) -> list[list[str]]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"The file is {len(data) / 1_048_576:.1f} MB; upload at most "
            f"{MAX_UPLOAD_BYTES // 1_048_576} MB of IDs."
        )
    text = _decode(data)
    if "\x00" in text:
        raise ValueError("That file is not a CSV text file.")
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    except csv.Error as err:
        raise ValueError(f"The CSV could not be read: {err}.") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise ValueError("The CSV file is empty.")
    rows[0] = [h.strip() or f"column {n}" for n, h in enumerate(rows[0], 1)]
    return rows


def ids_from_csv(data: bytes, column: str) -> list[str]:
    """The values under ``column`` (header row excluded), stripped; blanks kept for counting."""
    rows = _read_csv(data)
    header = rows[0]
    if column not in header:
        raise ValueError("Choose a column that exists in the file.")
    index = header.index(column)
    return [row[index].strip() if index < len(row) else "" for row in rows[1:]]
