"""The sign-in gate, roles and the people-data guard, through the real app (AppTest).

``at.secrets`` holds a team-mode ``[auth]`` section and ``at.user`` the claims Streamlit would
read from the identity cookie; the demo sandbox records every request that reaches "Braze".
The end-to-end sign-in against a real OpenID Connect provider is in
``tests/e2e/test_sign_in_browser.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from dashboard import auth, navigation
from dashboard.access import LOCAL, Identity
from dashboard.data.users import lookup_users
from dashboard.lookup_input import parse_single
from dashboard.settings import demo_workspace
from tests.conftest import APP_TIMEOUT, ROOT, chart_titles, page_file, rendered_text

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "c" * 32,
    "client_id": "dashboard",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ACCESS = {"allowed_domains": ["example.com"], "people_data_emails": ["analyst@example.com"]}
SECRET = "audit-secret-" + "s" * 24


def _team(tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "auth": AUTH,
        "dashboard_access": ACCESS,
        "audit": {"path": str(tmp_path / "audit.jsonl"), "secret": SECRET},
        **extra,
    }


def _run(secrets: dict[str, Any], user: dict[str, Any], url_path: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets.update(secrets)
    at.user = user
    at.run()
    if url_path is not None:
        # What a deep link does: ask for the page registered at that address, whatever runs there
        at._page_hash = calc_hash(url_path)
        at.run()
    return at


def _signed_in(email: str) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "email_verified": True, "name": email}


def _braze_paths(demo: Any) -> list[str]:
    return [r.path for r in demo.requests]


def test_team_mode_without_sign_in_shows_only_the_sign_in_screen(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), {})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Sign in with your work account" in rendered_text(at)
    assert not at.sidebar.selectbox, "no sidebar (and so no workspace) before sign-in"
    assert _braze_paths(demo) == []


@pytest.mark.parametrize("url_path", ["kpis", "user-lookup", "segments"])
def test_every_address_needs_sign_in(demo, tmp_path, url_path: str) -> None:
    at = _run(_team(tmp_path), {}, url_path)
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert _braze_paths(demo) == []


def test_someone_from_another_domain_is_refused_with_a_way_out(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("mallory@elsewhere.test"))
    assert not at.exception
    assert at.title[0].value == "You don't have access to this dashboard"
    assert "not on the list" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"]
    assert at.markdown[0].value == "Signed in as `mallory@elsewhere.test`."
    assert _braze_paths(demo) == []


def test_a_lookalike_domain_and_an_unverified_email_are_refused(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("eve@evil-example.com"))
    assert at.title[0].value == "You don't have access to this dashboard"
    unverified = {**_signed_in("ann@example.com"), "email_verified": False}
    at = _run(_team(tmp_path), unverified)
    assert "not verified" in at.error[0].value
    assert _braze_paths(demo) == []


def test_empty_access_lists_admit_nobody(demo, tmp_path) -> None:
    at = _run({**_team(tmp_path), "dashboard_access": {}}, _signed_in("ann@example.com"))
    assert at.title[0].value == "You don't have access to this dashboard"


def test_a_viewer_sees_the_kpis_but_not_the_people_pages(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("Viewer@Example.com"), "kpis")
    assert not at.exception
    assert at.title[0].value.startswith("Key metrics")
    account = at.sidebar.caption[0].value
    assert account == "Signed in as `viewer@example.com`  \nRole: viewer"
    assert any(p.startswith("/kpi/") for p in _braze_paths(demo))
    # the file is not registered for a viewer at all: AppTest cannot even switch to it
    with pytest.raises(ValueError):
        at.switch_page(page_file("user-lookup"))


def test_a_viewers_deep_link_to_user_lookup_is_refused_without_a_request(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("viewer@example.com"), "user-lookup")
    assert not at.exception
    assert at.title[0].value == "User lookup"
    assert "aggregates only" in at.info[0].value
    assert not [t for t in at.text_input if t.key == "ul_value"], "no lookup form"
    assert not [p for p in _braze_paths(demo) if p.startswith("/users/export")]


def test_a_viewer_sees_segment_sizes_but_no_export(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("viewer@example.com"))
    at.switch_page(page_file("segments")).run()
    assert not at.exception
    assert "Segment size per day" in chart_titles(at), "the size chart is there"
    assert "Exporting users: Your role (viewer) shows aggregates only" in at.info[-1].value
    assert not [b for b in at.button if b.label == "Start export"]


def test_people_data_needs_an_audit_trail_in_team_mode(demo, tmp_path) -> None:
    secrets = {k: v for k, v in _team(tmp_path).items() if k != "audit"}
    at = _run(secrets, _signed_in("analyst@example.com"), "user-lookup")
    assert not at.exception
    assert "until it keeps an audit trail" in at.info[0].value
    assert not [t for t in at.text_input if t.key == "ul_value"]


def test_a_people_data_user_looks_someone_up_and_it_is_audited(demo, tmp_path) -> None:
    person = next(u for u in demo.workspace.users if "external_id" in u)
    at = _run(_team(tmp_path), _signed_in("analyst@example.com"), "user-lookup")
    assert not at.exception
    assert at.sidebar.caption[0].value.endswith("Role: people data")
    at.text_input(key="ul_value").set_value(person["external_id"])
    next(b for b in at.button if b.label == "Look up").click()
    at.run()
    assert not at.exception
    assert person["first_name"] in rendered_text(at)
    text = (tmp_path / "audit.jsonl").read_text()
    assert person["external_id"] not in text
    (line,) = [json.loads(x) for x in text.splitlines()]
    assert line["who"] == "analyst@example.com"
    assert line["action"] == "user_lookup" and line["identifier_kind"] == "external_id"
    assert line["count"] == 1 and line["outcome"] == "ok"
    assert line["identifiers"][0].startswith("hmac-sha256:")


def test_a_failed_audit_write_is_a_short_notice_without_personal_data(demo, tmp_path) -> None:
    person = next(u for u in demo.workspace.users if "external_id" in u)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    secrets = _team(tmp_path, audit={"path": str(blocked / "audit.jsonl"), "secret": SECRET})
    at = _run(secrets, _signed_in("analyst@example.com"), "user-lookup")
    at.text_input(key="ul_value").set_value(person["external_id"])
    next(b for b in at.button if b.label == "Look up").click()
    at.run()
    assert not at.exception
    notice = next(w.value for w in at.warning if "audit trail" in w.value)
    assert "NotADirectoryError" in notice
    assert person["external_id"] not in notice and str(blocked) not in notice


def test_single_user_mode_is_unchanged_and_audits_as_local(demo, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DASHBOARD_AUDIT_PATH", str(tmp_path / "local.jsonl"))
    monkeypatch.setenv("DASHBOARD_AUDIT_SECRET", SECRET)
    person = next(u for u in demo.workspace.users if "external_id" in u)
    at = _run({}, {}, "kpis")
    assert at.title[0].value.startswith("Key metrics")
    assert "Signed in as" not in rendered_text(at.sidebar)
    at.switch_page(page_file("user-lookup")).run()
    at.text_input(key="ul_value").set_value(person["external_id"])
    next(b for b in at.button if b.label == "Look up").click()
    at.run()
    assert not at.exception
    line = json.loads((tmp_path / "local.jsonl").read_text())
    assert line["who"] == "local" and line["count"] == 1


def test_the_loader_itself_refuses_a_viewer_and_sends_nothing(demo) -> None:
    """Below the pages: a caller that skips the page checks still cannot look anyone up."""
    request = parse_single("external_id", "user-00001").request
    assert request is not None
    viewer = Identity("viewer@example.com", "viewer")
    with auth.acting_as(viewer), pytest.raises(auth.PeopleDataRefused, match="aggregates only"):
        lookup_users(demo_workspace(), request)
    assert not [p for p in _braze_paths(demo) if p.startswith("/users/export")]
    with auth.acting_as(LOCAL):
        assert lookup_users(demo_workspace(), request).requests_sent == 1


def test_people_data_pages_are_marked_in_the_page_table() -> None:
    marked = {spec.url_path for spec in navigation.PAGES if spec.people_data}
    assert marked == {"user-lookup", "control-group"}


def test_a_viewers_deep_link_to_the_control_group_export_is_refused(demo, tmp_path) -> None:
    at = _run(_team(tmp_path), _signed_in("viewer@example.com"), "control-group")
    assert not at.exception
    assert "aggregates only" in at.info[0].value
    assert not [b for b in at.button if b.label == "Start export"]
    assert not [p for p in _braze_paths(demo) if p.startswith("/users/export")]


def test_the_control_group_loader_refuses_a_viewer_and_sends_nothing(demo) -> None:
    from dashboard.data.control_group_export import start_control_group_export

    viewer = Identity("viewer@example.com", "viewer")
    with auth.acting_as(viewer), pytest.raises(auth.PeopleDataRefused, match="aggregates only"):
        start_control_group_export(demo_workspace(), None)
    assert not [p for p in _braze_paths(demo) if p.startswith("/users/export")]


def test_sign_in_offers_the_configured_providers() -> None:
    assert auth.providers({"auth": AUTH}) == [None]
    named = {"auth": {"redirect_uri": "x", "cookie_secret": "y", "okta": {"client_id": "a"}}}
    assert auth.providers(named) == ["okta"]
    assert auth.providers({}) == [] and not auth.auth_configured({})
    assert not auth.auth_configured({"auth": {}})  # an empty section turns nothing on
