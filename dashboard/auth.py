"""Sign-in, roles and the people-data guard: the one door every page and loader goes through.

``app.py`` calls ``admission()`` before the sidebar or any Braze request:

- no ``[auth]`` in secrets: single-user mode, the person at the keyboard is ``access.LOCAL``;
- ``[auth]`` present and nobody signed in: every address shows the sign-in screen (``st.login``);
- signed in but not on ``[dashboard_access]``'s lists: every address shows a refusal with a
  sign-out button; nothing else runs, so no request reaches Braze.

Admitted people run the pages inside ``acting_as(identity)``. Pages marked ``people_data`` in
``dashboard.navigation`` are hidden from viewers and their address shows a refusal instead;
the Segments page asks ``can_use_people_data()`` before its export section. Below the pages,
the loaders call ``check_people_data`` (which refuses and audits) so no caller can skip it.

In team mode people data also needs a working audit trail (``dashboard.audit``): without one,
nobody gets people data, whatever their role.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dashboard import audit
from dashboard.access import LOCAL, ROLE_NAMES, AccessPolicy, Identity, Refusal
from dashboard.widgets import md_escape

_log = logging.getLogger(__name__)
_acting = threading.local()
APP_TITLE = "Braze Dashboard"


class PeopleDataRefused(ValueError):
    """A people-data action without the right to it; ``str()`` is fit for the page."""


def _secrets() -> Mapping[str, Any]:
    try:
        return dict(st.secrets)
    except Exception:  # no secrets.toml: single-user mode
        return {}


def auth_configured(secrets: Mapping[str, Any] | None = None) -> bool:
    """Team mode: an ``[auth]`` section in secrets turns sign-in on for every page."""
    section = (_secrets() if secrets is None else secrets).get("auth")
    return isinstance(section, Mapping) and bool(section)


def providers(secrets: Mapping[str, Any] | None = None) -> list[str | None]:
    """The sign-in buttons to offer: ``None`` for ``[auth]`` itself, else named sections."""
    section = (_secrets() if secrets is None else secrets).get("auth")
    if not isinstance(section, Mapping):
        return []
    named = [
        name
        for name, value in section.items()
        if isinstance(value, Mapping) and "client_id" in value
    ]
    return [None, *named] if "client_id" in section or not named else named


@dataclass(frozen=True)
class Admission:
    """Who is looking, or the screen shown in place of every page."""

    identity: Identity | None
    screen: Callable[[], None] | None = None


def admission() -> Admission:
    """Decide before anything else runs; the screen never makes a request to Braze."""
    secrets = _secrets()
    if not auth_configured(secrets):
        return Admission(LOCAL)
    claims = dict(st.user.to_dict())
    if claims.get("is_logged_in") is not True:
        return Admission(None, sign_in_screen)
    policy = AccessPolicy.from_config(_mapping(secrets.get("dashboard_access")))
    decided = policy.decide(claims)
    if isinstance(decided, Refusal):
        return Admission(None, lambda: refusal_screen(decided))
    return Admission(decided)


def _address(email: str) -> str:
    """An email as inline code: shown as typed, never turned into a mailto link."""
    return "`" + email.replace("`", "") + "`"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# ---- the screens shown instead of the pages -----------------------------------------------


def sign_in_screen() -> None:
    st.title(APP_TITLE)
    st.markdown(
        "Sign in with your work account to see this team's Braze dashboard. The dashboard "
        "asks your identity provider for your name and email address only."
    )
    for provider in providers():
        label = "Sign in" if provider is None else f"Sign in with {provider.title()}"
        if st.button(label, type="primary", icon=":material/login:", key=f"login_{provider}"):
            try:
                st.login() if provider is None else st.login(provider)
            except Exception as err:  # a misconfigured [auth]: say so, never a traceback
                _log.warning("st.login failed: %s", type(err).__name__)
                st.error(
                    "Sign-in is not set up correctly on this server ([auth] in secrets). "
                    "Tell the dashboard's administrator.",
                    icon=":material/error:",
                )


def refusal_screen(refusal: Refusal) -> None:
    st.title("You don't have access to this dashboard")
    st.error(md_escape(refusal.message), icon=":material/block:")
    if refusal.email:
        st.markdown(f"Signed in as {_address(refusal.email)}.")
    st.caption("Nothing from Braze was loaded for this session.")
    if st.button("Sign out", icon=":material/logout:", key="logout_refused"):
        st.logout()


def render_account(identity: Identity) -> None:
    """In the sidebar: who is signed in, their role, and a way out."""
    if not identity.signed_in:
        return
    with st.sidebar:
        st.caption(f"Signed in as {_address(identity.email)}  \nRole: {ROLE_NAMES[identity.role]}")
        if st.button("Sign out", icon=":material/logout:", key="logout", width="stretch"):
            st.logout()


# ---- who is acting during this script run -------------------------------------------------


@contextmanager
def acting_as(identity: Identity) -> Iterator[None]:
    """``app.py`` runs the sidebar and the page inside this."""
    previous = getattr(_acting, "identity", None)
    _acting.identity = identity
    try:
        yield
    finally:
        _acting.identity = previous


def current_identity() -> Identity | None:
    """The person this run acts for; None in team mode outside an admitted run."""
    identity = getattr(_acting, "identity", None)
    if isinstance(identity, Identity):
        return identity
    return None if auth_configured() else LOCAL


def people_data_blocker(identity: Identity | None = None) -> str | None:
    """Why this session may not use people data right now, or None when it may."""
    identity = identity if identity is not None else current_identity()
    if identity is None:
        return "Sign in to use people data."
    if not identity.can_use_people_data:
        return (
            f"Your role ({ROLE_NAMES[identity.role]}) shows aggregates only. User lookup and "
            "exports of users need the people-data role: ask the dashboard's administrator."
        )
    try:
        config = audit.load_config()
    except audit.AuditConfigError as err:
        return str(err)
    if config is None and identity.signed_in:
        return (
            "People data is switched off on this server until it keeps an audit trail "
            "([audit] path and secret in secrets). Ask the dashboard's administrator."
        )
    return None


def can_use_people_data() -> bool:
    return people_data_blocker() is None


def people_data_note(what: str) -> None:
    """The short note shown where a people-data section would be."""
    st.info(f"{what}: {people_data_blocker() or ''}", icon=":material/lock:")  # our own text


def require_people_data(what: str) -> None:
    """For a page or section: the note and ``st.stop()`` unless people data is allowed."""
    if can_use_people_data():
        return
    people_data_note(what)
    st.stop()


def refused_page(title: str) -> Callable[[], None]:
    """What a viewer's deep link to a people-data page runs instead of the page."""

    def page() -> None:
        st.title(title)
        people_data_note(title)

    page.__name__ = f"refused_{title.lower().replace(' ', '_')}"
    return page


def check_people_data(
    action: audit.Action, identifier_kind: str, identifiers: Iterable[str], count: int
) -> Identity:
    """For loaders: the acting identity, or PeopleDataRefused (written to the trail)."""
    identity = current_identity()
    blocker = people_data_blocker(identity)
    if blocker is not None:
        who = identity.email if identity is not None else "anonymous"
        audit.record(action, identifier_kind, identifiers, count, "refused", who=who)
        raise PeopleDataRefused(blocker)
    assert identity is not None
    return identity
