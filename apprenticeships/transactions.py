"""The request owns the transaction: services flush, and each request commits once, at its end.

Services add and flush (so ids exist and the database checks its rules as they go) but never
commit, so any two of them compose into one change. A successful answer (below 400) commits
the request's changes together; an error answer rolls them all back. The commit happens
before the answer leaves, so a redirect after a POST is sent only once the change is saved.
If the commit fails because of someone else's change at the same moment (a unique rule, a
stale version, a lock), the person is sent back with a message saying so, and the success
message the view flashed is dropped (see errors.refuse); any other failure is a fault (500).
Reading a page can write bookkeeping (a session's last-seen time, a share link's view count),
through `bookkeeping`: a statement that changes the value in place (`view_count + 1`), so that
two requests at once both count. If it fails all the same, the page is still shown.

Reading a person's record writes its audit event (services.audit.viewed): the page is answered
only once that is saved, never shown unrecorded. Such pages are marked `@records_a_view`.

Commands (demo data, scale data, creating users) are not requests: they commit themselves.

SQLite: a transaction that reads and then writes must upgrade its lock, and SQLite refuses
the upgrade at once ("database is locked") when another writer got in between, whatever the
busy timeout. So a request that may write (any method but GET, HEAD and OPTIONS) begins with
BEGIN IMMEDIATE: it takes the write lock first, and concurrent writers queue on the busy
timeout instead of failing; so does a page marked `@records_a_view`. Reads begin a plain
(deferred) transaction, which cannot take the write lock later without that risk: so a read's
bookkeeping is kept until the request has committed, and then written in a short transaction of
its own that begins with BEGIN IMMEDIATE (it waits its turn, and holds the lock only for its
statements, never while the page renders). On PostgreSQL, and in a request that holds SQLite's
write lock already, bookkeeping is written at once in the request's transaction. This is SQLAlchemy's
documented pysqlite recipe: the driver's own transaction handling is switched off on connect,
and the "begin" event emits BEGIN itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from . import errors
from .extensions import db
from .services.audit import VIEW_PENDING
from .services.errors import ServiceError

RECORDS_A_VIEW = "_records_a_view"
BOOKKEEPING = "bookkeeping_after_commit"  # session.info: a read's bookkeeping, written once it has committed
WRITING_BOOKKEEPING = "writing_bookkeeping"  # g: the transaction beginning now is that bookkeeping's


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


def _takes_the_write_lock() -> bool:
    """Whether the request's transaction begins with BEGIN IMMEDIATE on SQLite."""
    return has_request_context() and (request.method not in errors.SAFE_METHODS or _records_a_view()
                                      or g.get(WRITING_BOOKKEEPING, False))


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if isinstance(connection.connection.dbapi_connection, sqlite3.Connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_the_write_lock() else "BEGIN")


def bookkeeping(statement: Executable) -> None:
    """Write `statement`, a small write that reading a page makes (a view count, a last-seen time).

    It should change the value in place (`view_count + 1`, not a number read earlier), so that no
    count is lost when two requests write at once. On SQLite, in a request whose transaction only
    reads, it is written once the request has committed, in its own short BEGIN IMMEDIATE
    transaction (see the module's notes); otherwise at once, in the request's transaction. The
    objects in the session are not updated by it.
    """
    if has_request_context() and db.session.get_bind().dialect.name == "sqlite" and not _takes_the_write_lock():
        db.session.info.setdefault(BOOKKEEPING, []).append(statement)
    else:
        db.session.connection().execute(statement)  # plain SQL: no ORM bulk-update machinery


@event.listens_for(Session, "after_soft_rollback")
def _forget_bookkeeping(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # the request's changes undone (a refusal): nothing to count
        session.info.pop(BOOKKEEPING, None)


def _write_bookkeeping(statements: list[Executable]) -> None:
    g.setdefault(WRITING_BOOKKEEPING, True)
    try:
        connection = db.session.connection()  # begins with BEGIN IMMEDIATE: it waits its turn
        for statement in statements:
            connection.execute(statement)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Bookkeeping while reading a page was not saved: %s", error)
    finally:
        g.pop(WRITING_BOOKKEEPING, None)


def register(app: Flask) -> None:
    """Register last of the after-request hooks, so that it runs first (Flask runs them in reverse)."""

    @app.after_request
    def commit_the_request(response):
        view_pending = db.session.info.pop(VIEW_PENDING, False)
        later = db.session.info.pop(BOOKKEEPING, None)  # written only once the request has committed
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
        if later:
            _write_bookkeeping(later)
        return response
