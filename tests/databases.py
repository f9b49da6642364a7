"""Test databases, built once per session by the migrations and copied for each test.

SQLite by default: a file copied per test. With TEST_DATABASE_URL set to a PostgreSQL server
(any database on it, e.g. postgresql://postgres@localhost:5432/postgres), each test gets its
own database made from a template with CREATE DATABASE ... TEMPLATE, and dropped after. Making
and dropping one takes the server about a seventh of a second, as long as many a test: so the
next test's copy is made, and the last one's dropped, in a thread beside the tests while they run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from apprenticeships import create_app
from apprenticeships.config import TestConfig, database_url
from apprenticeships.extensions import db
from apprenticeships.services.demo import load_demo

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")

# The demo accounts' password is hashed as TestConfig's PASSWORD_HASH_METHOD says (cheaply): most
# tests sign in as a demo account, and checking it at scrypt's full cost took a fifth of the suite's time.


def _migrate(url: str, with_demo: bool) -> None:
    app = create_app(TestConfig(url))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        if with_demo:
            load_demo()
        db.session.remove()
        db.engine.dispose()


class SqliteDatabases:
    name = "sqlite"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def build(self, name: str, with_demo: bool) -> str:
        path = self.directory / f"{name}.db"
        _migrate(f"sqlite:///{path}", with_demo)
        # Fold the write-ahead log into the file so that a plain copy holds everything.
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return str(path)

    def copy(self, template: str, directory: Path) -> str:
        path = directory / f"app-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        """Deleted at once rather than with pytest's temporary directory, which may be in memory
        (scripts/test.sh puts it in /dev/shm where there is one): a copy per test would add up."""
        path = sa.engine.make_url(url).database
        for name in (path, f"{path}-wal", f"{path}-shm"):
            Path(name).unlink(missing_ok=True)


class PostgresDatabases:
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.server = sa.engine.make_url(database_url(server_url))
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.prefix = f"appr_test_{uuid.uuid4().hex[:6]}"
        # One thread, so the server does one of these at a time, in the order asked.
        self._beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self._next: dict[str, Future[str]] = {}  # template -> its next copy, being made or made

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def build(self, name: str, with_demo: bool) -> str:
        template = f"{self.prefix}_{name}"
        self._create(template)
        _migrate(self._url(template), with_demo)
        return template

    def copy(self, template: str, directory: Path) -> str:
        """A new database made from the template: the one made ahead for it, then the next is begun."""
        made = self._next.pop(template, None)
        name = made.result() if made is not None else self._new_copy(template)
        self._next[template] = self._beside.submit(self._new_copy, template)
        return self._url(name)

    def _new_copy(self, template: str) -> str:
        name = f"{self.prefix}_{uuid.uuid4().hex[:10]}"
        self._create(name, template)
        return name

    def drop(self, url: str) -> None:
        """Dropped beside the tests (nothing uses it again: its name is never given twice)."""
        self._beside.submit(self._drop, sa.engine.make_url(url).database)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def drop_all(self) -> None:
        self._beside.shutdown(wait=True)
        with self.admin.connect() as conn:
            names = conn.exec_driver_sql("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                         (f"{self.prefix}%",)).scalars().all()
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def from_environment(directory: Path):
    server = os.environ.get("TEST_DATABASE_URL", "").strip()
    return PostgresDatabases(server) if server else SqliteDatabases(directory)
