"""Fixtures: app -> database (built by the migrations) -> a signed-in client per role.

The databases are built once per test session with `flask db upgrade` (Alembic), one empty
and one with the demo programme, and each test gets its own copy (see databases.py: SQLite
files by default, PostgreSQL databases when TEST_DATABASE_URL names a server).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from apprenticeships import create_app
from apprenticeships.config import TestConfig
from apprenticeships.extensions import db

from .databases import from_environment as databases_from_environment
from .helpers import DEMO_EMAILS, sign_in


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    """SQLite files, or PostgreSQL databases when TEST_DATABASE_URL names a server."""
    factory = databases_from_environment(tmp_path_factory.mktemp("templates"))
    yield factory
    if hasattr(factory, "drop_all"):
        factory.drop_all()


@pytest.fixture(scope="session")
def empty_database(databases) -> str:
    return databases.build("empty", with_demo=False)


@pytest.fixture(scope="session")
def demo_database(databases) -> str:
    return databases.build("demo", with_demo=True)


class _SharedTemplateCode(BytecodeCache):
    """Compiled templates kept in memory for the whole session and shared by every test's app.

    Each test builds its own app, and so its own Jinja environment, which would otherwise
    compile every template it renders again: about half the time of the web tests. Jinja
    checks each template's source against the checksum stored with its code, so an edited
    template is compiled afresh. (Every app comes from create_app, so the Jinja settings the
    code depends on are the same for all.)
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_template_code = _SharedTemplateCode()


def make_app(databases, template: str, directory: Path) -> Flask:
    config = TestConfig(databases.copy(template, directory))
    config.EVIDENCE_FOLDER = str(directory / "evidence")  # each test's files in its own folder
    app = create_app(config)
    app.jinja_env.bytecode_cache = _template_code
    return app


def close_app(app: Flask, databases) -> None:
    """Close the app's connections and drop its copy of the database."""
    with app.app_context():
        db.session.remove()
        url = str(db.engine.url.render_as_string(hide_password=False))
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def app(databases, demo_database, tmp_path) -> Iterator[Flask]:
    """The app on its own copy of the demo programme.

    No app context is held open: each request through the test client gets its own, as in
    production (a shared one would carry `g`, and so the signed-in user, across requests).
    Tests that read or change the database directly open one with `app.app_context()`.
    """
    app = make_app(databases, demo_database, tmp_path)
    yield app
    close_app(app, databases)


@pytest.fixture
def demo_db(app) -> Iterator[Flask]:
    """The demo programme with an app context open, for tests that only use the database."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def empty_app(databases, empty_database, tmp_path) -> Iterator[Flask]:
    """The app on its own migrated, empty database, with an app context open."""
    app = make_app(databases, empty_database, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
    close_app(app, databases)


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
