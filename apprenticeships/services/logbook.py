"""The learning log: entries of off-the-job (and other) learning, and their verification.

Every change to an entry is kept as a revision (who, when, what changed), so that any
figure can be explained later; the audit log records the same events by field name only.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload, undefer
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    MAX_MINUTES_A_DAY,
    Apprentice,
    ApprenticeStatus,
    AuditEvent,
    Ksb,
    LogEntry,
    LogEntryRevision,
    ProgrammeSettings,
    User,
    VerificationStatus,
    utcnow,
)
from ..models.types import Choice
from ..permissions import viewer_key, visible_apprentices_condition
from ..text import hours_in_words
from . import audit, changes, charts, notifications
from .errors import ServiceError, StaleRecord
from .otj import Learner, Pace, expected_minutes_to_date, is_behind, pace
from .pagination import Listing, Page
from .progress import NextReview, add_months, learner_for, next_review_from, progress_subquery

TRACKED = ("activity_date", "activity_type", "off_the_job", "minutes", "description")


class LogbookError(ServiceError):
    """An action the entry's state does not allow; the message is for the person."""


class DayIsFull(LogbookError):
    """The entry would take the day past the daily limit (refused by the database's CHECK on log_day_totals)."""


# The CHECK that holds each apprentice's minutes a day to the limit (models/progress.py LogDayTotal).
DAY_LIMIT_CONSTRAINT = "ck_log_day_totals_within_a_day"


def day_limit_message(already: int) -> str:
    limit = f"You can log up to {MAX_MINUTES_A_DAY // 60} hours on one day"
    return f"{limit}; you have already logged {hours_in_words(already / 60)} on that day" if already else limit


def minutes_logged_on(apprentice_id: int, day: date, except_entry: int | None = None) -> int:
    query = sa.select(sa.func.coalesce(sa.func.sum(LogEntry.minutes), 0)).where(
        LogEntry.apprentice_id == apprentice_id, LogEntry.activity_date == day)
    if except_entry is not None:
        query = query.where(LogEntry.id != except_entry)
    return db.session.scalar(query)


def _revision(actor: User, entry: LogEntry, action: str, changes: dict[str, Any] | None = None) -> None:
    # Added beside the entry, not appended to `entry.revisions`: loading that list would flush
    # the change early, where a refusal could not be explained (see _flush).
    db.session.add(LogEntryRevision(entry=entry, action=action, changes=changes or {}, changed_by_id=actor.id,
                                    changed_at=utcnow()))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else getattr(value, "value", value)


def _flush(entry: LogEntry, actor: User) -> None:
    """Write the change to `entry`, which the database may refuse: the day would pass the limit
    (another entry for that day got in first), or the entry changed since this request read it."""
    entry_id, apprentice_id, day = entry.id, entry.apprentice_id or entry.apprentice.id, entry.activity_date
    try:
        db.session.flush()
    except sa.exc.IntegrityError as error:
        if DAY_LIMIT_CONSTRAINT not in str(error.orig):
            raise
        db.session.rollback()
        raise DayIsFull(day_limit_message(minutes_logged_on(apprentice_id, day, except_entry=entry_id))) from None
    except StaleDataError:
        db.session.rollback()
        raise StaleRecord(_what_happened(entry, actor)) from None


_DONE = {"created": "added", "edited": "changed", "verified": "verified", "queried": "queried",
         "answered": "answered", "verification undone": "put back to waiting"}


def _what_happened(entry: LogEntry, actor: User) -> str:
    """What was done to `entry` since `actor` looked at it (by them in another tab, or by someone else), read afresh."""
    try:
        db.session.refresh(entry)
    except sa.exc.InvalidRequestError:
        return "This entry has been deleted"
    action, doer = db.session.execute(
        sa.select(LogEntryRevision.action, LogEntryRevision.changed_by_id).where(LogEntryRevision.entry_id == entry.id)
        .order_by(LogEntryRevision.changed_at.desc(), LogEntryRevision.id.desc()).limit(1)).one_or_none() or (
        "edited", None)
    if entry.status == VerificationStatus.VERIFIED:
        action, doer = "verified", entry.verified_by_id
    done = _DONE.get(action, "changed")
    whose = "the" if actor.apprentice_id == entry.apprentice_id else f"{entry.apprentice.full_name}\u2019s"
    what = f"{whose} entry for {entry.activity_date.day} {entry.activity_date:%B %Y} ({hours_in_words(entry.hours)})"
    if doer == actor.id:
        return f"You have already {done} {what}"
    name = db.session.scalar(sa.select(User.name).where(User.id == doer)) if doer else None
    message = f"{what[0].upper()}{what[1:]} was {done} by {name or 'someone else'} while you were looking at it"
    if entry.status == VerificationStatus.PENDING and action in ("edited", "answered"):
        message += ". Check it again before you verify it"
    return message


def _expect(actor: User, entry: LogEntry, statuses: tuple[VerificationStatus, ...], seen_version: int | None) -> None:
    """Act only on the entry as the person saw it: in one of `statuses`, and at the version on their page."""
    if entry.status not in statuses or (seen_version is not None and seen_version != entry.version):
        raise StaleRecord(_what_happened(entry, actor))


def add(actor: User, apprentice: Apprentice, values: dict, ksbs: list[Ksb]) -> LogEntry:
    entry = LogEntry(apprentice=apprentice, created_by_id=actor.id, ksbs=ksbs, **values)
    db.session.add(entry)
    _revision(actor, entry, "created", {k: _plain(values[k]) for k in TRACKED if k != "description"})
    _flush(entry, actor)  # before the audit event, whose flush would meet the day's limit unexplained
    audit.record(actor, "log_entry.created", entry)
    return entry


def edit(actor: User, entry: LogEntry, values: dict, ksbs: list[Ksb], *, version: int | None = None) -> list[str]:
    """Change an entry not yet verified; a queried entry goes back for verification.

    `version` is the one the apprentice loaded: a save after someone else's change is refused.
    """
    if entry.status == VerificationStatus.VERIFIED:
        raise LogbookError("A verified entry cannot be changed")
    if version is not None and version != entry.version:
        raise StaleRecord(_what_happened(entry, actor))
    changes = {k: [_plain(getattr(entry, k)), _plain(v)] for k, v in values.items() if getattr(entry, k) != v}
    if "description" in changes:
        changes["description"] = "changed"
    if {k.id for k in entry.ksbs} != {k.id for k in ksbs}:
        changes["ksbs"] = [[k.code for k in entry.ksbs], [k.code for k in ksbs]]
    for key, value in values.items():
        setattr(entry, key, value)
    entry.ksbs = ksbs
    if changes:
        if entry.status == VerificationStatus.QUERIED:
            entry.status = VerificationStatus.PENDING
        _revision(actor, entry, "edited", changes)
        audit.record(actor, "log_entry.edited", entry, fields=sorted(changes))
    _flush(entry, actor)
    return sorted(changes)


def delete(actor: User, entry: LogEntry) -> None:
    if entry.status == VerificationStatus.VERIFIED:
        raise LogbookError("A verified entry cannot be deleted")
    audit.record(actor, "log_entry.deleted", entry.apprentice, entry_id=entry.id, minutes=entry.minutes)
    db.session.delete(entry)
    _flush(entry, actor)


def has_left(apprentice: Apprentice) -> bool:
    """Withdrawn or completed: their mentor no longer sees them, and they can no longer answer a query
    (their record is read-only), so only a coordinator can settle the hours they left waiting."""
    return apprentice.status not in ApprenticeStatus.CURRENT


def _verifiable_statuses(entry: LogEntry) -> tuple[VerificationStatus, ...]:
    # A query to someone who has left can never be answered: the entry may be verified as it stands.
    if has_left(entry.apprentice):
        return (VerificationStatus.PENDING, VerificationStatus.QUERIED)
    return (VerificationStatus.PENDING,)


def can_verify(entry: LogEntry) -> bool:
    return entry.status in _verifiable_statuses(entry)


def can_query(entry: LogEntry) -> bool:
    return entry.status == VerificationStatus.PENDING and not has_left(entry.apprentice)


def verify(actor: User, entry: LogEntry, seen_version: int | None = None, *, anyway: bool = False) -> None:
    """Verify an entry waiting for it (at the version on the person's page, when given); one of two verifiers wins.
    `anyway`: a queried entry too, its question answered another way (in person, say), so the apprentice
    need not answer it in writing.

    The one place an entry is verified: one at a time, or several through `verify_many`.
    """
    _verify(actor, entry, seen_version, anyway=anyway)
    notifications.entries_acted_on([entry.id], verified=True)


def _verify(actor: User, entry: LogEntry, seen_version: int | None, *, anyway: bool = False) -> None:
    statuses = _verifiable_statuses(entry) + ((VerificationStatus.QUERIED,) if anyway else ())
    _expect(actor, entry, statuses, seen_version)
    unanswered = entry.status == VerificationStatus.QUERIED
    entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.VERIFIED, actor.id, utcnow()
    _revision(actor, entry, "verified", {"note": "verified while queried, without a written answer"}
              if unanswered else None)
    audit.record(actor, "log_entry.verified", entry)
    _flush(entry, actor)


MAX_VERIFIED_AT_ONCE = 100  # two pages of the queue; a longer list is no longer something a person checked


def verify_many(actor: User, scope: sa.ColumnElement[bool], chosen: dict[int, int]) -> list[LogEntry]:
    """Verify the chosen entries ({id: the version the person saw}), all of them or none.

    Nothing is verified if any of them is not one this person may verify (someone else's
    mentee, deleted), is no longer waiting, or changed since the page showing it was loaded;
    the refusal names every entry that stopped it.
    """
    if not chosen:
        raise LogbookError("Select the entries you want to verify")
    if len(chosen) > MAX_VERIFIED_AT_ONCE:
        raise LogbookError(f"You can verify up to {MAX_VERIFIED_AT_ONCE} entries at a time")
    found = {entry.id: entry for entry in db.session.scalars(
        sa.select(LogEntry).join(Apprentice).where(LogEntry.id.in_(chosen), scope)
        .options(contains_eager(LogEntry.apprentice)))}
    problems = []
    for entry_id, version in chosen.items():
        entry = found.get(entry_id)
        if entry is None:  # deleted, or never this person's to see: the same answer, naming nothing
            problems.append("One of the entries you chose is no longer there for you to verify")
        elif not can_verify(entry) or entry.version != version:
            problems.append(_what_happened(entry, actor))
    if problems:
        raise StaleRecord(_nothing_verified(problems))
    try:
        for entry_id, version in chosen.items():
            _verify(actor, found[entry_id], version)
    except StaleRecord as error:  # changed by someone else at this very moment; _flush has rolled back
        raise StaleRecord(_nothing_verified([str(error)])) from None
    notifications.entries_acted_on(list(chosen), verified=True)
    return [found[entry_id] for entry_id in chosen]


UNDO_WINDOW = timedelta(hours=1)  # how long a person may take back a verification of theirs (a misclick)


def can_undo(actor: User, entry: LogEntry, now: datetime | None = None) -> bool:
    """Whether `actor` may still put `entry` back to waiting (what undo_verification's UPDATE checks)."""
    return (entry.status == VerificationStatus.VERIFIED and entry.verified_by_id == actor.id
            and entry.verified_at is not None and entry.verified_at >= (now or utcnow()) - UNDO_WINDOW)


def _latest_of(actions: tuple[str, ...]) -> sa.ScalarSelect:
    """The latest of these actions in the history of the LogEntry of the enclosing statement (correlated)."""
    return (sa.select(LogEntryRevision.action).where(
        LogEntryRevision.entry_id == LogEntry.id, LogEntryRevision.action.in_(actions))
        .order_by(LogEntryRevision.changed_at.desc(), LogEntryRevision.id.desc()).limit(1).scalar_subquery())


# What the apprentice does to an entry, other than answer, that sends a query back for verification.
_CHANGES_TO_AN_ENTRY = ("edited", "evidence added", "evidence removed")


def _changed_since_query() -> sa.ColumnElement[bool]:
    """Whether the LogEntry of the enclosing statement is waiting again, after a query, because it was
    changed (not answered): what the queue tells the verifier instead of an answer. An entry put back to
    waiting unanswered for another reason (an older query recorded without its history) is not."""
    unanswered = sa.and_(LogEntry.status == VerificationStatus.PENDING, LogEntry.query_comment.is_not(None),
                         LogEntry.query_response.is_(None))
    changed = _latest_of(("queried", "answered", *_CHANGES_TO_AN_ENTRY)).in_(_CHANGES_TO_AN_ENTRY)
    return sa.case((unanswered, changed), else_=sa.false())


def changed_since_query(entry: LogEntry) -> frozenset[int]:
    """{entry.id} if the entry came back from a query because it was changed, else nothing: for one row
    of the queue (a page of it reads the same in `queue`'s statement). A statement only when it can be so."""
    if not (entry.status == VerificationStatus.PENDING and entry.query_comment and not entry.query_response):
        return frozenset()
    return frozenset(db.session.scalars(sa.select(LogEntry.id).where(LogEntry.id == entry.id, _changed_since_query())))


def undo_verification(actor: User, scope: sa.ColumnElement[bool], entry_ids: list[int]) -> list[LogEntry]:
    """Put entries `actor` verified within UNDO_WINDOW back as they were (waiting, or queried): all of them, or none.

    One conditional UPDATE decides: only rows still verified, by this person, recently enough and
    of an apprentice in `scope` change, so a second undo, an undo after the window or of someone
    else's verification changes nothing. If it changed fewer rows than asked, it is taken back
    (a savepoint) and the refusal says so. Each entry gets a revision and an audit event; the
    day totals (migration 0003) follow minutes only, which an undo leaves alone.
    """
    ids = list(dict.fromkeys(entry_ids))
    # Back to what it was: queried if its latest query came after any answer or change (a query to
    # someone who has left, or one answered in person), otherwise waiting.
    latest_step = _latest_of(("queried", "answered", "edited"))
    if not ids:
        raise LogbookError("Choose the entries whose verification you want to undo")
    if len(ids) > MAX_VERIFIED_AT_ONCE:
        raise LogbookError(f"You can undo up to {MAX_VERIFIED_AT_ONCE} verifications at a time")
    now = utcnow()
    db.session.flush()
    savepoint = db.session.begin_nested()
    changed = db.session.execute(
        sa.update(LogEntry).where(
            LogEntry.id.in_(ids), LogEntry.status == VerificationStatus.VERIFIED,
            LogEntry.verified_by_id == actor.id, LogEntry.verified_at >= now - UNDO_WINDOW,
            LogEntry.apprentice_id.in_(sa.select(Apprentice.id).where(scope)))
        .values(status=sa.case((sa.and_(latest_step == "queried", LogEntry.query_comment.is_not(None)),
                                sa.literal(VerificationStatus.QUERIED, LogEntry.status.type)),
                               else_=sa.literal(VerificationStatus.PENDING, LogEntry.status.type)),
                verified_by_id=None, verified_at=None,
                version=LogEntry.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if changed != len(ids):
        savepoint.rollback()
        raise StaleRecord(f"Nothing was undone. {'That entry is' if len(ids) == 1 else 'Some of those entries are'} "
                          f"no longer yours to undo: a verification can be undone only by the person who made it, "
                          f"within {undo_window_in_words()} of making it, and only once")
    savepoint.commit()
    undone = list(db.session.scalars(
        sa.select(LogEntry).where(LogEntry.id.in_(ids)).options(selectinload(LogEntry.apprentice))
        .execution_options(populate_existing=True)))
    for entry in undone:
        _revision(actor, entry, "verification undone")
        audit.record(actor, "log_entry.verification_undone", entry)
    db.session.flush()
    return sorted(undone, key=lambda entry: ids.index(entry.id))


def undo_window_in_words() -> str:
    hours = UNDO_WINDOW.total_seconds() / 3600
    return "an hour" if hours == 1 else hours_in_words(hours)


def _nothing_verified(problems: list[str]) -> str:
    shown = list(dict.fromkeys(problems))[:3]  # the first few, once each: the rest are told as a number
    more = len(problems) - len(shown)
    told = ". ".join(shown) + (f". {more} more of the entries you chose had changed too" if more > 0 else "")
    return f"Nothing was verified. {told}. Check the list, then choose again"


def query(actor: User, entry: LogEntry, comment: str, seen_version: int | None = None) -> None:
    """Ask about an entry waiting for verification; refused if it was verified (or changed) meanwhile."""
    if has_left(entry.apprentice):
        raise LogbookError(f"{entry.apprentice.full_name} has left the programme and can no longer answer a query. "
                           "Verify the entry, or leave it unverified")
    _expect(actor, entry, (VerificationStatus.PENDING,), seen_version)
    entry.status, entry.query_comment, entry.query_response = VerificationStatus.QUERIED, comment, None
    _revision(actor, entry, "queried", {"comment": comment})
    audit.record(actor, "log_entry.queried", entry)
    _flush(entry, actor)
    notifications.entries_acted_on([entry.id], verified=False)  # asked again: the answer has been read
    notifications.entry_queried(entry)


def answer(actor: User, entry: LogEntry, response: str) -> None:
    """The apprentice answers a query; the entry goes back for verification."""
    if entry.status != VerificationStatus.QUERIED:
        raise LogbookError("Only a queried entry can be answered")
    entry.status, entry.query_response = VerificationStatus.PENDING, response
    _revision(actor, entry, "answered", {"response": response})
    audit.record(actor, "log_entry.answered", entry)
    _flush(entry, actor)
    notifications.query_answered(entry)


_LOG = Listing(sa.select(LogEntry).where(LogEntry.apprentice_id == sa.bindparam("apprentice_id"))
               .options(selectinload(LogEntry.ksbs), undefer(LogEntry.evidence_count))
               .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()))


def entries(apprentice: Apprentice, page: int, size: int = 20) -> Page:
    """A page of the apprentice's log, the latest first."""
    return _LOG.page(page, size, apprentice_id=apprentice.id)


def page_of(entry: LogEntry, size: int = 20) -> int:
    """The page of its apprentice's log (`entries`, newest first) that `entry` is on."""
    db.session.flush()
    newer = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
        LogEntry.apprentice_id == entry.apprentice_id,
        sa.or_(LogEntry.activity_date > entry.activity_date,
               sa.and_(LogEntry.activity_date == entry.activity_date, LogEntry.id > entry.id))))
    return newer // size + 1


class QueueStatus(Choice):
    """What the verification queue lists, defined on how queries are stored: a query sets the entry
    QUERIED with its comment; the apprentice's answer (or a change to the entry) sets it PENDING again,
    keeping the comment. So a PENDING entry with a comment has come back from a query."""

    WAITING = "waiting"  # PENDING: everything that can be verified now, answered queries included
    QUERIED = "queried"  # QUERIED: waiting for the apprentice's answer
    ANSWERED = "answered"  # PENDING after a query: the apprentice answered it or changed the entry


def _queue_condition(status: QueueStatus) -> sa.ColumnElement[bool]:
    if status == QueueStatus.QUERIED:
        return LogEntry.status == VerificationStatus.QUERIED
    if status == QueueStatus.ANSWERED:
        return sa.and_(LogEntry.status == VerificationStatus.PENDING, LogEntry.query_comment.is_not(None))
    return LogEntry.status == VerificationStatus.PENDING


@dataclass(frozen=True)
class QueueFilters:
    """What the person asked the queue for; every value already checked (forms.QueueFilterForm)."""

    status: QueueStatus = QueueStatus.WAITING
    apprentice_id: int | None = None
    apprentice_name: str = ""  # part of a name, when there are too many apprentices to list
    date_from: date | None = None
    date_to: date | None = None
    newest_first: bool = False
    page: int = 1

    def conditions(self, scope: sa.ColumnElement[bool]) -> list[sa.ColumnElement[bool]]:
        """On LogEntry joined to its Apprentice: all but the status."""
        where = [scope]
        if self.apprentice_id is not None:
            where.append(LogEntry.apprentice_id == self.apprentice_id)
        if self.apprentice_name:
            where.append(sa.func.lower(Apprentice.first_name + " " + Apprentice.last_name).contains(
                self.apprentice_name.lower(), autoescape=True))
        if self.date_from is not None:
            where.append(LogEntry.activity_date >= self.date_from)
        if self.date_to is not None:
            where.append(LogEntry.activity_date <= self.date_to)
        return where


@dataclass(frozen=True)
class QueueCounts:
    """How many entries (and minutes) each status of the queue holds, for the filters other than status."""

    entries: dict[QueueStatus, int]
    minutes: dict[QueueStatus, int]

    def hours(self, status: QueueStatus) -> float:
        return self.minutes[status] / 60


QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueuePage(Page):
    # The entries on the page that came back from a query because they were changed, not answered.
    changed_since_query: frozenset[int] = frozenset()


def queue_counts(user: User, filters: QueueFilters) -> QueueCounts:
    """Entries and minutes by status of the apprentices `user` may see, for the filters other than status,
    page and order.

    Counting reads every entry waiting, which grows with the programme (3 ms a page at 2,000
    apprentices), so the answer is kept until the programme's data changes (`changes.cached`)."""
    counted = dataclasses.replace(filters, page=1, newest_first=False)
    return changes.cached(("queue_counts", viewer_key(user), counted),
                          lambda: _queue_counts(visible_apprentices_condition(user), counted))


def _queue_counts(scope: sa.ColumnElement[bool], filters: QueueFilters) -> QueueCounts:
    """One statement: entries and minutes by status and by whether a query came before."""
    was_queried = LogEntry.query_comment.is_not(None)
    rows = db.session.execute(
        sa.select(LogEntry.status, was_queried, sa.func.count(), sa.func.coalesce(sa.func.sum(LogEntry.minutes), 0))
        .join(Apprentice, Apprentice.id == LogEntry.apprentice_id)
        .where(*filters.conditions(scope),
               LogEntry.status.in_((VerificationStatus.PENDING, VerificationStatus.QUERIED)))
        .group_by(LogEntry.status, was_queried)).all()
    entries, minutes = dict.fromkeys(QueueStatus, 0), dict.fromkeys(QueueStatus, 0)
    for status, queried_before, count, total in rows:
        kinds = [QueueStatus.QUERIED] if status == VerificationStatus.QUERIED else \
            [QueueStatus.WAITING] + ([QueueStatus.ANSWERED] if queried_before else [])
        for kind in kinds:
            entries[kind] += count
            minutes[kind] += int(total)
    return QueueCounts(entries, minutes)


def queue(scope: sa.ColumnElement[bool], filters: QueueFilters, counts: QueueCounts,
          size: int = QUEUE_PAGE_SIZE) -> Page:
    """One page of the queue for the apprentices in `scope`, oldest (or newest) activity first.

    The total comes from `counts` (already read for the page), so a page costs one more
    statement, and one for the entries' KSBs, whatever the queue's length.
    """
    total = counts.entries[filters.status]
    number = min(max(1, filters.page), max(1, -(-total // size)))
    order = (LogEntry.activity_date.desc(), LogEntry.id.desc()) if filters.newest_first else \
        (LogEntry.activity_date, LogEntry.id)
    rows = db.session.execute(
        sa.select(LogEntry, _changed_since_query().label("changed"))
        .join(Apprentice, Apprentice.id == LogEntry.apprentice_id)
        .where(*filters.conditions(scope), _queue_condition(filters.status))
        .options(contains_eager(LogEntry.apprentice), selectinload(LogEntry.ksbs))
        .order_by(*order).limit(size).offset((number - 1) * size)).all()
    return QueuePage([row[0] for row in rows], number, size, total,
                     changed_since_query=frozenset(row[0].id for row in rows if row.changed))


def queue_entry(scope: sa.ColumnElement[bool], entry_id: int | None) -> LogEntry | None:
    """One entry of an apprentice in `scope` (the one just verified or queried, shown in its place), or None."""
    if entry_id is None:
        return None
    return db.session.scalar(
        sa.select(LogEntry).join(Apprentice, Apprentice.id == LogEntry.apprentice_id)
        .where(LogEntry.id == entry_id, scope).options(contains_eager(LogEntry.apprentice)))


def deleted_entry_message(scope: sa.ColumnElement[bool], entry_id: int) -> str | None:
    """What to say of `entry_id` if it was an entry of an apprentice in `scope` and has been deleted (the
    row and its history are gone; the audit log keeps its id): "Jordan Ellis deleted this entry". None
    for any other id, which is answered as not found: an entry of someone this person may not see,
    deleted or not, tells them nothing."""
    row = db.session.execute(
        sa.select(Apprentice.first_name, Apprentice.last_name, User.apprentice_id == Apprentice.id)
        .select_from(AuditEvent)
        .join(Apprentice, sa.and_(AuditEvent.subject_type == Apprentice.__tablename__,
                                  AuditEvent.subject_id == Apprentice.id))
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action == "log_entry.deleted", AuditEvent.details["entry_id"].as_integer() == entry_id,
               scope)
        .limit(1)).one_or_none()
    if row is None:
        return None
    first_name, last_name, by_the_apprentice = row
    return f"{first_name} {last_name} deleted this entry" if by_the_apprentice else "This entry has been deleted"


def in_queue_order(entries: list[LogEntry], extra: LogEntry | None, newest_first: bool) -> list[LogEntry]:
    """`entries` (one page of the queue) with `extra` put where it sorts, if it is not there already."""
    if extra is None or any(entry.id == extra.id for entry in entries):
        return entries
    before = queue_position(entries, extra.activity_date, extra.id, newest_first)
    return [*entries[:before], extra, *entries[before:]]


def queue_position(entries: list[LogEntry], activity_date: date, entry_id: int, newest_first: bool) -> int:
    """Where an entry of this date and id sorts among `entries` (one page of the queue, in its order)."""
    key = (activity_date, entry_id)
    return sum(1 for e in entries if ((e.activity_date, e.id) > key) == newest_first)


@dataclass(frozen=True)
class QueueApprentice:
    id: int
    full_name: str
    has_left: bool


@dataclass(frozen=True)
class QueueApprentices:
    """Who the queue's apprentice filter offers: `choices` by name, or None when there are more
    than a list can usefully hold (then the filter is a search by name); and the apprentice
    asked for by id (a link from their page), if in scope, whether or not anything of theirs waits."""

    choices: list[QueueApprentice] | None
    selected: QueueApprentice | None


MAX_APPRENTICE_CHOICES = 200


def queue_apprentices(scope: sa.ColumnElement[bool], selected: int | None = None) -> QueueApprentices:
    """The apprentices in `scope` with something in the queue (waiting or queried), and `selected`.

    One statement that stops reading once there are too many to list (a coordinator at scale), so
    its cost does not grow with the number of apprentices.
    """
    columns = (Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.status)
    in_queue = sa.select(LogEntry.id).where(
        LogEntry.apprentice_id == Apprentice.id,
        LogEntry.status.in_((VerificationStatus.PENDING, VerificationStatus.QUERIED))).exists()
    listed = sa.select(*columns, sa.literal(True).label("listed")).where(scope, in_queue) \
        .limit(MAX_APPRENTICE_CHOICES + 1).subquery()
    query = sa.select(listed)
    if selected is not None:
        query = sa.union_all(sa.select(*columns, sa.literal(False).label("listed")).where(
            scope, Apprentice.id == selected), query)
    rows = db.session.execute(query).all()

    def person(row) -> QueueApprentice:
        return QueueApprentice(row.id, f"{row.first_name} {row.last_name}", row.status not in ApprenticeStatus.CURRENT)

    chosen = next((person(row) for row in rows if row.id == selected), None)
    if sum(1 for row in rows if row.listed) > MAX_APPRENTICE_CHOICES:
        return QueueApprentices(None, chosen)
    people = {row.id: person(row) for row in rows}
    return QueueApprentices(sorted(people.values(), key=lambda a: (a.full_name.casefold(), a.id)), chosen)


def revisions(entry: LogEntry) -> list[tuple[LogEntryRevision, str | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(LogEntryRevision, User.name).outerjoin(User, User.id == LogEntryRevision.changed_by_id)
        .where(LogEntryRevision.entry_id == entry.id).order_by(LogEntryRevision.changed_at, LogEntryRevision.id))]


@dataclass(frozen=True)
class Totals:
    verified_hours: float
    pending_hours: float
    expected_hours: float
    total_hours: float
    next_review: NextReview
    # Off-the-job hours a mentor queried, waiting for the apprentice's answer: neither verified nor
    # waiting for verification (the queue's "Queried"), but still the apprentice's logged hours.
    queried_hours: float = 0.0

    @property
    def behind(self) -> bool:
        return is_behind(self.verified_hours, self.expected_hours)

    @property
    def pace(self) -> Pace:
        """On track, slightly behind or behind (otj.pace, the rule every page uses)."""
        return pace(self.verified_hours * 60, self.expected_hours * 60)

    @property
    def hours_short(self) -> float:
        """How far the verified hours are under the figure expected by now (0 when not under it)."""
        return max(0.0, self.expected_hours - self.verified_hours)


@functools.lru_cache(maxsize=8)
def _totals(progress: sa.Subquery, up_to_gateway: bool) -> sa.Select:
    # Built once for each progress subquery (one a day per database, progress._progress_text keeps them; keyed
    # by identity) and for each condition on the queried entries' dates (pagination.Listing says why), for
    # the apprentice named by the parameter `apprentice_id`, whose gateway date is the parameter `gateway_date`.
    theirs = sa.bindparam("apprentice_id", type_=sa.Integer)
    # Counted as the progress figures count verified and waiting minutes: off-the-job, up to gateway.
    queried = sa.select(sa.func.coalesce(sa.func.sum(LogEntry.minutes), 0)).where(
        LogEntry.apprentice_id == theirs, LogEntry.off_the_job.is_(True),
        LogEntry.status == VerificationStatus.QUERIED,
        LogEntry.activity_date <= sa.bindparam("gateway_date") if up_to_gateway else sa.true(),
    ).scalar_subquery()
    return sa.select(progress, queried.label("queried_minutes")).where(progress.c.apprentice_id == theirs)


def totals(apprentice: Apprentice, today: date, settings: ProgrammeSettings) -> Totals:
    row = db.session.execute(_totals(progress_subquery(today), apprentice.gateway_date is not None),
                             {"apprentice_id": apprentice.id, "gateway_date": apprentice.gateway_date}).one()
    return Totals(row.verified_minutes / 60, row.pending_minutes / 60, row.expected_minutes / 60,
                  row.total_minutes / 60, next_review_from(row, apprentice.status, today),
                  queried_hours=row.queried_minutes / 60)


@dataclass(frozen=True)
class ChartPoint:
    day: date
    logged_hours: float  # verified and waiting, before gateway: what the apprentice has put in
    expected_hours: float


def progress_chart(apprentice: Apprentice, today: date) -> tuple[list[ChartPoint], charts.Sized]:
    """The chart of `cumulative`, with its points. Kept until the apprentice's log changes (the database
    moves their `log_version`, migration 0021), the facts about them the line depends on change, or the
    day does: otherwise its cost would grow with the log, read whole on every view of their page."""
    learner = learner_for(apprentice)

    def draw() -> tuple[list[ChartPoint], charts.Sized]:
        points = cumulative(apprentice, today, learner)
        return points, charts.line_charts([f"{p.day:%b %y}" for p in points],
                                          {"logged": [p.logged_hours for p in points],
                                           "expected": [p.expected_hours for p in points]})
    return changes.kept(("progress_chart", apprentice.id, apprentice.log_version, learner, today), draw)


def cumulative(apprentice: Apprentice, today: date, learner: Learner | None = None) -> list[ChartPoint]:
    """Month by month from the start: OTJ hours logged so far against the expected line."""
    learner = learner or learner_for(apprentice)
    cutoff = min(today, learner.stopped_on or today)
    rows = db.session.execute(  # a day's minutes in one row: a log can hold many entries a day
        sa.select(LogEntry.activity_date, sa.func.sum(LogEntry.minutes)).where(
            LogEntry.apprentice_id == apprentice.id, LogEntry.off_the_job.is_(True),
            LogEntry.status != VerificationStatus.QUERIED, LogEntry.activity_date <= cutoff)
        .group_by(LogEntry.activity_date).order_by(LogEntry.activity_date)).all()
    points, running, i = [], 0, 0
    day = apprentice.start_date
    while True:
        day = min(_next_month(day), today)
        while i < len(rows) and rows[i][0] <= day:
            running += rows[i][1]
            i += 1
        points.append(ChartPoint(day, running / 60, expected_minutes_to_date(learner, day) / 60))
        if day >= today:
            return points


def _next_month(day: date) -> date:
    return add_months(day, 1)
