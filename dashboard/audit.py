"""The audit trail: one JSON line per people-data action, identifiers hashed, append only.

Configured in secrets (or the environment)::

    [audit]
    path = "/var/log/braze-dashboard/audit.jsonl"   # env DASHBOARD_AUDIT_PATH
    secret = "<32+ random characters>"              # env DASHBOARD_AUDIT_SECRET

Each line: ``{"when", "who", "action", "identifier_kind", "identifiers", "count", "outcome"}``
with ``when`` in UTC ISO 8601, ``who`` the signed-in email (``"local"`` in single-user mode)
and every identifier replaced by ``hmac-sha256:<hex>`` of the value under the secret. To find
a person's lines, hash their identifier the same way (``identifier_hash``) and grep for it.

The file is opened for every line (``O_APPEND | O_CREAT | O_NOFOLLOW``, mode 0600), so moving
it away for rotation needs no signal: the next line creates a fresh file. ``copytruncate``
works too. A failed write raises nothing into the page: ``record`` returns False and leaves a
short notice (no path, no identifier) that ``app.py`` shows once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Action = Literal[
    "user_lookup",
    "segment_export_start",
    "segment_export_finish",
    "control_group_export_start",
    "control_group_export_finish",
]
Outcome = Literal["ok", "partial", "error", "refused", "cancelled"]
MIN_SECRET_LENGTH = 16
FILE_MODE = 0o600
WRITE_FAILED = (
    "This action could not be written to the audit trail ({reason}); it went ahead. "
    "Tell the dashboard's administrator."
)

_log = logging.getLogger(__name__)
_write_lock = threading.Lock()
_notices = threading.local()


class AuditConfigError(ValueError):
    """The ``[audit]`` settings are unusable; ``str()`` is fit for the page."""


@dataclass(frozen=True)
class AuditConfig:
    path: Path
    secret: bytes = field(repr=False)


def config_from(secrets: Mapping[str, Any], env: Mapping[str, str]) -> AuditConfig | None:
    """``[audit]`` in secrets, else the environment; None when no path is configured."""
    section = secrets.get("audit")
    section = section if isinstance(section, Mapping) else {}
    path = section.get("path") or env.get("DASHBOARD_AUDIT_PATH")
    secret = section.get("secret") or env.get("DASHBOARD_AUDIT_SECRET")
    if not path:
        return None
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        raise AuditConfigError(
            f"The audit trail needs a secret of at least {MIN_SECRET_LENGTH} characters "
            "([audit] secret or DASHBOARD_AUDIT_SECRET) to hash identifiers."
        )
    return AuditConfig(path=Path(str(path)).expanduser(), secret=secret.encode("utf-8"))


def _streamlit_secrets() -> Mapping[str, Any]:
    try:
        import streamlit as st

        return dict(st.secrets)
    except Exception:  # no secrets.toml is the normal single-user case
        return {}


def load_config() -> AuditConfig | None:
    """This server's audit configuration (raises AuditConfigError when it is unusable)."""
    return config_from(_streamlit_secrets(), os.environ)


def identifier_hash(secret: bytes, value: str) -> str:
    """How an identifier appears in the trail: an HMAC-SHA256 under the server secret."""
    digest = hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


def entry(
    config: AuditConfig,
    *,
    who: str,
    action: Action,
    identifier_kind: str,
    identifiers: Iterable[str],
    count: int,
    outcome: Outcome,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One line of the trail, identifiers already hashed."""
    return {
        "when": (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="milliseconds"),
        "who": who,
        "action": action,
        "identifier_kind": identifier_kind,
        "identifiers": [identifier_hash(config.secret, str(i)) for i in identifiers],
        "count": int(count),
        "outcome": outcome,
    }


def append(path: Path, line: Mapping[str, Any]) -> None:
    """Append one JSON line; the file is created 0600 and never followed through a symlink."""
    data = (json.dumps(line, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    with _write_lock:
        fd = os.open(path, flags, FILE_MODE)
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError("short write to the audit trail")
        finally:
            os.close(fd)


def record(
    action: Action,
    identifier_kind: str,
    identifiers: Iterable[str],
    count: int,
    outcome: Outcome,
    *,
    who: str,
) -> bool:
    """Write one people-data action to the trail, if one is configured.

    Returns True when written or when no trail is configured; False when the write failed, in
    which case a short notice waits for ``take_notices()``. Never raises.
    """
    try:
        config = load_config()
        if config is None:
            return True
        line = entry(
            config,
            who=who,
            action=action,
            identifier_kind=identifier_kind,
            identifiers=identifiers,
            count=count,
            outcome=outcome,
        )
        append(config.path, line)
    except AuditConfigError as err:
        _notice(str(err))
        return False
    except Exception as err:  # the reason's class only: a message could carry a path or value
        _log.warning("audit write failed: %s", type(err).__name__)
        _notice(WRITE_FAILED.format(reason=type(err).__name__))
        return False
    return True


def _notice(text: str) -> None:
    pending: list[str] = getattr(_notices, "pending", [])
    if text not in pending:
        pending.append(text)
    _notices.pending = pending


def take_notices() -> list[str]:
    """Notices left by failed writes in this thread (this script run), cleared as read."""
    pending: list[str] = getattr(_notices, "pending", [])
    _notices.pending = []
    return pending
