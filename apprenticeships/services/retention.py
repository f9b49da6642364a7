"""Retention: records kept for the programme's retention period after an apprenticeship ends, then
anonymised; the audit log kept for its own period; a record added in error deleted.

An apprentice is **past their period** when their apprenticeship has ended (withdrawn or completed:
the end is the day their status history says it ended) more than `retention_years` ago (a programme
setting, 6 by default), their record is not marked to be kept longer (`keep_longer`, with a reason)
and it is not anonymised already. Worked out in SQL, whatever the number of apprentices.

Nothing is anonymised on its own: the daily job (services/reminders.py) tells the coordinators how
many records are past their period (one notification for each new list, `notify_due`); a
coordinator reviews the list and confirms, or `flask --app app retention apply` does it.

**Anonymising** (`anonymise`) is irreversible and all-or-nothing (one SAVEPOINT: a failure midway
leaves nothing changed). It removes what identifies the person or what anyone wrote about them:
names, contact details and the ULN; the text of log entries, queries and answers, log entry
revisions, review notes and attendees, actions' text, sign-off comments, reasons for breaks, status
changes, withdrawals and reopenings, notes on placement proposals; interests in placements;
evidence files (rows now, stored bytes once the change is committed and no other row names them:
a rollback never leaves a row without its file); notifications about them or to them, their email
choice and emails still waiting to go to them; their sign-ins (sessions, recovery codes, reset
links), and their account is turned off with its name and email replaced. What summaries and
reports count stays: dates, hours, statuses, verification, review dates and ratings, off-the-job
minutes at reviews, placements as counts, the cohort, standard, provider, service area and mentor.

`HANDLING` says what happens to every foreign key that points at an apprentice or at a row that is
theirs; tests/web/test_retention.py walks the models and fails when a new one is not listed.

**The audit log** keeps each event `audit_retention_years` (7 by default), then the daily job
deletes it (`purge_audit_events`): the only way an audit event is ever deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    AuditEvent,
    BreakInLearning,
    Cohort,
    EvidenceFile,
    LevyTransaction,
    LogEntry,
    LogEntryRevision,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    PasswordReset,
    PlacementAssignment,
    PlacementInterest,
    ProgrammeSettings,
    ProgressReview,
    RecoveryCode,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    Role,
    StatusChange,
    TransactionSource,
    User,
    UserSession,
    VerificationStatus,
    utcnow,
)
from . import audit, notifications
from .errors import ServiceError
from .pagination import Page, first_with_total, paginate
from .progress import add_months

FINISHED = (ApprenticeStatus.WITHDRAWN, ApprenticeStatus.COMPLETED)
# What anonymised rows say where the database needs some text (a required column).
REMOVED = "Removed when the record was anonymised"
ANONYMOUS_FIRST_NAME, ANONYMOUS_LAST_NAME = "Anonymised", "apprentice"
ANONYMOUS_EMAIL_DOMAIN = "anonymised.invalid"  # a reserved domain: nothing is ever sent there
BATCH = 500  # apprentices anonymised per round of statements (keeps each IN list short)
PAGE_SIZE = 50


# --- What happens to each reference to a person ------------------------------------------------

@dataclass(frozen=True)
class Handling:
    """What anonymising does with the rows of one foreign key. `theirs`: the rows are the person's
    (so whatever refers to those rows must be listed too); otherwise the column only names the
    account as the one who did something to someone else's record."""

    what: str
    theirs: bool = True


KEPT_AS_ACTOR = Handling("kept: names the account as the one who did it, and the account is anonymised",
                         theirs=False)

HANDLING: dict[tuple[str, str], Handling] = {
    # The apprentice's own rows.
    ("users", "apprentice_id"): Handling("their account: turned off; name and email replaced; password, "
                                         "two-factor secret, invitation and calendar links removed"),
    ("log_entries", "apprentice_id"): Handling("kept for the hours: description, query and answer removed"),
    ("log_day_totals", "apprentice_id"): Handling("kept: minutes a day, a figure"),
    ("apprentice_status_changes", "apprentice_id"): Handling("kept for the dates and statuses: reasons removed"),
    ("breaks_in_learning", "apprentice_id"): Handling("kept for the dates: reason removed"),
    ("progress_reviews", "apprentice_id"): Handling("kept for dates, rating and hours: notes and attendees removed"),
    ("placement_assignments", "apprentice_id"): Handling("kept as counts: notes and reasons removed"),
    ("placement_interests", "apprentice_id"): Handling("deleted"),
    ("evidence_files", "apprentice_id"): Handling("deleted, and the stored files once no other row names them"),
    ("notifications", "apprentice_id"): Handling("deleted"),
    ("audit_events", "apprentice_id"): Handling("kept: holds no personal data, and has its own retention period"),
    ("levy_transactions", "apprentice_id"): Handling("kept: a training payment for them, a figure with its month; "
                                                     "any note typed with it removed"),
    ("levy_fundings", "apprentice_id"): Handling("kept: which levy account paid for their training and the agreed "
                                                 "price, figures"),
    # Rows of their log entries, reviews and placements.
    ("log_entry_ksbs", "entry_id"): Handling("kept: which KSBs an entry evidences, a count"),
    ("log_entry_revisions", "entry_id"): Handling("deleted: they hold what the entry said"),
    ("evidence_files", "log_entry_id"): Handling("deleted"),
    ("notifications", "log_entry_id"): Handling("deleted"),
    ("review_actions", "review_id"): Handling("kept for due and done dates: text and owner removed"),
    ("review_signoffs", "review_id"): Handling("kept for who signed when: comments removed"),
    ("review_reopenings", "review_id"): Handling("kept for when: reasons removed"),
    ("evidence_files", "review_id"): Handling("deleted"),
    ("notifications", "review_id"): Handling("deleted"),
    ("notifications", "assignment_id"): Handling("deleted"),
    # Rows of their account.
    ("user_sessions", "user_id"): Handling("deleted"),
    ("recovery_codes", "user_id"): Handling("deleted"),
    ("password_resets", "user_id"): Handling("deleted"),
    ("notification_preferences", "user_id"): Handling("deleted"),
    ("notifications", "user_id"): Handling("deleted"),
    ("audit_events", "user_id"): Handling("kept: holds no personal data, and has its own retention period"),
    # The account as the one who did something.
    ("audit_events", "actor_id"): KEPT_AS_ACTOR,
    ("users", "invited_by_id"): KEPT_AS_ACTOR,
    ("apprentice_status_changes", "recorded_by_id"): KEPT_AS_ACTOR,
    ("breaks_in_learning", "recorded_by_id"): KEPT_AS_ACTOR,
    ("employer_activities", "recorded_by_id"): KEPT_AS_ACTOR,
    ("employer_contacts", "user_id"): KEPT_AS_ACTOR,
    ("log_entries", "created_by_id"): KEPT_AS_ACTOR,
    ("log_entries", "verified_by_id"): KEPT_AS_ACTOR,
    ("log_entry_revisions", "changed_by_id"): KEPT_AS_ACTOR,
    ("progress_reviews", "recorded_by_id"): KEPT_AS_ACTOR,
    ("review_signoffs", "user_id"): KEPT_AS_ACTOR,
    ("review_reopenings", "reopened_by_id"): KEPT_AS_ACTOR,
    ("evidence_files", "uploaded_by_id"): KEPT_AS_ACTOR,
    ("share_links", "created_by_id"): KEPT_AS_ACTOR,
    ("placements", "created_by_id"): KEPT_AS_ACTOR,
    ("placement_assignments", "proposed_by_id"): KEPT_AS_ACTOR,
    ("placement_assignments", "decided_by_id"): KEPT_AS_ACTOR,
    ("review_actions", "completed_by_id"): KEPT_AS_ACTOR,
    ("sector_returns", "submitted_by_id"): KEPT_AS_ACTOR,
    ("council_files", "added_by_id"): KEPT_AS_ACTOR,
    ("comparison_links", "created_by_id"): KEPT_AS_ACTOR,
    ("levy_transactions", "created_by_id"): KEPT_AS_ACTOR,
    ("levy_pledges", "created_by_id"): KEPT_AS_ACTOR,
    ("levy_applications", "decided_by_id"): KEPT_AS_ACTOR,
    ("transfer_share_links", "created_by_id"): KEPT_AS_ACTOR,
}


# --- Who is past their period ------------------------------------------------------------------

def kept_until(ended_on: date, years: int) -> date:
    """The last day a record is kept: `years` after its apprenticeship ended."""
    return add_months(ended_on, 12 * years)


def _cutoff(today: date, years: int) -> date:
    """Records of apprenticeships that ended before this day are past their period today."""
    return add_months(today, -12 * years)


def _ends() -> sa.Subquery:
    """Each apprentice's last day on the programme, from their status history."""
    return (sa.select(StatusChange.apprentice_id, sa.func.max(StatusChange.effective_date).label("ended_on"))
            .where(StatusChange.to_status.in_(FINISHED)).group_by(StatusChange.apprentice_id).subquery())


def _past_period(today: date, settings: ProgrammeSettings, *, kept_longer: bool = False) -> sa.Select:
    """Apprentices past their period (or, `kept_longer`, those past it but marked to be kept), with
    their cohort and the day they ended, in the order they ended."""
    ends = _ends()
    ended_on = sa.func.coalesce(ends.c.ended_on, Apprentice.withdrawal_date, Apprentice.completion_date,
                                type_=sa.Date).label("ended_on")
    return (sa.select(Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.status,
                      Apprentice.keep_longer_reason, Cohort.name.label("cohort"), ended_on)
            .join(Cohort, Cohort.id == Apprentice.cohort_id)
            .outerjoin(ends, ends.c.apprentice_id == Apprentice.id)
            .where(Apprentice.status.in_(FINISHED), Apprentice.anonymised_at.is_(None),
                   Apprentice.keep_longer.is_(kept_longer), ended_on < _cutoff(today, settings.retention_years))
            .order_by(ended_on, Apprentice.id))


@dataclass(frozen=True)
class PastPeriod:
    """A record past its retention period, as the list shows it: enough to recognise it, no more."""

    id: int
    name: str
    cohort: str
    status: ApprenticeStatus
    ended_on: date
    kept_until: date
    keep_longer_reason: str | None

    @property
    def why(self) -> str:
        """"Withdrew on 3 May 2018: kept until 3 May 2024"."""
        ended = "Withdrew" if self.status == ApprenticeStatus.WITHDRAWN else "Completed"
        return f"{ended} on {_long(self.ended_on)}: kept until {_long(self.kept_until)}"


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _listed(row: sa.Row, years: int) -> PastPeriod:
    return PastPeriod(row.id, f"{row.first_name} {row.last_name}", row.cohort, ApprenticeStatus(row.status),
                      row.ended_on, kept_until(row.ended_on, years), row.keep_longer_reason)


def due_page(today: date, number: int, size: int = PAGE_SIZE) -> Page:
    """The records past their period, a page at a time (in the database)."""
    settings = ProgrammeSettings.current()
    found = paginate(_past_period(today, settings), number, size, rows=True)
    return Page([_listed(row, settings.retention_years) for row in found.items], found.number, found.size,
                found.total)


def kept_longer(today: date, limit: int = PAGE_SIZE) -> tuple[list[PastPeriod], int]:
    """The first `limit` records past their period that are marked to be kept longer, and how many in all."""
    settings = ProgrammeSettings.current()
    rows, total = first_with_total(_past_period(today, settings, kept_longer=True), limit)
    return [_listed(row, settings.retention_years) for row in rows], total


def due(today: date, ids: Iterable[int] | None = None) -> list[PastPeriod]:
    """Every record past its period (only those of `ids`, when given)."""
    settings = ProgrammeSettings.current()
    query = _past_period(today, settings)
    if ids is not None:
        query = query.where(Apprentice.id.in_(sorted(set(ids))))
    return [_listed(row, settings.retention_years) for row in db.session.execute(query)]


# --- Anonymising -------------------------------------------------------------------------------

def anonymise(actor: User | None, apprentice_ids: Iterable[int], today: date) -> list[int]:
    """Anonymise those of `apprentice_ids` that are past their period today (others are left as they
    are). All of them or none: a failure rolls back to where this started and is raised. Audited
    (one event each, no personal data). The stored evidence files go once the change is committed
    (a request's end does it; commands call `delete_stored_files`). Returns the ids anonymised."""
    wanted = sorted(set(apprentice_ids))
    if not wanted:
        return []
    done: list[int] = []
    with db.session.begin_nested():
        for start in range(0, len(wanted), BATCH):
            still_due = [row.id for row in due(today, wanted[start:start + BATCH])]
            records = list(db.session.scalars(
                sa.select(Apprentice).where(Apprentice.id.in_(still_due)).order_by(Apprentice.id)))
            if not records:
                continue
            for apprentice in records:
                audit.record(actor, "apprentice.anonymised", apprentice)
            db.session.flush()
            ids = [a.id for a in records]
            _anonymise(ids, utcnow())
            for apprentice in records:
                db.session.expire(apprentice)
            done.extend(ids)
        if done:  # the coordinators' reminders about this list are dealt with
            _execute(sa.update(Notification).where(Notification.kind == NotificationKind.RETENTION_DUE,
                                                   Notification.done_at.is_(None)).values(done_at=utcnow()))
    return done


def _execute(statement) -> None:
    db.session.execute(statement.execution_options(synchronize_session=False))


def _anonymise(ids: Sequence[int], now: datetime) -> None:
    """The statements, a fixed number whatever len(ids)."""
    mine = Apprentice.id.in_(ids)
    entries = sa.select(LogEntry.id).where(LogEntry.apprentice_id.in_(ids))
    reviews = sa.select(ProgressReview.id).where(ProgressReview.apprentice_id.in_(ids))
    assignments = sa.select(PlacementAssignment.id).where(PlacementAssignment.apprentice_id.in_(ids))
    accounts = sa.select(User.id).where(User.apprentice_id.in_(ids))

    # Evidence: the rows now; the bytes once this is committed and no other row names them.
    digests = db.session.execute(sa.select(EvidenceFile.digest, EvidenceFile.thumbnail_digest).where(
        sa.or_(EvidenceFile.apprentice_id.in_(ids), EvidenceFile.log_entry_id.in_(entries),
               EvidenceFile.review_id.in_(reviews)))).all()
    _note_stored_files(d for row in digests for d in row)
    _execute(sa.delete(EvidenceFile).where(sa.or_(
        EvidenceFile.apprentice_id.in_(ids), EvidenceFile.log_entry_id.in_(entries),
        EvidenceFile.review_id.in_(reviews))))

    # What was sent, or waits to be sent, to them or about them.
    _execute(sa.delete(Notification).where(sa.or_(
        Notification.apprentice_id.in_(ids), Notification.user_id.in_(accounts),
        Notification.log_entry_id.in_(entries), Notification.review_id.in_(reviews),
        Notification.assignment_id.in_(assignments))))
    addresses = sa.union(sa.select(sa.func.lower(Apprentice.email)).where(mine, Apprentice.email.is_not(None)),
                         sa.select(User.email).where(User.apprentice_id.in_(ids))).subquery()
    _execute(sa.delete(OutboxMessage).where(sa.func.lower(OutboxMessage.recipient).in_(sa.select(addresses.c[0]))))
    for model in (NotificationPreference, UserSession, RecoveryCode, PasswordReset):
        _execute(sa.delete(model).where(model.user_id.in_(accounts)))

    # What they and others wrote about them.
    _execute(sa.delete(LogEntryRevision).where(LogEntryRevision.entry_id.in_(entries)))
    _execute(sa.update(LogEntry).where(LogEntry.apprentice_id.in_(ids)).values(
        description=REMOVED, query_response=None, version=LogEntry.version + 1,
        query_comment=sa.case((LogEntry.status == VerificationStatus.QUERIED, REMOVED), else_=None)))
    _execute(sa.update(ProgressReview).where(ProgressReview.apprentice_id.in_(ids)).values(
        attendees=None, progress_notes=None, ksb_progress=None, version=ProgressReview.version + 1))
    _execute(sa.update(ReviewAction).where(ReviewAction.review_id.in_(reviews)).values(
        description=REMOVED, owner="Removed"))
    _execute(sa.update(ReviewSignoff).where(ReviewSignoff.review_id.in_(reviews)).values(comment=None))
    _execute(sa.update(ReviewReopening).where(ReviewReopening.review_id.in_(reviews)).values(reason=REMOVED))
    _execute(sa.update(StatusChange).where(StatusChange.apprentice_id.in_(ids)).values(reason=None))
    # A training payment stays a figure for the levy's sums; a note typed with it could name them.
    _execute(sa.update(LevyTransaction).where(LevyTransaction.apprentice_id.in_(ids),
                                              LevyTransaction.source == TransactionSource.ENTERED)
             .values(description=None))
    _execute(sa.update(BreakInLearning).where(BreakInLearning.apprentice_id.in_(ids)).values(reason=REMOVED))
    needs_reason = PlacementAssignment.status.in_((AssignmentStatus.DECLINED, AssignmentStatus.ENDED_EARLY))
    _execute(sa.update(PlacementAssignment).where(PlacementAssignment.apprentice_id.in_(ids)).values(
        note_to_employer=None, decision_reason=sa.case((needs_reason, REMOVED), else_=None)))
    _execute(sa.delete(PlacementInterest).where(PlacementInterest.apprentice_id.in_(ids)))

    # Their account, then who they are.
    _execute(sa.update(User).where(User.apprentice_id.in_(ids)).values(
        name=f"{ANONYMOUS_FIRST_NAME} {ANONYMOUS_LAST_NAME}",
        email=sa.literal("anonymised-") + sa.cast(User.id, sa.String) + sa.literal(f"@{ANONYMOUS_EMAIL_DOMAIN}"),
        active=False, password_hash=None, invite_token_hash=None, invite_expires_at=None, calendar_token_hash=None,
        totp_secret=None, two_factor_on_at=None, totp_last_step=None, last_signed_in_at=None,
        deactivated_at=sa.func.coalesce(User.deactivated_at, sa.literal(now, User.deactivated_at.type))))
    _execute(sa.update(Apprentice).where(mine).values(
        first_name=ANONYMOUS_FIRST_NAME, last_name=ANONYMOUS_LAST_NAME, email=None, uln=None, team=None,
        job_title=None, withdrawal_reason=None, consent_to_be_named=False, keep_longer_reason=None,
        anonymised_at=now, version=Apprentice.version + 1))


def _note_stored_files(digests: Iterable[str | None]) -> None:
    """Stored bytes to delete once the transaction is over, if no row names them then (the request's
    end does it: evidence/__init__.py; a command calls delete_stored_files)."""
    from .evidence import CANDIDATES

    db.session.info.setdefault(CANDIDATES, set()).update(d for d in digests if d)


def delete_stored_files() -> list[str]:
    """After a command's commit (or rollback): delete the stored files noted that no row names now."""
    from .evidence import CANDIDATES, delete_unreferenced

    digests = db.session.info.pop(CANDIDATES, None)
    return delete_unreferenced(digests) if digests else []


# --- The daily job -----------------------------------------------------------------------------

def _list_key(today: date, settings: ProgrammeSettings) -> tuple[int, str | None]:
    """How many records are past their period, and a key naming exactly that list (its count, the
    sum and the largest of its ids): one statement, whatever the number."""
    listed = _past_period(today, settings).order_by(None).subquery()
    count, total, largest = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(listed.c.id), sa.func.max(listed.c.id))).one()
    return count, (f"{count}:{total}:{largest}" if count else None)


def notify_due(today: date, *, now: datetime | None = None) -> int:
    """Tell the coordinators how many records are past their period: once for each new list (the
    reminder about an earlier list is then done). Nothing is anonymised. Returns how many
    notifications were made."""
    settings = ProgrammeSettings.current()
    count, occurrence = _list_key(today, settings)
    kind = NotificationKind.RETENTION_DUE
    stale = [Notification.kind == kind, Notification.done_at.is_(None)]
    if occurrence is not None:
        stale.append(Notification.occurrence != occurrence)
    _execute(sa.update(Notification).where(*stale).values(done_at=now or utcnow()))
    if occurrence is None:
        return 0
    return len(notifications.insert(notifications.recipients_select(
        User.role == Role.COORDINATOR, kind=kind, occurrence=occurrence, on_date=today), now=now))


def audit_cutoff(today: date, settings: ProgrammeSettings) -> datetime:
    """Audit events from before this moment are past the audit log's retention period."""
    return datetime.combine(_cutoff(today, settings.audit_retention_years), time(), tzinfo=UTC)


def purge_audit_events(today: date) -> int:
    """Delete the audit events older than the audit log's retention period. Returns how many."""
    cutoff = audit_cutoff(today, ProgrammeSettings.current())
    result = db.session.execute(sa.delete(AuditEvent).where(AuditEvent.occurred_at < cutoff)
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def audit_events_past_period(today: date) -> int:
    cutoff = audit_cutoff(today, ProgrammeSettings.current())
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.occurred_at < cutoff)) or 0


# --- Keeping a record longer, and deleting one added in error ----------------------------------

def keep_longer(actor: User, apprentice: Apprentice, keep: bool, reason: str | None, *,
                version: int | None = None) -> list[str]:
    """Mark a record to be kept past the retention period (with why), or no longer. Audited (field
    names only). Returns the names of the fields that changed."""
    if apprentice.anonymised_at is not None:
        raise ServiceError("This record has been anonymised, so there is nothing left to keep")
    return audit.save(actor, apprentice, {"keep_longer": keep, "keep_longer_reason": reason if keep else None},
                      "apprentice", version=version)


def deletion_blockers(apprentice: Apprentice) -> list[str]:
    """What this record already holds, each in words: a record with any of it cannot be deleted as
    added in error (it is kept for the retention period, then anonymised). Empty: it can be. One
    statement."""
    def count(model, *where) -> sa.ScalarSelect:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    n = db.session.execute(sa.select(
        count(LogEntry, LogEntry.apprentice_id == apprentice.id).label("entries"),
        count(ProgressReview, ProgressReview.apprentice_id == apprentice.id, sa.or_(
            ProgressReview.held_date.is_not(None), ProgressReview.progress_notes.is_not(None))).label("reviews"),
        count(PlacementAssignment, PlacementAssignment.apprentice_id == apprentice.id).label("placements"),
        count(PlacementInterest, PlacementInterest.apprentice_id == apprentice.id).label("interests"),
        count(EvidenceFile, EvidenceFile.apprentice_id == apprentice.id).label("files"),
        count(BreakInLearning, BreakInLearning.apprentice_id == apprentice.id).label("breaks"),
        count(StatusChange, StatusChange.apprentice_id == apprentice.id).label("status_changes"),
        count(LevyTransaction, LevyTransaction.apprentice_id == apprentice.id).label("levy_payments"),
        count(User, User.apprentice_id == apprentice.id,
              sa.or_(User.password_hash.is_not(None), User.last_signed_in_at.is_not(None))).label("accounts"),
    )).one()
    blockers = []
    if apprentice.anonymised_at is not None:
        blockers.append("it has been anonymised already")
    for number, one, many in ((n.entries, "a log entry", "log entries"),
                              (n.reviews, "a progress review held", "progress reviews held"),
                              (n.placements, "a placement or a proposal for one", "placements or proposals"),
                              (n.interests, "an interest in a placement", "interests in placements"),
                              (n.files, "an evidence file", "evidence files"),
                              (n.breaks, "a break in learning", "breaks in learning"),
                              (n.levy_payments, "a levy payment for their training", "levy training payments")):
        if number:
            blockers.append(one if number == 1 else f"{number} {many}")
    if n.status_changes > 1 or apprentice.status != ApprenticeStatus.ACTIVE:
        blockers.append("changes to their status")
    if n.accounts:
        blockers.append("an account they have set up with a password")
    return blockers


def delete_created_in_error(actor: User, apprentice: Apprentice) -> None:
    """Delete a record added in error: one with nothing in it yet (deletion_blockers), with its first
    scheduled review, its status history and an invitation never taken up. Audited (no personal data)."""
    blockers = deletion_blockers(apprentice)
    if blockers:
        raise ServiceError(f"{apprentice.full_name}'s record cannot be deleted: it has {_and(blockers)}")
    apprentice_id = apprentice.id
    audit.record(actor, "apprentice.deleted", apprentice, reason="created_in_error")
    invited = list(db.session.scalars(sa.select(User).where(User.apprentice_id == apprentice_id)))
    for user in invited:
        audit.record(actor, "user.deleted", user, reason="created_in_error")
    db.session.flush()
    for user in invited:
        db.session.delete(user)
    db.session.flush()
    db.session.expunge(apprentice)
    _execute(sa.delete(Apprentice).where(Apprentice.id == apprentice_id))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# --- What the privacy notice says --------------------------------------------------------------

@dataclass(frozen=True)
class Periods:
    """How long things are kept, as the privacy notice says it: from the settings and the configuration."""

    records_years: int
    audit_years: int
    apprentice_access_days: int
    sent_emails_days: int
    failed_sign_ins_hours: int
    failed_sign_ins_kept_hours: int
    disclosure_threshold: int


def periods(config: Any) -> Periods:
    from ..email.outbox import KEPT_FOR
    from .sign_in import FAILURE_WINDOW, FAILURES_KEPT

    settings = ProgrammeSettings.current()
    return Periods(settings.retention_years, settings.audit_retention_years,
                   config["APPRENTICE_ACCESS_AFTER_END"].days, KEPT_FOR.days,
                   int(FAILURE_WINDOW / timedelta(hours=1)), int(FAILURES_KEPT / timedelta(hours=1)),
                   settings.disclosure_threshold)
