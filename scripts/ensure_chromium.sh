#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing and we are root.
# On a laptop without root the browser tests skip; in CI (CI=true) they must run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
if [ "${CI:-}" = "true" ]; then
  echo "chromium is missing and cannot be installed (not root): browser tests cannot run in CI" >&2
  exit 1
fi
echo "chromium not found: browser tests will be skipped (install Debian's 'chromium' to run them)."
