"""A programme-wide data version, and a small cache of results that stays correct by it.

Some figures (who is at risk across 20,000 apprentices) cost a hundred milliseconds or more
to work out, yet change only when the programme's data does. Every flush or bulk statement
that changes programme data sets `programme_settings.data_version` to a new random number in
the same transaction, so a result worked out at version V is still right for as long as the
version reads V (and the day is the same: several figures depend on today's date). A random
number rather than a counter, so that a database restored from a backup, or a test's fresh
copy of one, can never show a version that once meant other data.

Each app in each worker process keeps its own small cache: nothing in it needs sharing, because any
worker that reads a newer version than a cached result's simply works the result out again.
Reading the version before the data means a cached result is never older than its version.

Sign-in sessions, sign-in failures, audit events, share-link view counts and the record of
published versions of a cohort's figures are not programme data: writing them (on almost every
request) does not move the version.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from ..extensions import db
from ..models import (
    AuditEvent,
    ComparisonLink,
    ProgrammeSettings,
    PublishedVersion,
    ShareLink,
    SignInFailure,
    TransferPublishedVersion,
    TransferShareLink,
    UserSession,
)

# Tables whose rows change without the programme's data changing (a view counted, a sign-in, a log line).
NOT_PROGRAMME_DATA = frozenset(m.__table__.name for m in (AuditEvent, ComparisonLink, PublishedVersion, ShareLink,
                                                          SignInFailure, UserSession, TransferShareLink,
                                                          TransferPublishedVersion))
CACHE_SIZE = 256  # results kept per worker, least recently used dropped first
RECORD_CACHE_SIZE = 512  # results kept per worker under a record's own version (`kept`)

T = TypeVar("T")


_SETTINGS = ProgrammeSettings.__table__
# A plain UPDATE on the table, sent on the session's connection: the ORM's bulk UPDATE machinery
# (and the do_orm_execute hook below) cost more than the statement, on every write.
_BUMP = sa.update(_SETTINGS).where(_SETTINGS.c.id == 1).values(data_version=sa.bindparam("new_data_version"))


_VERSION = sa.select(_SETTINGS.c.data_version).where(_SETTINGS.c.id == 1)
VERSION_READ = "data_version_read"  # session.info: the version this transaction read, until it writes or ends


def _bump(session: Session) -> None:
    session.info.pop(VERSION_READ, None)
    session.connection().execute(_BUMP, {"new_data_version": secrets.randbits(62)})


def _version() -> int:
    """The data version, read once a transaction (a page's lists each ask), and again after it writes."""
    info = db.session.info
    if VERSION_READ not in info:
        info[VERSION_READ] = db.session.scalar(_VERSION)
    return info[VERSION_READ]


@event.listens_for(Session, "after_transaction_end")
def _forget_the_version(session: Session, transaction) -> None:
    if transaction.parent is None:  # the next transaction may see another version
        session.info.pop(VERSION_READ, None)


def _changes_programme_data(session: Session) -> bool:
    return any(getattr(obj, "__tablename__", None) not in NOT_PROGRAMME_DATA
               for obj in (*session.new, *session.dirty, *session.deleted))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    if _changes_programme_data(session):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    """Bulk INSERT, UPDATE and DELETE statements do not flush: count them here."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name not in NOT_PROGRAMME_DATA:
        _bump(state.session)


class _Cache:
    def __init__(self, size: int) -> None:
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._size = size
        self._lock = Lock()  # gunicorn's threaded workers share a process

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from an earlier call with the same key at the same data version.

    The result must hold plain values, not database objects, which belong to one request.
    """
    cache = current_app.extensions.setdefault("results_cache", _Cache(CACHE_SIZE))
    return cache.get_or_compute((_version(), key), compute)


def kept(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from an earlier call with the same key, whatever else in the programme
    changed since: for results that depend on one record, whose key holds every version of the data
    they are worked out from (an apprentice's `log_version`, moved by the database whenever their log
    changes, and the facts about them the figures use). A write to anyone else's records keeps it.

    The result must hold plain values, not database objects, which belong to one request.
    """
    cache = current_app.extensions.setdefault("record_cache", _Cache(RECORD_CACHE_SIZE))
    return cache.get_or_compute(key, compute)
