"""A real redis-server for tests: started on a free loopback port, stopped afterwards.

Under CI=true a missing redis-server is a failure, never a skip (``make test`` installs
Debian's package through scripts/ensure_redis.sh).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

REDIS_SERVER = os.environ.get("REDIS_SERVER_PATH") or shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        if REDIS_SERVER is None:
            if os.environ.get("CI") == "true":
                pytest.fail("redis-server is missing: install Debian's redis-server (make test)")
            pytest.skip("redis-server not installed (make test installs it)")
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=0.5, socket_timeout=2)


@pytest.fixture
def redis_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A fresh redis-server, with REDIS_URL pointing at it and the dashboard's client reset."""
    from dashboard import cache, traffic
    from dashboard.shared_store import connection

    server = RedisServer(free_port())
    server.start()
    monkeypatch.setenv("REDIS_URL", server.url)
    connection.reset()
    monkeypatch.setattr(traffic, "_slots", {})
    monkeypatch.setattr(traffic, "_budgets", {})
    monkeypatch.setattr(cache, "_generations", {})  # "Refresh" counts seen in another Redis
    try:
        yield server
    finally:
        server.stop()
        connection.reset()
