#!/usr/bin/env bash
# Installs Debian's redis-server for the shared-store tests when it is missing and we are root.
# The tests start their own redis-server on a free loopback port (tests/redis_server.py).
# On a laptop without root those tests skip; in CI (CI=true) they must run.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's redis-server for the shared-store tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "redis-server is missing and cannot be installed (not root): shared-store tests cannot run in CI" >&2
  exit 1
fi
echo "redis-server not found: shared-store tests will be skipped (install Debian's 'redis-server' to run them)."
