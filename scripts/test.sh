#!/usr/bin/env bash
# Installs everything the test suite needs and runs all of it: the unit and web tests on SQLite
# and again on a real PostgreSQL server, and the browser tests (on SQLite). The three runs go side
# by side, sharing the cores: the SQLite run's report shows as it goes, the others' when all have
# ended.
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
# The runs' temporary folders (each test's copy of the SQLite database, its evidence files) in
# memory where the machine has a /dev/shm, else in /tmp.
tmp_root=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp_root=/dev/shm
work=$(mktemp -d "$tmp_root/apprenticeships-tests.XXXXXX")
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

# The runs keep apart: each has its own temporary folder and Playwright output folder, and the
# PostgreSQL and browser runs their own pytest caches (the SQLite run keeps the usual one, for --lf).
# The browser tests run once, on SQLite: they drive the pages' HTML and JavaScript, and every
# request they make is also made on both databases by the web tests. They run in a session of
# their own beside the other two, so that the two cores share the work evenly: that keeps the
# whole command within 15 minutes on two cores.
hostile=tests/web/test_hostile_input.py
sqlite_run=(env -u TEST_DATABASE_URL python3 -m pytest --basetemp "$work/sqlite" --output test-results/sqlite
            --ignore="$hostile" tests/unit tests/web)
browser_run=(env -u TEST_DATABASE_URL python3 -m pytest --basetemp "$work/browser" --output test-results/browser
             -o cache_dir=.pytest_cache/browser tests/browser)
# The SQLite and PostgreSQL runs are the longest of the three, and the browser run the shortest: the
# hostile input crawls (2 to 3 minutes each) go after the browser tests, in the same lane, on SQLite
# and then on PostgreSQL.
# tests/unit/test_imports.py starts fresh processes on SQLite databases of its own whatever the
# run's database (25 s): the SQLite run has it.
postgresql_run=(env TEST_DATABASE_URL="$pg_url" python3 -m pytest --basetemp "$work/postgresql"
                --output test-results/postgresql -o cache_dir=.pytest_cache/postgresql --durations=10
                --ignore="$hostile" --ignore=tests/unit/test_imports.py tests/unit tests/web)
sqlite_hostile_run=(env -u TEST_DATABASE_URL python3 -m pytest --basetemp "$work/sqlite-hostile"
                    --output test-results/sqlite-hostile -o cache_dir=.pytest_cache/sqlite-hostile "$hostile")
postgresql_hostile_run=(env TEST_DATABASE_URL="$pg_url" python3 -m pytest --basetemp "$work/postgresql-hostile"
                        --output test-results/postgresql-hostile -o cache_dir=.pytest_cache/postgresql-hostile
                        "$hostile")
browser_lane() {
  local status=0 child
  trap 'kill "$child" 2>/dev/null; exit 143' TERM  # an interrupt stops the pytest this lane is running
  "${browser_run[@]}" >"$work/browser.log" 2>&1 &
  child=$!
  wait "$child" || status=$?
  "${sqlite_hostile_run[@]}" >"$work/sqlite.log.hostile" 2>&1 &
  child=$!
  wait "$child" || echo $? >"$work/sqlite-hostile.failed"
  if [ -n "$pg_url" ]; then
    "${postgresql_hostile_run[@]}" >"$work/postgresql.log.hostile" 2>&1 &
    child=$!
    wait "$child" || echo $? >"$work/postgresql-hostile.failed"
  fi
  return "$status"
}

# Side by side. The SQLite run reports as it goes; the others' reports are kept and shown after
# it. All run in the background so that an interrupt stops them all at once.
browser_lane &
pids+=($!)
if [ -n "$pg_url" ]; then
  "${postgresql_run[@]}" >"$work/postgresql.log" 2>&1 &
  pids+=($!)
  echo "== The unit and web tests on SQLite (on PostgreSQL and the browser tests at the same time) =="
else
  echo "== The unit and web tests on SQLite (the browser tests at the same time) =="
fi
"${sqlite_run[@]}" &
pids+=($!)
statuses=()
for pid in "${pids[@]}"; do
  status=0
  wait "$pid" || status=$?
  statuses+=("$status")
done
pids=()
browser_status=${statuses[0]}
sqlite_status=${statuses[-1]}
[ -f "$work/sqlite-hostile.failed" ] && sqlite_status=$(cat "$work/sqlite-hostile.failed")
echo "== The hostile input crawl on SQLite =="
cat "$work/sqlite.log.hostile"
echo "== The browser tests (on SQLite) =="
cat "$work/browser.log"
[ "$sqlite_status" -eq 0 ] || echo "FAILED: the unit and web tests on SQLite (pytest exit $sqlite_status)"
[ "$browser_status" -eq 0 ] || echo "FAILED: the browser tests (pytest exit $browser_status)"
if [ -z "$pg_url" ]; then
  [ "$sqlite_status" -eq 0 ] && [ "$browser_status" -eq 0 ] || exit 1
  echo "SKIPPED: no PostgreSQL server could be started here (see above); the runs on SQLite passed."
  exit 0
fi
postgresql_status=${statuses[1]}
[ -f "$work/postgresql-hostile.failed" ] && postgresql_status=$(cat "$work/postgresql-hostile.failed")
echo "== The unit and web tests on PostgreSQL =="
cat "$work/postgresql.log" "$work/postgresql.log.hostile" 2>/dev/null || true
[ "$postgresql_status" -eq 0 ] || echo "FAILED: the run on PostgreSQL (pytest exit $postgresql_status)"
[ "$sqlite_status" -eq 0 ] && [ "$browser_status" -eq 0 ] && [ "$postgresql_status" -eq 0 ]
