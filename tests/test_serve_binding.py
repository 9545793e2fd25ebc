"""The launcher binds to loopback unless sign-in is on or the override is set explicitly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import serve
from tests.conftest import ROOT

AUTH_TOML = (
    '[auth]\nredirect_uri = "https://dash.example.com/oauth2callback"\ncookie_secret = "x"\n'
)


@pytest.fixture(autouse=True)
def _no_local_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Config and secrets files are looked up under a home and a cwd of the test's own."""
    monkeypatch.setattr(serve, "APP", tmp_path / "app" / "app.py")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for name in ("STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SECRETS_FILES", serve.OVERRIDE_ENV):
        monkeypatch.delenv(name, raising=False)


def test_no_address_means_loopback() -> None:
    assert serve.serve_args(["--server.port", "8501"], {}) == [
        "--server.port", "8501", "--server.address", "127.0.0.1"
    ]  # fmt: skip


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_pass_as_given(address: str) -> None:
    args = ["--server.address", address]
    assert serve.serve_args(args, {}) == args
    assert serve.serve_args([f"--server.address={address}"], {}) == [f"--server.address={address}"]


@pytest.mark.parametrize("address", ["0.0.0.0", "", "::", "10.1.2.3", "dash.example.com"])
def test_other_addresses_without_sign_in_are_refused(address: str) -> None:
    with pytest.raises(serve.BindingRefused) as refused:
        serve.serve_args(["--server.address", address], {})
    message = str(refused.value)
    assert "without sign-in" in message and serve.OVERRIDE_ENV in message


def test_the_address_from_the_environment_or_config_toml_counts(tmp_path: Path) -> None:
    with pytest.raises(serve.BindingRefused):
        serve.serve_args([], {"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"})
    config = tmp_path / ".streamlit" / "config.toml"
    config.parent.mkdir()
    config.write_text('[server]\naddress = "0.0.0.0"\n')
    with pytest.raises(serve.BindingRefused):
        serve.serve_args([], {})
    # the command line wins over config.toml, as in Streamlit
    assert serve.serve_args(["--server.address", "127.0.0.1"], {}) == [
        "--server.address", "127.0.0.1"
    ]  # fmt: skip


def test_the_override_allows_it_explicitly() -> None:
    args = ["--server.address", "0.0.0.0"]
    assert serve.serve_args(args, {serve.OVERRIDE_ENV: "1"}) == args
    with pytest.raises(serve.BindingRefused):
        serve.serve_args(args, {serve.OVERRIDE_ENV: "yes"})  # only the documented value


def test_sign_in_in_secrets_allows_any_address(tmp_path: Path) -> None:
    args = ["--server.address", "0.0.0.0"]
    project = tmp_path / ".streamlit" / "secrets.toml"
    project.parent.mkdir()
    project.write_text("BRAZE_API_KEY = 'k'\n")  # secrets without [auth] are not enough
    with pytest.raises(serve.BindingRefused):
        serve.serve_args(args, {})
    project.write_text(AUTH_TOML)
    assert serve.serve_args(args, {}) == args


def test_secrets_files_given_on_the_command_line_are_the_ones_read(tmp_path: Path) -> None:
    team = tmp_path / "team-secrets.toml"
    team.write_text(AUTH_TOML)
    args = ["--server.address", "0.0.0.0", "--secrets.files", str(team)]
    assert serve.serve_args(args, {}) == args
    assert serve.serve_args(["--server.address", "0.0.0.0"], {"STREAMLIT_SECRETS_FILES": str(team)})
    empty = tmp_path / "empty.toml"
    empty.write_text("[auth]\n")
    with pytest.raises(serve.BindingRefused):  # an empty [auth] turns nothing on
        serve.serve_args(["--server.address", "0.0.0.0", f"--secrets.files={empty}"], {})


def test_the_real_launcher_refuses_before_starting_a_server(tmp_path: Path) -> None:
    """`python -m dashboard.serve --server.address 0.0.0.0`: a clear message, exit code 1."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.serve", "--server.address", "0.0.0.0"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Refusing to serve the dashboard on '0.0.0.0' without sign-in" in done.stderr
    assert "Traceback" not in done.stderr
