"""Who may use the dashboard, and who may see personal data: the rules, without Streamlit.

Team mode (an ``[auth]`` section in secrets) reads its lists from ``[dashboard_access]``::

    [dashboard_access]
    allowed_domains = ["example.com"]            # anyone signed in with an @example.com address
    allowed_emails = ["agency.person@partner.test"]
    people_data_emails = ["analyst@example.com"]  # may use user lookup and exports
    people_data_domains = []

Matching is exact and case-insensitive: ``example.com`` admits ``ann@example.com`` but neither
``ann@sub.example.com`` nor ``ann@evil-example.com``. A people-data entry also admits that
person. Empty lists admit nobody (the server fails closed). Everyone admitted who is not on a
people-data list is a ``viewer``: aggregates only.

Single-user mode (no ``[auth]``) has one person at the keyboard, ``LOCAL``, with every right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["viewer", "people_data"]
ROLE_NAMES: Mapping[Role, str] = {"viewer": "viewer", "people_data": "people data"}


@dataclass(frozen=True)
class Identity:
    """The person behind this browser session."""

    email: str  # "local" in single-user mode
    role: Role
    signed_in: bool = True

    @property
    def can_use_people_data(self) -> bool:
        return self.role == "people_data"


LOCAL = Identity(email="local", role="people_data", signed_in=False)


@dataclass(frozen=True)
class Refusal:
    """Why a signed-in person is not let in: ``message`` is fit for the page."""

    email: str
    message: str


def _normalised(values: Any) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable):
        return frozenset()
    return frozenset(str(v).strip().lower().lstrip("@") for v in values if str(v).strip())


@dataclass(frozen=True)
class AccessPolicy:
    allowed_domains: frozenset[str] = frozenset()
    allowed_emails: frozenset[str] = frozenset()
    people_data_domains: frozenset[str] = frozenset()
    people_data_emails: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> AccessPolicy:
        """The ``[dashboard_access]`` secrets section (missing keys are empty lists)."""
        section = section or {}
        return cls(
            allowed_domains=_normalised(section.get("allowed_domains", ())),
            allowed_emails=_normalised(section.get("allowed_emails", ())),
            people_data_domains=_normalised(section.get("people_data_domains", ())),
            people_data_emails=_normalised(section.get("people_data_emails", ())),
        )

    @property
    def admits_nobody(self) -> bool:
        return not (
            self.allowed_domains
            or self.allowed_emails
            or self.people_data_domains
            or self.people_data_emails
        )

    def decide(self, claims: Mapping[str, Any]) -> Identity | Refusal:
        """The identity for a signed-in user's ID-token claims, or why they are refused."""
        raw = claims.get("email")
        email = raw.strip().lower() if isinstance(raw, str) else ""
        if not email or email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
            return Refusal(
                email="",
                message="Your sign-in did not include an email address, so this dashboard "
                "cannot tell whether you may use it.",
            )
        if claims.get("email_verified") is False:
            return Refusal(
                email=email,
                message="Your identity provider has not verified this email address.",
            )
        domain = email.rsplit("@", 1)[1]
        if email in self.people_data_emails or domain in self.people_data_domains:
            return Identity(email=email, role="people_data")
        if email in self.allowed_emails or domain in self.allowed_domains:
            return Identity(email=email, role="viewer")
        return Refusal(
            email=email,
            message="This dashboard is open only to the people its administrator listed, and "
            "this address is not on the list. Ask them to add it, or sign out and use another "
            "account.",
        )
