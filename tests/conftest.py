"""Fixtures: app -> database (built by the migrations) -> a signed-in client per role.

The databases are built once per test session with `flask db upgrade` (Alembic), one empty
and one with the demo programme, and each test gets its own copy of the file.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from apprenticeships import create_app
from apprenticeships.config import TestConfig
from apprenticeships.extensions import db
from apprenticeships.services.demo import load_demo

from .helpers import DEMO_EMAILS, sign_in


def _build(path: Path, with_demo: bool) -> Path:
    app = create_app(TestConfig(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        if with_demo:
            load_demo()
        db.engine.dispose()
    # Fold the write-ahead log into the file so that a plain copy holds everything.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def empty_database(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("templates") / "empty.db", with_demo=False)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("templates") / "demo.db", with_demo=True)


def make_app(template: Path, directory: Path) -> Flask:
    path = directory / "app.db"
    shutil.copyfile(template, path)
    return create_app(TestConfig(f"sqlite:///{path}"))


@pytest.fixture
def app(demo_database, tmp_path) -> Iterator[Flask]:
    """The app on its own copy of the demo programme.

    No app context is held open: each request through the test client gets its own, as in
    production (a shared one would carry `g`, and so the signed-in user, across requests).
    Tests that read or change the database directly open one with `app.app_context()`.
    """
    app = make_app(demo_database, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def demo_db(app) -> Iterator[Flask]:
    """The demo programme with an app context open, for tests that only use the database."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def empty_app(empty_database, tmp_path) -> Iterator[Flask]:
    """The app on its own migrated, empty database, with an app context open."""
    app = make_app(empty_database, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def signed_in(app):
    """A function giving a fresh test client signed in as one of the demo roles."""

    def make(role: str) -> FlaskClient:
        client = app.test_client()
        response = sign_in(client, DEMO_EMAILS[role])
        assert response.status_code == 303, f"could not sign in as {role}"
        return client

    return make


@pytest.fixture
def coordinator_client(signed_in) -> FlaskClient:
    return signed_in("coordinator")


@pytest.fixture
def mentor_client(signed_in) -> FlaskClient:
    return signed_in("mentor")


@pytest.fixture
def employer_client(signed_in) -> FlaskClient:
    return signed_in("employer")


@pytest.fixture
def apprentice_client(signed_in) -> FlaskClient:
    return signed_in("apprentice")
