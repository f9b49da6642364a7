"""The learning log: entries of off-the-job (and other) learning, and their verification.

Every change to an entry is kept as a revision (who, when, what changed), so that any
figure can be explained later; the audit log records the same events by field name only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import (
    MAX_MINUTES_A_DAY,
    Apprentice,
    Cohort,
    Ksb,
    LogEntry,
    LogEntryRevision,
    ProgrammeSettings,
    User,
    VerificationStatus,
    utcnow,
)
from ..text import hours_in_words
from . import audit
from .errors import ServiceError, StaleRecord
from .otj import Learner, expected_minutes_to_date, is_behind
from .pagination import Page, paginate
from .progress import add_months, learner_for, progress_subquery, review_due_after

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
         "answered": "answered"}


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


def _expect(actor: User, entry: LogEntry, status: VerificationStatus, seen_version: int | None) -> None:
    """Act only on the entry as the person saw it: in `status`, and at the version on their page."""
    if entry.status != status or (seen_version is not None and seen_version != entry.version):
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


def verify(actor: User, entry: LogEntry, seen_version: int | None = None) -> None:
    """Verify an entry waiting for it (at the version on the person's page, when given); one of two verifiers wins."""
    _expect(actor, entry, VerificationStatus.PENDING, seen_version)
    entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.VERIFIED, actor.id, utcnow()
    _revision(actor, entry, "verified")
    audit.record(actor, "log_entry.verified", entry)
    _flush(entry, actor)


def query(actor: User, entry: LogEntry, comment: str, seen_version: int | None = None) -> None:
    """Ask about an entry waiting for verification; refused if it was verified (or changed) meanwhile."""
    _expect(actor, entry, VerificationStatus.PENDING, seen_version)
    entry.status, entry.query_comment, entry.query_response = VerificationStatus.QUERIED, comment, None
    _revision(actor, entry, "queried", {"comment": comment})
    audit.record(actor, "log_entry.queried", entry)
    _flush(entry, actor)


def answer(actor: User, entry: LogEntry, response: str) -> None:
    """The apprentice answers a query; the entry goes back for verification."""
    if entry.status != VerificationStatus.QUERIED:
        raise LogbookError("Only a queried entry can be answered")
    entry.status, entry.query_response = VerificationStatus.PENDING, response
    _revision(actor, entry, "answered", {"response": response})
    audit.record(actor, "log_entry.answered", entry)
    _flush(entry, actor)


def entries(apprentice: Apprentice, page: int, size: int = 20) -> Page:
    return paginate(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice.id)
                    .options(selectinload(LogEntry.ksbs))
                    .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()), page, size)


def queue(scope: sa.ColumnElement[bool], page: int, size: int = 50) -> Page:
    """Entries waiting for verification (answered queries too) for the apprentices in scope, oldest first."""
    return paginate(
        sa.select(LogEntry).join(Apprentice).join(Cohort)
        .where(scope, LogEntry.status == VerificationStatus.PENDING)
        .options(selectinload(LogEntry.ksbs), selectinload(LogEntry.apprentice))
        .order_by(LogEntry.activity_date, LogEntry.id), page, size)


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
    next_review_due: date

    @property
    def behind(self) -> bool:
        return is_behind(self.verified_hours, self.expected_hours)


def totals(apprentice: Apprentice, today: date, settings: ProgrammeSettings) -> Totals:
    progress = progress_subquery(today)
    row = db.session.execute(sa.select(progress).where(progress.c.apprentice_id == apprentice.id)).one()
    return Totals(row.verified_minutes / 60, row.pending_minutes / 60, row.expected_minutes / 60,
                  row.total_minutes / 60, review_due_after(row.last_review_date or apprentice.start_date, settings))


@dataclass(frozen=True)
class ChartPoint:
    day: date
    logged_hours: float  # verified and waiting, before gateway: what the apprentice has put in
    expected_hours: float


def cumulative(apprentice: Apprentice, today: date) -> list[ChartPoint]:
    """Month by month from the start: OTJ hours logged so far against the expected line."""
    learner: Learner = learner_for(apprentice)
    cutoff = min(today, learner.stopped_on or today)
    rows = db.session.execute(
        sa.select(LogEntry.activity_date, LogEntry.minutes).where(
            LogEntry.apprentice_id == apprentice.id, LogEntry.off_the_job.is_(True),
            LogEntry.status != VerificationStatus.QUERIED, LogEntry.activity_date <= cutoff)
        .order_by(LogEntry.activity_date)).all()
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
