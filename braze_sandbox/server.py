"""The HTTP side: a ThreadingHTTPServer on loopback, auth, faults, request log.

Auth: `Authorization: Bearer <key>`. With `api_key=None` any non-empty token is
accepted; with a key configured only that key. A key in the `api_key` query or
body parameter is refused (401), as Braze deprecated it and URLs leak.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypedDict, Unpack, overload
from urllib.parse import parse_qsl, urlsplit

from .definitions import Reply, permission_for
from .exports import Exports
from .faults import Decision, Faults, RateLimiter, message_for
from .plants import Plants, apply_campaign_plants
from .routes import ROUTES, Context
from .series import Metrics
from .timewin import ApiError, utcnow
from .workspace import SyntheticWorkspace, build_synthetic_workspace

SANDBOX_API_KEY = "sandbox-demo-key"
REDACTED = "[redacted]"
MAX_BODY = 1_000_000


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox saw it, without any credential."""

    method: str
    path: str
    query: dict[str, str]
    body: object
    at: float = field(default=0.0, compare=False)  # time.time() when it arrived


class SandboxURL(str):
    """The sandbox base URL (a plain str) that also knows its sandbox."""

    sandbox: Sandbox

    def __new__(cls, url: str, sandbox: Sandbox) -> SandboxURL:
        obj = super().__new__(cls, url)
        obj.sandbox = sandbox
        return obj

    def stop(self) -> None:
        self.sandbox.stop()


class Sandbox:
    """A deterministic synthetic Braze workspace served over real HTTP."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        seed: int = 7,
        latency: float = 0.0,
        p_429: float = 0.0,
        p_5xx: float = 0.0,
        p_truncated: float = 0.0,
        export_delay: float = 1.0,
        users: int = 3000,
        campaigns: int = 130,
        export_corrupt_file: bool = False,
        denied_permissions: tuple[str, ...] = (),
        clock: Callable[[], datetime] | None = None,
        plants: Plants | None = None,
        hostile_names: bool = False,
    ) -> None:
        if latency < 0 or export_delay < 0:
            raise ValueError("latency and export_delay must be >= 0")
        self.host, self.port = host, port
        self._api_key = api_key
        self.latency = latency
        self.clock: Callable[[], datetime] = clock or utcnow  # read on every request
        self.workspace: SyntheticWorkspace = build_synthetic_workspace(
            seed=seed,
            users=users,
            campaigns=campaigns,
            now=self.clock(),
            hostile_names=hostile_names,
        )
        apply_campaign_plants(self.workspace, plants)
        self.plants = plants
        self.faults = Faults(seed, p_429, p_5xx, p_truncated)
        self.exports = Exports(export_delay, export_corrupt_file)
        self.limiter = RateLimiter()
        self.context = Context(
            self.workspace,
            Metrics(self.workspace, plants),
            self.exports,
            lambda: self.url,
            self.clock,
        )
        self._requests: list[RecordedRequest] = []
        self._denied: dict[str, int] = {p: 403 for p in denied_permissions}
        self._log_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r}, users={len(self.workspace.users)})"

    def start(self) -> SandboxURL:
        """Bind and serve on a daemon thread; returns the base URL."""
        if self._server is None:
            handler = type("BoundHandler", (_Handler,), {"sandbox": self})
            self._server = ThreadingHTTPServer((self.host, self.port), handler)
            self._server.daemon_threads = True
            host, port = self._server.server_address[:2]
            assert isinstance(host, str)  # an AF_INET/AF_INET6 server names its host as str
            shown = f"[{host}]" if ":" in str(host) else host
            self.port = port
            self.url = f"http://{shown}:{port}"
            self._thread = threading.Thread(
                target=self._server.serve_forever, daemon=True, name=f"braze-sandbox-{port}"
            )
            self._thread.start()
        return SandboxURL(self.url, self)

    def serve_forever(self) -> None:
        """Serve in the foreground (the command line); Ctrl-C stops."""
        self.start()
        try:
            while self._thread and self._thread.is_alive():
                self._thread.join(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        self.exports.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- test helpers -------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    def inject(
        self,
        path_prefix: str,
        status: int,
        times: int | None = None,
        reset_in: float | None = None,
    ) -> None:
        """Force `status` for paths starting with the prefix (`times=None`: until cleared).

        A forced 429 carries `X-RateLimit-Reset` 2 s ahead and `Retry-After: 1`; with
        `reset_in` it carries only what Braze documents (`X-RateLimit-Limit`, `-Remaining: 0`,
        `-Reset` that many seconds ahead).
        """
        self.faults.inject(path_prefix, status, times, reset_in)

    def clear_injections(self) -> None:
        self.faults.clear()

    def deny(self, *permissions: str, status: int = 403) -> None:
        """The key lacks these permissions (`events.get`, `kpi.dau.data_series`, ...): their
        endpoints answer `status` (403, or 401 as some Braze keys do) until `allow_all`."""
        if status not in (401, 403):
            raise ValueError("a missing permission answers 401 or 403")
        with self._log_lock:
            self._denied.update({p: status for p in permissions})

    def allow_all(self) -> None:
        with self._log_lock:
            self._denied.clear()

    def _denied_status(self, path: str) -> int | None:
        with self._log_lock:
            return self._denied.get(permission_for(path))

    def _record(self, request: RecordedRequest) -> None:
        with self._log_lock:
            self._requests.append(request)

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Bearer "):
            return False
        token = header[len("Bearer ") :].strip()
        if not token:
            return False
        return self._api_key is None or token == self._api_key


class SandboxOptions(TypedDict, total=False):
    """Sandbox's keyword arguments, for start_sandbox."""

    host: str
    port: int
    api_key: str | None
    seed: int
    latency: float
    p_429: float
    p_5xx: float
    p_truncated: float
    export_delay: float
    users: int
    campaigns: int
    export_corrupt_file: bool
    denied_permissions: tuple[str, ...]
    clock: Callable[[], datetime] | None
    plants: Plants | None
    hostile_names: bool


def start_sandbox(**options: Unpack[SandboxOptions]) -> SandboxURL:
    """Build and start a Sandbox; stop it with `url.stop()`."""
    return Sandbox(**options).start()


@overload
def _redact(mapping: dict[str, str]) -> dict[str, str]: ...
@overload
def _redact(mapping: object) -> object: ...
def _redact(mapping: object) -> object:
    if isinstance(mapping, dict):
        return {k: (REDACTED if k == "api_key" else v) for k, v in mapping.items()}
    return mapping


class _Handler(BaseHTTPRequestHandler):
    sandbox: Sandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes; avoid 40 ms stalls
    server_version = "BrazeSandbox/1.0"

    def log_message(self, format: str, *args: object) -> None:
        return  # the default log prints the full request line (query included)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/") or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        raw = self._read_body()
        if raw is None:
            return
        body, body_error = _decode(raw) if method == "POST" else (None, None)
        self.sandbox._record(
            RecordedRequest(method, path, _redact(query), _redact(body), at=time.time())
        )
        if path.startswith("/_sandbox/"):
            self._sandbox_path(method, path)
            return
        if self.sandbox.latency:
            time.sleep(self.sandbox.latency)
        try:
            self._api(method, path, query, body, body_error)
        except ApiError as err:
            self._send_json(err.status, {"message": err.message}, path, extra=err.headers)
        except Exception:  # a sandbox bug must still answer like a server would
            self._send_json(500, {"message": "Internal server error"}, path)

    def _api(
        self, method: str, path: str, query: dict[str, str], body: object, body_error: str | None
    ) -> None:
        if "api_key" in query or (isinstance(body, dict) and "api_key" in body):
            raise ApiError(
                401,
                "The api_key parameter is no longer accepted: send the key in the "
                "Authorization header as 'Bearer <key>'",
            )
        if not self.sandbox._authorized(self.headers.get("Authorization")):
            raise ApiError(401, "Invalid or missing API key: send 'Authorization: Bearer <key>'")
        route = ROUTES.get(path)
        if route is None:
            raise ApiError(404, f"Unknown endpoint {path}")
        expected, handler = route
        if method != expected:
            raise ApiError(405, f"{path} only accepts {expected}")
        denied = self.sandbox._denied_status(path)
        if denied is not None:
            raise ApiError(
                denied, f"This API key lacks the {permission_for(path)} permission for {path}"
            )
        decision = self.sandbox.faults.decide(path)
        if decision.status is not None:
            self._fault(decision, path)
            return
        if body_error:
            raise ApiError(400, body_error)
        reply = handler(self.sandbox.context, query, body if isinstance(body, dict) else {})
        if not isinstance(reply, Reply):
            reply = Reply(reply)
        self._send_json(
            200,
            reply.body,
            path,
            truncate=decision.truncate,
            extra=reply.headers,
            encoded=reply.encoded,
        )

    def _fault(self, decision: Decision, path: str) -> None:
        status = decision.status or 500
        extra = (
            self.sandbox.limiter.headers(path, exhausted=True, reset_in=decision.reset_in)
            if status == 429
            else {}
        )
        self._send_json(status, {"message": message_for(status)}, path, extra=extra)

    def _sandbox_path(self, method: str, path: str) -> None:
        prefix = "/_sandbox/exports/"
        if method == "GET" and path.startswith(prefix) and path.endswith(".zip"):
            data = self.sandbox.exports.archive(path[len(prefix) : -len(".zip")])
            if data is not None:
                self._send(200, data, "application/zip", {})
                return
            self._send_json(404, {"message": "Export not ready or unknown"}, path)
            return
        if method == "GET" and path == "/_sandbox/health":
            self._send_json(200, {"message": "success"}, path)
            return
        self._send_json(404, {"message": f"Unknown endpoint {path}"}, path)

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        try:
            size = int(length) if length else 0
        except ValueError:
            size = -1
        if size < 0 or size > MAX_BODY:
            self.close_connection = True
            self._send_json(400, {"message": "Invalid Content-Length"}, "")
            return None
        return self.rfile.read(size) if size else b""

    def _send_json(
        self,
        status: int,
        payload: dict,
        path: str,
        *,
        extra: dict | None = None,
        truncate: bool = False,
        encoded: str | None = None,
    ) -> None:
        text = json.dumps(payload, ensure_ascii=False) if encoded is None else encoded
        data = text.encode()
        if truncate:
            data = data[: len(data) // 2]
        if extra and "X-RateLimit-Limit" in extra:
            headers = dict(extra)
        else:
            headers = {**self.sandbox.limiter.headers(path), **(extra or {})}
        self._send(status, data, "application/json; charset=utf-8", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def _decode(raw: bytes) -> tuple[object, str | None]:
    if not raw:
        return {}, None
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "Request body must be valid JSON"
    except RecursionError:
        return None, "Request body is nested too deeply"
    if not isinstance(body, dict):
        return None, "Request body must be a JSON object"
    return body, None
