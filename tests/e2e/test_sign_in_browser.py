"""Sign-in end to end: Chromium, the dashboard in team mode, and a real OpenID Connect provider.

The provider is ``oidc-provider-mock`` (PyPI), run on loopback by these tests: its authorize
page takes a subject, which becomes the ID token's ``email`` claim, and an Authorize button.
The dashboard talks to a sandbox of this test process (``BRAZE_REST_ENDPOINT``), so the tests
can count every request that reached "Braze". Secrets come from a temporary file passed with
``--secrets.files``: ``[auth]`` pointing at the provider, the access lists and the audit trail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import _free_port, screenshot, serving, streamlit_server, wait_for_app

pytestmark = pytest.mark.browser

AUDIT_SECRET = "e2e-audit-secret-0123456789abcdef"
SIZES = [(1440, 900), (1280, 800)]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m oidc_provider_mock`` on a free loopback port; its base URL."""
    try:
        import oidc_provider_mock  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("oidc-provider-mock is not installed: the sign-in tests must run in CI")
        pytest.skip("oidc-provider-mock not installed (pip install -r requirements-dev.txt)")
    port = _free_port()
    log = (tmp_path_factory.mktemp("oidc") / "provider.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    with serving(
        proc, log, f"{url}/.well-known/openid-configuration", "oidc-provider-mock", timeout=30
    ):
        yield url


@pytest.fixture(scope="module")
def braze() -> Iterator[Any]:
    """This module's own sandbox: the team dashboard's Braze, with its request log."""
    from braze_sandbox import SANDBOX_API_KEY, start_sandbox

    url = start_sandbox(api_key=SANDBOX_API_KEY)
    yield url
    url.stop()


@pytest.fixture(scope="module")
def team(
    chromium_path: str, oidc_provider: str, braze: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The dashboard in team mode: its URL, its audit file, its sandbox."""
    from braze_sandbox import SANDBOX_API_KEY

    folder = tmp_path_factory.mktemp("team")
    audit_path = folder / "audit.jsonl"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "e2e-cookie-secret-0123456789abcdef"
client_id = "braze-dashboard"
client_secret = "e2e-client-secret"
server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"

[dashboard_access]
allowed_domains = ["example.com"]
people_data_emails = ["analyst@example.com"]

[audit]
path = "{audit_path}"
secret = "{AUDIT_SECRET}"
"""
    )
    env = {"BRAZE_API_KEY": SANDBOX_API_KEY, "BRAZE_REST_ENDPOINT": str(braze)}
    with streamlit_server(folder, env, args=["--secrets.files", str(secrets)]) as url:
        yield {"url": url, "audit": audit_path, "braze": braze.sandbox}


def _context(browser: Any, size: tuple[int, int] = SIZES[0]) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _sign_in(page: Any, url: str, email: str, path: str = "") -> None:
    """Open the dashboard, press Sign in, authorize ``email`` at the provider, come back."""
    page.goto(f"{url}/{path}")
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("input[name='sub']")
    page.fill("input[name='sub']", email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(f"{url}/**")
    wait_for_app(page)


def _export_requests(sandbox: Any) -> list[str]:
    return [r.path for r in sandbox.requests if r.path.startswith("/users/export")]


def test_an_allowed_user_signs_in_sees_the_kpis_and_signs_out(browser: Any, team: dict) -> None:
    context, page = _context(browser)
    try:
        page.goto(team["url"])
        wait_for_app(page)
        assert page.get_by_role("button", name="Sign in").is_visible()
        assert page.locator("[data-testid='stSidebar']").count() == 0
        screenshot(page, "sign-in-screen")
        _sign_in(page, team["url"], "ann@example.com")
        wait_for_app(page)
        assert "What changed" in page.locator("h1").first.inner_text()  # the home page
        page.goto(f"{team['url']}/kpis")  # signed in, a deep link opens its page
        page.wait_for_selector("[data-testid='stMetric']")
        assert "Key metrics" in page.locator("h1").first.inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
        sidebar = page.locator("[data-testid='stSidebar']")
        assert sidebar.get_by_text("ann@example").count() == 1
        assert sidebar.get_by_text("Role: viewer").count() == 1

        sidebar.get_by_role("button", name="Sign out").click()
        end_session = page.get_by_role("button", name="End session")  # the provider's page
        end_session.wait_for()
        end_session.click()
        page.wait_for_url(f"{team['url']}/**")
        wait_for_app(page)
        assert page.get_by_role("button", name="Sign in").is_visible()
        page.goto(f"{team['url']}/kpis")  # the identity cookie is gone
        wait_for_app(page)
        assert page.get_by_role("button", name="Sign in").is_visible()
        assert page.locator("[data-testid='stMetric']").count() == 0
    finally:
        context.close()


def test_a_user_from_another_domain_is_refused_and_nothing_is_loaded(
    browser: Any, team: dict
) -> None:
    sandbox = team["braze"]
    for n, size in enumerate(SIZES):
        context, page = _context(browser, size)
        try:
            sandbox.clear_requests()
            _sign_in(page, team["url"], "mallory@elsewhere.test", "campaigns")
            assert page.get_by_role("heading", name="You don't have access").is_visible()
            assert page.get_by_text("not on the list").is_visible()
            assert page.get_by_role("button", name="Sign out").is_visible()
            assert page.locator("[data-testid='stSidebar']").count() == 0
            page.goto(f"{team['url']}/user-lookup")
            wait_for_app(page)
            assert page.get_by_role("heading", name="You don't have access").is_visible()
            assert sandbox.requests == [], "no request reached Braze for a refused person"
            screenshot(page, f"sign-in-refused-{size[0]}x{size[1]}")
            if n == 0:
                page.get_by_role("button", name="Sign out").click()
                page.get_by_role("button", name="End session").click()
                page.wait_for_url(f"{team['url']}/**")
                wait_for_app(page)
                assert page.get_by_role("button", name="Sign in").is_visible()
        finally:
            context.close()


def test_a_viewer_cannot_open_the_user_lookup_even_by_deep_link(browser: Any, team: dict) -> None:
    sandbox = team["braze"]
    for size in SIZES:
        context, page = _context(browser, size)
        try:
            _sign_in(page, team["url"], "viewer@example.com")
            nav = page.locator("[data-testid='stSidebarNav']")
            assert nav.get_by_text("Campaigns").count() == 1
            assert nav.get_by_text("User lookup").count() == 0
            screenshot(page, f"viewer-navigation-{size[0]}x{size[1]}")

            sandbox.clear_requests()
            page.goto(f"{team['url']}/user-lookup")
            wait_for_app(page)
            assert page.get_by_role("heading", name="User lookup").is_visible()
            assert page.get_by_text("aggregates only").is_visible()
            assert page.get_by_label("External ID", exact=True).count() == 0
            assert page.get_by_text("Page not found").count() == 0

            page.goto(f"{team['url']}/segments")
            wait_for_app(page)
            page.wait_for_selector("[data-testid='stVegaLiteChart'] svg")  # the sizes stay visible
            assert page.get_by_text("Exporting users: Your role (viewer)").is_visible()
            assert page.get_by_role("button", name="Start export").count() == 0
            assert _export_requests(sandbox) == []
            page.get_by_text("Exporting users: Your role (viewer)").scroll_into_view_if_needed()
            screenshot(page, f"viewer-segments-{size[0]}x{size[1]}")
        finally:
            context.close()


def test_people_data_lookups_are_audited_with_hashed_identifiers_only(
    browser: Any, team: dict
) -> None:
    sandbox = team["braze"]
    person = next(u for u in sandbox.workspace.users if "external_id" in u)
    context, page = _context(browser)
    try:
        _sign_in(page, team["url"], "analyst@example.com", "user-lookup")
        page.goto(f"{team['url']}/user-lookup")
        wait_for_app(page)
        sandbox.clear_requests()
        page.get_by_label("External ID", exact=True).fill(person["external_id"])
        page.get_by_role("button", name="Look up").click()
        wait_for_app(page)
        heading = f"{person['first_name']} {person['last_name']} ({person['external_id']})"
        page.get_by_role("heading", name=heading).wait_for()
        assert _export_requests(sandbox) == ["/users/export/ids"]
    finally:
        context.close()
    text = Path(team["audit"]).read_text()
    assert person["external_id"] not in text, "the raw identifier never reaches the trail"
    lines = [json.loads(x) for x in text.splitlines()]
    mine = [x for x in lines if x["who"] == "analyst@example.com"]
    assert [(x["action"], x["identifier_kind"], x["count"], x["outcome"]) for x in mine] == [
        ("user_lookup", "external_id", 1, "ok")
    ]
    from dashboard.audit import identifier_hash

    assert mine[0]["identifiers"] == [identifier_hash(AUDIT_SECRET.encode(), person["external_id"])]
