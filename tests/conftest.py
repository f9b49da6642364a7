"""Fixtures: app -> database (built by the migrations) -> a signed-in client per role.

The databases are built once per test session with `flask db upgrade` (Alembic), one empty
and one with the demo programme, and each test gets its own copy (see databases.py: SQLite
files by default, PostgreSQL databases when TEST_DATABASE_URL names a server).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy.util import LRUCache
from werkzeug.routing.rules import Rule

from apprenticeships import create_app
from apprenticeships.config import TestConfig
from apprenticeships.extensions import db

from .databases import from_environment as databases_from_environment
from .helpers import DEMO_EMAILS, sign_in

# Property tests judged on what they find, not on how fast this machine draws their examples: the suite's
# three runs share two cores, and a draw once took 3 s, failing a health check about speed alone.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


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


def _share_url_builders() -> None:
    """Each URL rule's two builder functions made once per session and shared by every test's app.

    Werkzeug writes and compiles the Python source of two functions for every rule each time a
    rule is added to an app: two thirds of the time create_app takes, for every test. A builder
    is a plain function of the rule's text and parsed parts (the rule object, and so its
    converters, is passed in when it is called), so the same one serves every app. Rules with
    defaults are left to werkzeug (their builders hold the defaults' values). If werkzeug ever
    changes how it does this, the rules are built as before.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    builders: dict[tuple, object] = {}

    @functools.wraps(compile_builder)
    def shared(self: Rule, append_unknown: bool = True):
        trace = getattr(self, "_trace", None)
        if self.defaults or trace is None:
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(trace), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    shared.shared = True
    Rule._compile_builder = shared


_share_url_builders()


class _SharedCompiledSql(MutableMapping):
    """The SQL compiled from SQLAlchemy's statements, kept for the whole session and shared by
    every test app's engine.

    In production one engine serves every request, and compiles each statement the app makes
    once. Each test's app has an engine of its own, which would compile them all again: a tenth
    of the suite's time. SQLAlchemy keys its cache by the dialect object (one per engine) and
    the statement's structure; here the dialect is stood for by what the SQL it compiles
    depends on, which is the same for every test app's engine (one kind of database in a
    session, the same options, the same server). Only make_app's engines use it.
    """

    def __init__(self, size: int = 5000) -> None:
        self._compiled = LRUCache(size)

    @staticmethod
    def _key(key: tuple) -> tuple:
        dialect, *rest = key
        same_sql = (type(dialect), dialect.server_version_info, dialect.paramstyle, dialect.label_length,
                    dialect.max_identifier_length, dialect.default_schema_name)
        return (same_sql, *rest)

    def __getitem__(self, key):
        return self._compiled[self._key(key)]

    def get(self, key, default=None):
        return self._compiled.get(self._key(key), default)

    def __setitem__(self, key, value) -> None:
        self._compiled[self._key(key)] = value

    def __delitem__(self, key) -> None:
        del self._compiled[self._key(key)]

    def __iter__(self):
        return iter(self._compiled)

    def __len__(self) -> int:
        return len(self._compiled)


_compiled_sql = _SharedCompiledSql()


def make_app(databases, template: str, directory: Path) -> Flask:
    config = TestConfig(databases.copy(template, directory))
    config.EVIDENCE_FOLDER = str(directory / "evidence")  # each test's files in its own folder
    app = create_app(config)
    app.jinja_env.bytecode_cache = _template_code
    with app.app_context():
        for engine in db.engines.values():
            if getattr(engine, "_compiled_cache", None) is not None:
                engine._compiled_cache = _compiled_sql
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
