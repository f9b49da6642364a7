#!/usr/bin/env bash
# Installs the app and starts it at http://127.0.0.1:5000 on an SQLite file in instance/, with
# the background worker that sends its emails beside it (`flask --app app worker`).
# The first start creates the schema with the migrations and loads the demo programme;
# later starts keep the data (both steps do nothing when already done).
# Ctrl+C stops both; if either stops, so does the other.
set -euo pipefail
cd "$(dirname "$0")/.."

# Evidence uploads find a file's type with libmagic (python-magic loads Debian's libmagic1).
bash scripts/debian-packages.sh "for evidence uploads" libmagic1
python3 -m pip install --quiet --disable-pip-version-check -e .
flask --app app db upgrade
flask --app app demo load

pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM
flask --app app worker &
pids+=($!)
flask --app app run --host 127.0.0.1 --port "${PORT:-5000}" &
pids+=($!)
# Until the first of the two ends (or Ctrl+C): then the EXIT trap stops the other.
wait -n
