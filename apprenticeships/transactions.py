"""The request owns the transaction: services flush, and each request commits once, at its end.

Services add and flush (so ids exist and the database checks its rules as they go) but never
commit, so any two of them compose into one change. A successful answer (below 400) commits
the request's changes together; an error answer rolls them all back. The commit happens
before the answer leaves, so a redirect after a POST is sent only once the change is saved.
If the commit fails because of someone else's change at the same moment (a unique rule, a
stale version, a lock), the person is sent back with a message saying so, and the success
message the view flashed is dropped (see errors.refuse); any other failure is a fault (500).
Reading a page can write bookkeeping (a session's last-seen time, a share link's view count):
if that fails the page is still shown.

Reading a person's record writes its audit event (services.audit.viewed): the page is answered
only once that is saved, never shown unrecorded. Such pages are marked `@records_a_view`.

Commands (demo data, scale data, creating users) are not requests: they commit themselves.

SQLite: a transaction that reads and then writes must upgrade its lock, and SQLite refuses
the upgrade at once ("database is locked") when another writer got in between, whatever the
busy timeout. So a request that may write (any method but GET, HEAD and OPTIONS) begins with
BEGIN IMMEDIATE: it takes the write lock first, and concurrent writers queue on the busy
timeout instead of failing; so does a page marked `@records_a_view`. Reads begin a plain
(deferred) transaction. This is SQLAlchemy's
documented pysqlite recipe: the driver's own transaction handling is switched off on connect,
and the "begin" event emits BEGIN itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from . import errors
from .extensions import db
from .services.audit import VIEW_PENDING
from .services.errors import ServiceError

RECORDS_A_VIEW = "_records_a_view"


def records_a_view(view: Callable) -> Callable:
    """Mark a page that writes to the audit log whenever it is read: on SQLite it takes the write lock first."""
    setattr(view, RECORDS_A_VIEW, True)
    return view


def _records_a_view() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint or ""), RECORDS_A_VIEW, False)


@event.listens_for(Engine, "connect")
def _sqlite_own_transactions(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN (or COMMIT before DDL) of its own


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if isinstance(connection.connection.dbapi_connection, sqlite3.Connection):
        writing = has_request_context() and (request.method not in errors.SAFE_METHODS or _records_a_view())
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def register(app: Flask) -> None:
    """Register last of the after-request hooks, so that it runs first (Flask runs them in reverse)."""

    @app.after_request
    def commit_the_request(response):
        view_pending = db.session.info.pop(VIEW_PENDING, False)
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (SQLAlchemyError, ServiceError) as error:
            message = errors.clash_message(error)
            if message is None:
                raise
            reading = request.method in errors.SAFE_METHODS
            if reading and not view_pending:
                db.session.rollback()
                current_app.logger.warning("Bookkeeping while reading a page was not saved: %s", error)
                return response
            current_app.logger.warning("A change was refused by the database: %s", error)
            return errors.refuse(errors.UNRECORDED_VIEW if reading else message)
        return response
