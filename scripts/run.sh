#!/usr/bin/env bash
# Installs the app and starts it at http://127.0.0.1:5000 on an SQLite file in instance/.
# The first start creates the schema with the migrations and loads the demo programme;
# later starts keep the data (both steps do nothing when already done).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e .
flask --app app db upgrade
flask --app app demo load
exec flask --app app run --host 127.0.0.1 --port "${PORT:-5000}"
