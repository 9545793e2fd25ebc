"""Pure checks on what people type or upload on the User lookup page (nothing is sent)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.lookup_input import (
    EXPORT_FIELDS,
    MAX_BATCH_IDS,
    MAX_ID_LENGTH,
    MAX_UPLOAD_BYTES,
    LookupRequest,
    csv_columns,
    dedupe,
    ids_from_csv,
    normalise_phone,
    parse_batch,
    parse_single,
    split_ids,
)


def test_split_ids_accepts_lines_commas_and_quotes() -> None:
    assert split_ids('a\nb, c;d\t"e"\r\n\n') == ["a", "b", "c", "d", "e"]
    assert split_ids("") == []


def test_batch_drops_blanks_and_duplicates_and_says_so() -> None:
    parsed = parse_batch(["u1", "", "u2", "u1", "  ", "u3", "u2"])
    assert parsed.ok
    assert parsed.request.values == ("u1", "u2", "u3")
    assert parsed.notes == ("2 empty entries ignored.", "2 duplicates removed.")
    assert parsed.request.is_batch


def test_batch_refuses_empty_too_long_and_too_many() -> None:
    assert parse_batch(["", " "]).errors == (
        "Enter at least one external ID (one per line, or separated by commas).",
    )
    long = parse_batch(["ok", "x" * (MAX_ID_LENGTH + 1)])
    assert not long.ok and long.errors[0].startswith("ID 2: The external ID is 513 characters")
    many = parse_batch([f"u{i}" for i in range(MAX_BATCH_IDS + 1)])
    assert not many.ok and "Split the list" in many.errors[0]
    assert parse_batch([f"u{i}" for i in range(MAX_BATCH_IDS)]).ok


def test_batch_lists_only_the_first_five_bad_ids() -> None:
    parsed = parse_batch(["x" * 600 + str(i) for i in range(8)])
    assert len(parsed.errors) == 6
    assert parsed.errors[-1] == "…and 3 more IDs with problems."


@pytest.mark.parametrize(
    "email",
    ["a@b.co", "first.last+tag@mail.example", "o'neil@sub.domain.org"],
)
def test_good_emails(email: str) -> None:
    parsed = parse_single("email", f"  {email} ")
    assert parsed.ok and parsed.request.values == (email,)
    assert parsed.request.client_kwargs()["email_address"] == email


@pytest.mark.parametrize(
    "email", ["", "plain", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b.co.", "x" * 250 + "@b.co"]
)
def test_bad_emails(email: str) -> None:
    parsed = parse_single("email", email)
    assert not parsed.ok and parsed.request is None
    assert parsed.errors


def test_error_messages_quote_only_a_short_fragment() -> None:
    secret = "someone.with.a.very.long.address.that.should.not.be.echoed" + "@"
    (message,) = parse_single("email", secret).errors
    assert secret not in message and "…" in message


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("+14155550100", "+14155550100"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_normalised_to_e164(typed: str, sent: str) -> None:
    parsed = parse_single("phone", typed)
    assert parsed.ok and parsed.request.client_kwargs()["phone"] == sent


@pytest.mark.parametrize(
    "phone", ["4155550100", "+0123456789", "+1 555", "+1" + "2" * 15, "+1abc5550100"]
)
def test_bad_phones(phone: str) -> None:
    assert not parse_single("phone", phone).ok


def test_alias_needs_name_and_label() -> None:
    assert parse_single("alias", "anon-1", alias_label="").errors == ("Enter the alias label.",)
    assert parse_single("alias", "", alias_label="amp").errors == ("Enter the alias name.",)
    parsed = parse_single("alias", " anon-1 ", alias_label=" amp ")
    assert parsed.ok
    assert parsed.request.client_kwargs()["user_aliases"] == [
        {"alias_name": "anon-1", "alias_label": "amp"}
    ]


@pytest.mark.parametrize("kind", ["external_id", "device_id", "braze_id"])
def test_opaque_ids(kind: str) -> None:
    assert parse_single(kind, "abc").request.client_kwargs()[
        {"external_id": "external_ids", "device_id": "device_id", "braze_id": "braze_id"}[kind]
    ] in (["abc"], "abc")
    assert not parse_single(kind, "").ok
    assert not parse_single(kind, "a" * (MAX_ID_LENGTH + 1)).ok
    assert not parse_single(kind, "a\x00b").ok
    assert parse_single(kind, "a" * MAX_ID_LENGTH).ok


def test_unknown_kind_is_refused() -> None:
    assert not parse_single("nickname", "x").ok  # type: ignore[arg-type]


def test_fields_default_to_all_and_keep_documented_order() -> None:
    assert parse_single("braze_id", "b").request.fields == EXPORT_FIELDS
    parsed = parse_single("braze_id", "b", fields=["purchases", "email"])
    assert parsed.request.client_kwargs()["fields_to_export"] == ["email", "purchases"]
    assert parse_single("braze_id", "b", fields=[]).errors == (
        "Choose at least one field to export.",
    )
    assert not parse_single("braze_id", "b", fields=["password"]).ok
    assert parse_batch(["a"], fields=[]).errors == ("Choose at least one field to export.",)


def test_client_kwargs_for_a_chunk() -> None:
    request = LookupRequest("external_id", values=("a", "b", "c"))
    assert request.client_kwargs(["b"])["external_ids"] == ["b"]
    aliases = LookupRequest("alias", aliases=(("n1", "l"), ("n2", "l")))
    assert aliases.count == 2
    assert aliases.client_kwargs([("n2", "l")])["user_aliases"] == [
        {"alias_name": "n2", "alias_label": "l"}
    ]


def test_csv_upload_column_choice() -> None:
    data = "\ufeffname,external_id\nAda,u1\nBob,\nCy,u2\n\nDi,u1\n".encode()
    assert csv_columns(data) == ["name", "external_id"]
    ids = ids_from_csv(data, "external_id")
    assert ids == ["u1", "", "u2", "u1"]
    parsed = parse_batch(ids)
    assert parsed.request.values == ("u1", "u2")
    with pytest.raises(ValueError, match="Choose a column"):
        ids_from_csv(data, "email")


def test_csv_semicolons_latin1_and_short_rows() -> None:
    data = "id;x\nu1;1\nu\xe9\nu3;3\n".encode("latin-1")
    assert csv_columns(data) == ["id", "x"]
    assert ids_from_csv(data, "x") == ["1", "", "3"]
    assert ids_from_csv(data, "id") == ["u1", "u\xe9", "u3"]


def test_csv_refuses_empty_binary_and_huge_files() -> None:
    with pytest.raises(ValueError, match="empty"):
        csv_columns(b"\n\n")
    with pytest.raises(ValueError, match="not a CSV"):
        csv_columns(b"PK\x03\x04\x00\x00")
    with pytest.raises(ValueError, match="MB"):
        csv_columns(b"a\n" * (MAX_UPLOAD_BYTES // 2 + 1))


def test_normalise_phone() -> None:
    assert normalise_phone("+1 (415) 555.0100") == "+14155550100"


@given(st.lists(st.text(max_size=8), max_size=40))
def test_dedupe_keeps_first_seen_order_and_counts(values: list[str]) -> None:
    unique, blanks, duplicates = dedupe(values)
    assert len(unique) == len(set(unique))
    assert "" not in unique
    assert unique == [v for i, v in enumerate(values) if v and v not in values[:i]]
    assert blanks + duplicates + len(unique) == len(values)


@given(st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True), min_size=1, max_size=30))
def test_pasted_ids_round_trip(ids: list[str]) -> None:
    parsed = parse_batch(split_ids("\n".join(ids)))
    assert parsed.ok
    assert list(parsed.request.values) == list(dict.fromkeys(ids))
