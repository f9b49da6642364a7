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
only once that is saved, never shown unrecorded. Such pages are marked `@records_a_view`, and
`@records_a_view(writes=True)` when reading them writes other rows too (a published version of
figures, services/publication.py).

Commands (demo data, scale data, creating users) are not requests: they commit themselves.

SQLite: a transaction that reads and then writes must upgrade its lock, and SQLite refuses
the upgrade at once ("database is locked") when another writer got in between, whatever the
busy timeout. So a request that may write (any method but GET, HEAD and OPTIONS) begins with
BEGIN IMMEDIATE: it takes the write lock first, and concurrent writers queue on the busy
timeout instead of failing; so does a page marked `@records_a_view(writes=True)`. Reads begin a
plain (deferred) transaction, which cannot take the write lock later without that risk: so what a
read writes (its bookkeeping, and the audit events of a page marked `@records_a_view`) is kept
until the request has committed, and then written in a short transaction of its own that begins
with BEGIN IMMEDIATE (it waits its turn, and holds the lock only for its statements, never while
the page renders: two people opening records at once are not made to take turns). If that fails,
bookkeeping is let go, but a page with an audit event is refused (errors.UNRECORDED_VIEW) instead
of sent. A read that finds it must write rows its answer cannot go without, which cannot wait (a new
version of a share link's figures), calls `take_the_write_lock`: on SQLite it is answered again from the
start, holding the lock. On PostgreSQL, and in a request that holds SQLite's write lock already, all of it is
written at once in the request's transaction. This is SQLAlchemy's documented pysqlite recipe: the
driver's own transaction handling is switched off on connect, and the "begin" event emits BEGIN itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

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

RECORDS_A_VIEW = "_records_a_view"  # on a view: "reads", or "writes" (reading it writes other rows too)
AFTER_THE_READ = "written_after_the_read"  # session.info: what a read writes, once it has committed
WRITING_AFTER_THE_READ = "writing_after_the_read"  # g: the transaction beginning now is that write's
READ_AGAIN_TO_WRITE = "read_again_to_write"  # g: this read is being answered again, holding the write lock


class WriteLockNeeded(Exception):
    """A read on SQLite found it must write rows its answer depends on (`take_the_write_lock`)."""


def take_the_write_lock() -> None:
    """Call before a page that is read writes rows its answer cannot go without and cannot be put off
    until after the read (a new published version of a share link's figures: what is sent must be the
    version saved, and checked against every version saved before it). On SQLite a read's plain
    transaction cannot safely take the write lock that late (see the module's notes): so the request is
    answered again from the start, holding the write lock from its first statement (`register`). This
    happens only when there is something new to write (figures that moved since the last version), so
    the page's usual reads still go side by side. Elsewhere, nothing to do.
    """
    if only_reads():
        raise WriteLockNeeded


def records_a_view(view: Callable | None = None, *, writes: bool = False) -> Callable:
    """Mark a page that writes to the audit log whenever it is read (it is sent only once that is saved).

    `@records_a_view(writes=True)`: reading the page writes other rows too, so on SQLite it takes
    the write lock first (see the module's notes)."""
    def mark(view: Callable) -> Callable:
        setattr(view, RECORDS_A_VIEW, "writes" if writes else "reads")
        return view

    return mark if view is None else mark(view)


def _writes_when_read() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint or ""), RECORDS_A_VIEW, None) == "writes"


@event.listens_for(Engine, "connect")
def _sqlite_own_transactions(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN (or COMMIT before DDL) of its own


def _takes_the_write_lock() -> bool:
    """Whether the request's transaction begins with BEGIN IMMEDIATE on SQLite."""
    return has_request_context() and (request.method not in errors.SAFE_METHODS or _writes_when_read()
                                      or g.get(WRITING_AFTER_THE_READ, False) or g.get(READ_AGAIN_TO_WRITE, False))


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    if isinstance(connection.connection.dbapi_connection, sqlite3.Connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_the_write_lock() else "BEGIN")


def only_reads() -> bool:
    """Whether this is a request on SQLite whose transaction only reads (it began with a plain BEGIN):
    what it writes must wait until it has committed (`after_the_read`)."""
    return has_request_context() and db.session.get_bind().dialect.name == "sqlite" and not _takes_the_write_lock()


def after_the_read(statement: Executable, rows: list[dict[str, Any]] | None = None, *, vital: bool) -> None:
    """Keep `statement` (run with each of `rows`, if given) until the request's read has committed.

    For a request on SQLite whose transaction only reads (`only_reads`). `vital`: the answer may be
    sent only once it is saved (an audit event); otherwise it is bookkeeping, let go if it fails.
    """
    db.session.info.setdefault(AFTER_THE_READ, []).append((statement, rows, vital))


def bookkeeping(statement: Executable) -> None:
    """Write `statement`, a small write that reading a page makes (a view count, a last-seen time).

    It should change the value in place (`view_count + 1`, not a number read earlier), so that no
    count is lost when two requests write at once. On SQLite, in a request whose transaction only
    reads, it is written once the request has committed, in its own short BEGIN IMMEDIATE
    transaction (see the module's notes); otherwise at once, in the request's transaction. The
    objects in the session are not updated by it.
    """
    if only_reads():
        after_the_read(statement, vital=False)
    else:
        db.session.connection().execute(statement)  # plain SQL: no ORM bulk-update machinery


@event.listens_for(Session, "after_soft_rollback")
def _forget_what_the_read_writes(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # the request's changes undone (a refusal): nothing to count or log
        session.info.pop(AFTER_THE_READ, None)


def _write_after_the_read(kept: list[tuple[Executable, list[dict[str, Any]] | None, bool]]) -> str | None:
    """Write what a read kept, in one short transaction that takes the write lock first (it waits its
    turn on the busy timeout). None once saved, else the refusal to answer with (what was kept was vital)."""
    g.setdefault(WRITING_AFTER_THE_READ, True)
    try:
        connection = db.session.connection()  # begins with BEGIN IMMEDIATE: it waits its turn
        for statement, rows, _vital in kept:
            if rows:
                connection.execute(statement, rows)  # one statement, many rows (executemany)
            else:
                connection.execute(statement)
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        if not any(vital for _statement, _rows, vital in kept):
            current_app.logger.warning("Bookkeeping while reading a page was not saved: %s", error)
            return None
        if errors.clash_message(error) is None:
            raise  # not a clash: a fault, answered as one (500)
        current_app.logger.warning("A page's audit event was not saved, so the page was not sent: %s", error)
        return errors.UNRECORDED_VIEW
    finally:
        g.pop(WRITING_AFTER_THE_READ, None)
    return None


def register(app: Flask) -> None:
    """Register last of the after-request hooks, so that it runs first (Flask runs them in reverse)."""

    @app.errorhandler(WriteLockNeeded)
    def read_again_holding_the_write_lock(_error: WriteLockNeeded):
        # Nothing was written: the read's transaction ends, and the view runs again (its decorators too;
        # a rate limit counts this request twice) in one that begins with BEGIN IMMEDIATE.
        db.session.rollback()
        g.setdefault(READ_AGAIN_TO_WRITE, True)
        return current_app.dispatch_request()

    @app.after_request
    def commit_the_request(response):
        later = db.session.info.pop(AFTER_THE_READ, None)  # written only once the request has committed
        view_pending = db.session.info.pop(VIEW_PENDING, False) or any(vital for _s, _r, vital in later or ())
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
        if later and (refusal := _write_after_the_read(later)):
            return errors.refuse(refusal)
        return response
