#!/usr/bin/env bash
# Installs everything the test suite needs and runs all of it: the whole suite (browser tests
# included) on SQLite, then the unit and web tests again on a real PostgreSQL server.
# This is the README's test command, and what CI runs (.ci/run).
# Arguments go to pytest and run on SQLite only, e.g. `bash scripts/test.sh tests/web -k invite`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

python3 -m ruff check apprenticeships tests migrations/env.py

if [ "$#" -gt 0 ]; then
  exec python3 -m pytest "$@"
fi

echo "== The whole suite on SQLite =="
python3 -m pytest

echo "== The unit and web tests on PostgreSQL =="
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  python3 -m pytest tests/unit tests/web
elif server=$(bash scripts/postgres.sh); then
  url=${server% *}
  dir=${server##* }
  trap 'bash scripts/postgres.sh stop "$dir"' EXIT
  TEST_DATABASE_URL="$url" python3 -m pytest tests/unit tests/web
else
  echo "SKIPPED: no PostgreSQL server could be started here (see above); the SQLite run passed."
fi
