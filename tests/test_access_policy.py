"""The access lists: who is let in, with which role, and who is refused (pure rules)."""

from __future__ import annotations

import pytest

from dashboard.access import AccessPolicy, Identity, Refusal

POLICY = AccessPolicy.from_config(
    {
        "allowed_domains": ["Example.com", "@partner.test"],
        "allowed_emails": ["guest@elsewhere.test"],
        "people_data_emails": ["Analyst@Example.com", "dpo@outside.test"],
        "people_data_domains": ["crm.example.org"],
    }
)


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("ann@example.com", "viewer"),
        ("ANN@EXAMPLE.COM ", "viewer"),
        ("bob@partner.test", "viewer"),
        ("guest@elsewhere.test", "viewer"),
        ("analyst@example.com", "people_data"),
        ("dpo@outside.test", "people_data"),  # a people-data entry also lets the person in
        ("kim@crm.example.org", "people_data"),
    ],
)
def test_listed_people_get_their_role(email: str, role: str) -> None:
    decided = POLICY.decide({"email": email, "email_verified": True})
    assert decided == Identity(email=email.strip().lower(), role=role)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "email",
    [
        "eve@evil-example.com",
        "eve@sub.example.com",  # exact domains: no subdomains
        "eve@example.com.attacker.test",
        "example.com@attacker.test",
        "guest2@elsewhere.test",
        "a@b@example.com",
        "@example.com",
        "",
    ],
)
def test_everyone_else_is_refused(email: str) -> None:
    assert isinstance(POLICY.decide({"email": email}), Refusal)


def test_no_email_claim_and_an_unverified_email_are_refused() -> None:
    assert "did not include an email" in POLICY.decide({"sub": "x"}).message  # type: ignore[union-attr]
    unverified = POLICY.decide({"email": "ann@example.com", "email_verified": False})
    assert isinstance(unverified, Refusal) and "not verified" in unverified.message
    # providers that send no email_verified at all (some do not) are judged by the lists alone
    assert isinstance(POLICY.decide({"email": "ann@example.com"}), Identity)


def test_no_lists_admit_nobody() -> None:
    empty = AccessPolicy.from_config(None)
    assert empty.admits_nobody
    assert isinstance(empty.decide({"email": "ann@example.com"}), Refusal)
    assert AccessPolicy.from_config({"allowed_emails": "solo@example.com"}).decide(
        {"email": "solo@example.com"}
    ) == Identity("solo@example.com", "viewer")
