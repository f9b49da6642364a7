#!/usr/bin/env bash
# Installs everything the test suite needs and runs all of it, twice: the whole suite (unit, web
# and browser tests) on SQLite, and the whole suite again on a real PostgreSQL server. The two
# runs go side by side, one on each core: the SQLite run's report shows as it goes, the
# PostgreSQL run's when both have ended.
# This is the README's test command, and what CI runs (.ci/run).
# Arguments go to pytest for a single run, on SQLite (or on the server TEST_DATABASE_URL names),
# e.g. `bash scripts/test.sh tests/web -k invite`.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
bash scripts/debian-packages.sh "for the browser tests" chromium

# Evidence uploads find a file's type with libmagic (python-magic loads Debian's libmagic1).
bash scripts/debian-packages.sh "for evidence uploads" libmagic1
# The virus scanning tests start ClamAV's daemon with a signature of their own (tests/clamd_server.py).
bash scripts/debian-packages.sh "for virus scanning tests" clamav-daemon

python3 -m ruff check apprenticeships tests migrations/env.py

if [ "$#" -gt 0 ]; then
  exec python3 -m pytest "$@"
fi

# The PostgreSQL server: the one TEST_DATABASE_URL names, or a throw-away one started here.
pg_url=${TEST_DATABASE_URL:-}
pg_dir=""
work=$(mktemp -d /tmp/apprenticeships-tests.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -n "$pg_dir" ] && bash scripts/postgres.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -z "$pg_url" ] && server=$(bash scripts/postgres.sh); then
  pg_url=${server% *}
  pg_dir=${server##* }
fi

# The two runs keep apart: each has its own temporary folder and Playwright output folder, and
# the PostgreSQL run its own pytest cache (the SQLite run keeps the usual one, for --lf).
sqlite_run=(env -u TEST_DATABASE_URL python3 -m pytest --basetemp "$work/sqlite" --output test-results/sqlite)
# The browser tests run once, on SQLite: they drive the pages' HTML and JavaScript, and every
# request they make is also made on both databases by the web tests. That keeps the whole command
# within 15 minutes on two cores.
postgresql_run=(env TEST_DATABASE_URL="$pg_url" python3 -m pytest --basetemp "$work/postgresql"
                --output test-results/postgresql -o cache_dir=.pytest_cache/postgresql
                tests/unit tests/web)

if [ -z "$pg_url" ]; then
  echo "== The whole suite on SQLite =="
  "${sqlite_run[@]}"
  echo "SKIPPED: no PostgreSQL server could be started here (see above); the SQLite run passed."
  exit 0
fi

# Side by side, one on each core. The SQLite run reports as it goes; the PostgreSQL run's report
# is kept and shown after it. Both run in the background so that an interrupt stops both at once.
"${postgresql_run[@]}" >"$work/postgresql.log" 2>&1 &
pids+=($!)
echo "== The whole suite on SQLite (the run on PostgreSQL goes on at the same time) =="
"${sqlite_run[@]}" &
pids+=($!)
sqlite_status=0
wait "${pids[1]}" || sqlite_status=$?
postgresql_status=0
wait "${pids[0]}" || postgresql_status=$?
pids=()
echo "== The unit and web tests on PostgreSQL =="
cat "$work/postgresql.log"

[ "$sqlite_status" -eq 0 ] || echo "FAILED: the run on SQLite (pytest exit $sqlite_status)"
[ "$postgresql_status" -eq 0 ] || echo "FAILED: the run on PostgreSQL (pytest exit $postgresql_status)"
[ "$sqlite_status" -eq 0 ] && [ "$postgresql_status" -eq 0 ]
