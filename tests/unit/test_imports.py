"""What the web server's processes load: not the migration tools (Flask-Migrate, alembic, mako), nor
the libraries only setting a password or sending an email needs; `flask db ...` still works.

Each check runs in a fresh Python process, as gunicorn's workers and the flask command do.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from apprenticeships.config import ROOT

NOT_FOR_THE_WEB = ("alembic", "flask_migrate", "mako", "zxcvbn", "notifications_python_client")


def run(code_or_args: str | list[str], tmp_path: Path) -> str:
    """Python code (or a command) run in a new process on a new SQLite database and queue in tmp_path."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "HUEY_SQLITE_FILE": str(tmp_path / "huey.db")}
    env.pop("HUEY_REDIS_URL", None)
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_web_app_loads_no_migration_tools_nor_what_only_passwords_and_emails_need(tmp_path):
    loaded = run(f"import app, sys, json; print(json.dumps([m for m in {NOT_FOR_THE_WEB!r} if m in sys.modules]))",
                 tmp_path)
    assert json.loads(loaded) == []


def test_flask_db_commands_still_migrate(tmp_path):
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    assert "db " in run([*flask, "--help"], tmp_path)
    assert "upgrade" in run([*flask, "db", "--help"], tmp_path)
    assert run([*flask, "db", "current"], tmp_path).strip() == ""  # a new database: no revision yet
    run([*flask, "db", "upgrade"], tmp_path)
    assert run([*flask, "db", "current"], tmp_path).strip().endswith("(head)")
    assert run([*flask, "db", "--directory", "migrations", "current"], tmp_path).strip().endswith("(head)")
    # heads and history read the migrations without env.py: its helpers are importable all the same
    assert run([*flask, "db", "heads"], tmp_path).strip().endswith("(head)")
    assert "0001" in run([*flask, "db", "history"], tmp_path)
