"""The audit log: who changed, looked at or exported which record, without copying personal data into it.

Every event names its actor, what they did (`action`), the row they did it to, and the person
that row is about (`apprentice_id`, `user_id`): found here, in `person_acted_on`, for every kind
of row, so a coordinator can ask "who has looked at or changed this apprentice's record" whatever
part of it was touched. Details are names of fields and counts, never what a person typed.

The log is read in plain English (`describe`): "Sam Coordinator changed Ali Apprentice's
details (first name, team)", with names read from the records at the time of reading, so an
anonymised person's events stay in the log without their name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import (
    Apprentice,
    AuditEvent,
    LogEntryRevision,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    User,
    utcnow,
)
from ..versioning import expect
from .pagination import Page, page_number

UK_TIME = ZoneInfo("Europe/London")
# The session's note that this transaction holds the record of someone looking at or exporting a
# record: if it cannot be saved, the page or file is not sent (transactions.commit_the_request).
VIEW_PENDING = "audit_view_pending"


def person_acted_on(subject: Any) -> tuple[int | None, int | None]:
    """(apprentice id, user id) of the person `subject` is, or belongs to: the one place that knows.

    An apprentice is themselves; a user account is its own user (and an apprentice's account
    is that apprentice's too); a row with an `apprentice_id` of its own (log entry, review,
    placement proposal or interest, evidence file, break, status change, notification) belongs
    to that apprentice; a review's actions, sign-offs and reopenings to the review's, and a log
    entry's revisions to the entry's. Anything else (a cohort, an employer, a placement, a
    table name) is about no one person.
    """
    if isinstance(subject, str):
        return None, None
    if isinstance(subject, Apprentice):
        return subject.id, None
    if isinstance(subject, User):
        return subject.apprentice_id, subject.id
    if isinstance(subject, ReviewAction | ReviewSignoff | ReviewReopening):
        return subject.review.apprentice_id, None
    if isinstance(subject, LogEntryRevision):
        return subject.entry.apprentice_id, None
    apprentice_id = getattr(subject, "apprentice_id", None)
    return (apprentice_id if isinstance(apprentice_id, int) else None), None


def record(actor: User | None, action: str, subject: Any, **details: Any) -> AuditEvent | None:
    """Add an audit event for `subject` to the current transaction.

    `subject` is a model instance, or a table name for a change to many rows at once.
    `details` must hold facts about the change (field names, counts), never what a person
    typed about someone: the log outlives retention of the records it points to.

    A look or an export (not a change): the answer is sent only with its event saved. On SQLite, in
    a request whose transaction only reads, the event is written once that has committed, in a
    short transaction of its own (transactions.after_the_read), and None is returned: the page
    never holds the database's one write lock while it reads and renders.
    """
    if isinstance(subject, str):
        subject_type, subject_id = subject, None
    else:
        if subject.id is None:
            db.session.flush()
        subject_type, subject_id = subject.__class__.__tablename__, subject.id  # __class__: through a proxy too
    apprentice_id, user_id = person_acted_on(subject)
    row = {"occurred_at": utcnow(), "actor_id": actor.id if actor is not None else None, "action": action,
           "subject_type": subject_type, "subject_id": subject_id, "apprentice_id": apprentice_id,
           "user_id": user_id, "details": details}
    if kind_of(action) == CHANGE:
        event = AuditEvent(**row)
        db.session.add(event)
        return event
    db.session.info[VIEW_PENDING] = True  # a look or an export: the answer goes only with its event saved
    if _kept_until_the_read_commits([row]):
        return None
    event = AuditEvent(**row)
    db.session.add(event)
    return event


# Built once, as every page of someone's record runs it (pagination.Listing says why).
_INSERT = sa.insert(AuditEvent)


def _kept_until_the_read_commits(rows: list[dict[str, Any]]) -> bool:
    """On SQLite, in a request whose transaction only reads: keep these events' rows, to be inserted
    once the read has committed (and the answer refused if they cannot be). False anywhere else."""
    from .. import transactions  # not at the top: transactions imports this module

    if not transactions.only_reads():
        return False
    transactions.after_the_read(_INSERT, rows, vital=True)
    return True


def viewed(actor: User, action: str, subject: Any) -> AuditEvent | None:
    """Note that `actor` looked at (or downloaded) `subject`, a person's record or part of it.

    Saved with the request, like any change: a page that reads a person's record is answered
    only once this is saved (see VIEW_PENDING; its view is marked `transactions.records_a_view`;
    on SQLite it is saved just after the page's read has committed, see `record`).
    Views of one's own record are noted too: the log answers "what was read through this
    account", which is the question when an account is shared or taken over, and it keeps the
    rule simple enough to prove: every view, by anyone.
    """
    return record(actor, action, subject)


def record_each(actor: User | None, action: str, apprentice_ids: Iterable[int], **details: Any) -> None:
    """One event per apprentice (an export of many people's records), in one statement; saved as
    `record` saves a look or an export (on SQLite after a read has committed)."""
    db.session.info[VIEW_PENDING] = True
    now = utcnow()
    rows = [{"occurred_at": now, "actor_id": actor.id if actor is not None else None, "action": action,
             "subject_type": Apprentice.__tablename__, "subject_id": apprentice_id,
             "apprentice_id": apprentice_id, "user_id": None, "details": details}
            for apprentice_id in apprentice_ids]
    if rows and not _kept_until_the_read_commits(rows):
        db.session.execute(_INSERT, rows)


def save(actor: User, row: Any, values: dict[str, Any], noun: str, *, version: int | None = None) -> list[str]:
    """Create or edit a row from a form's values and audit it (field names only); the request commits.

    `version` is the row's version the person loaded: a save after someone else's is refused
    (StaleRecord). Returns the names of the fields that changed.
    """
    if hasattr(row, "version"):
        expect(row, version, noun)
    creating = row.id is None
    changed = sorted(k for k, v in values.items() if getattr(row, k) != v)
    for key in changed:
        setattr(row, key, values[key])
    db.session.add(row)
    if creating or changed:
        record(actor, f"{noun}.created" if creating else f"{noun}.edited", row, fields=changed)
    db.session.flush()
    return changed


# ---------------------------------------------------------------------------------------------
# Reading the log


VIEW, EXPORT, CHANGE = "view", "export", "change"
KINDS = {VIEW: "Looked at (viewed or downloaded)", EXPORT: "Exported", CHANGE: "Changed"}

# What each action says, after the actor's name. {whose}: "Ali Apprentice's" (or "their own"
# when the actor is the person); {person}: "Ali Apprentice" (or "themselves").
PHRASES: dict[str, tuple[str, str]] = {
    # The levy (issue 17)
    "levy.transaction_recorded": (CHANGE, "recorded a levy transaction"),
    "levy.transfer_matched": (CHANGE, "matched an imported transfer payment to its transfer apprentice"),
    "levy.account_created": (CHANGE, "added a levy account"),
    "levy.transaction_removed": (CHANGE, "removed a levy transaction typed in by mistake"),
    "levy.transactions_imported": (CHANGE, "imported a levy account’s transactions from DfE’s file"),
    "levy.expiries_worked_out": (CHANGE, "worked out a levy account’s expired funds again"),
    "levy.funding_band_saved": (CHANGE, "changed a standard’s funding band"),
    "levy_funding.created": (CHANGE, "said which levy account pays for {whose} training"),
    "levy_funding.edited": (CHANGE, "changed the levy funding of {whose} training"),
    "levy_funding.removed": (CHANGE, "removed the levy funding of {whose} training"),
    # Levy transfers to local employers (services/levy_transfers.py, levy_outcomes.py)
    "levy_pledge.created": (CHANGE, "made a levy transfer pledge"),
    "levy_pledge.edited": (CHANGE, "changed a levy transfer pledge"),
    "levy_pledge.closed": (CHANGE, "closed a levy transfer pledge"),
    "levy_application.created": (CHANGE, "recorded an application for a levy transfer"),
    "levy_application.approved": (CHANGE, "approved an application for a levy transfer"),
    "levy_application.rejected": (CHANGE, "rejected an application for a levy transfer"),
    "levy_application.accepted": (CHANGE, "marked an application for a levy transfer as accepted"),
    "levy_application.declined": (CHANGE, "marked an application for a levy transfer as declined"),
    "levy_application.withdrawn": (CHANGE, "marked an application for a levy transfer as withdrawn"),
    "levy_application.funds_used": (CHANGE, "recorded the payment that used the last of a levy transfer’s funds"),
    "transfer_apprentice.created": (CHANGE, "added an apprentice funded by a levy transfer"),
    "transfer_apprentice.edited": (CHANGE, "changed the record of an apprentice funded by a levy transfer"),
    "levy_scheme.created": (CHANGE, "set the local rules of the levy transfer scheme"),
    "levy_scheme.edited": (CHANGE, "changed the local rules of the levy transfer scheme"),
    "transfer_link.created": (CHANGE, "made a share link for the summary of levy transfers"),
    "transfer_link.revoked": (CHANGE, "revoked a share link for the summary of levy transfers"),
    # Looking at a person’s record
    "apprentice.viewed": (VIEW, "viewed {whose} record"),
    "apprentice.log_viewed": (VIEW, "viewed {whose} log"),
    "apprentice.home_viewed": (VIEW, "viewed {whose} home page (progress, log and reviews)"),
    "apprentice.evidence_viewed": (VIEW, "viewed the list of {whose} evidence files"),
    "apprentice.audit_viewed": (VIEW, "viewed who has looked at or changed {whose} record"),
    "log_entry.viewed": (VIEW, "viewed the history of an entry in {whose} log"),
    "review.viewed": (VIEW, "viewed one of {whose} progress reviews"),
    "user.viewed": (VIEW, "viewed {whose} user account"),
    "placement.proposal_viewed": (VIEW, "viewed the proposal of {person} for a placement"),
    "evidence.downloaded": (VIEW, "downloaded one of {whose} evidence files"),
    # Exports
    "apprentice.exported_with_cohort": (EXPORT, "downloaded {whose} row in a cohort spreadsheet"),
    "cohort.exported": (EXPORT, "downloaded a cohort’s apprentices as a spreadsheet"),
    "cohort.open_data_exported": (EXPORT, "downloaded a cohort’s published figures as open data"),
    "transfer_figures.exported": (EXPORT, "downloaded the levy transfers’ published figures"),
    "audit.exported": (EXPORT, "downloaded audit events as a spreadsheet"),
    "apprentice.audit_exported": (EXPORT, "downloaded who has looked at or changed {whose} record as a spreadsheet"),
    "apprentice.exported": (EXPORT, "downloaded everything held about {person} (a subject access export)"),
    # An apprentice’s record
    "apprentice.created": (CHANGE, "added {whose} record"),
    "apprentice.edited": (CHANGE, "changed {whose} details"),
    "apprentice.mentor_assigned": (CHANGE, "assigned a mentor to {person}"),
    "apprentice.mentor_removed": (CHANGE, "removed {whose} mentor"),
    "apprentice.break_started": (CHANGE, "changed the status of {whose} record to a break in learning"),
    "apprentice.break_ended": (CHANGE, "changed the status of {whose} record back to active, after a break"),
    "apprentice.withdrawn": (CHANGE, "changed the status of {whose} record to withdrawn"),
    "apprentice.completed": (CHANGE, "changed the status of {whose} record to completed"),
    "apprentice.gateway_recorded": (CHANGE, "recorded {whose} gateway to end-point assessment"),
    "apprentice.epa_recorded": (CHANGE, "recorded {whose} end-point assessment result"),
    "apprentices.imported": (CHANGE, "imported apprentices from a spreadsheet"),
    "apprentice.anonymised": (CHANGE, "anonymised {whose} record, at the end of its retention period"),
    "apprentice.deleted": (CHANGE, "deleted {whose} record, added in error"),
    "log_entry.created": (CHANGE, "added an entry to {whose} log"),
    "log_entry.edited": (CHANGE, "changed an entry in {whose} log"),
    "log_entry.deleted": (CHANGE, "deleted an entry from {whose} log"),
    "log_entry.verified": (CHANGE, "verified an entry in {whose} log"),
    "log_entry.verification_undone": (CHANGE, "undid the verification of an entry in {whose} log"),
    "log_entry.queried": (CHANGE, "queried an entry in {whose} log"),
    "log_entry.answered": (CHANGE, "answered a query on an entry in {whose} log"),
    "log_entry.sent_back_for_verification": (CHANGE, "sent an entry in {whose} log back for verification"),
    "review.recorded": (CHANGE, "recorded one of {whose} progress reviews"),
    "review.corrected": (CHANGE, "corrected one of {whose} progress reviews"),
    "review.signed": (CHANGE, "signed one of {whose} progress reviews"),
    "review.locked": (CHANGE, "locked one of {whose} progress reviews (everyone had signed it)"),
    "review.reopened": (CHANGE, "reopened one of {whose} progress reviews"),
    "review_action.done": (CHANGE, "marked an action agreed at one of {whose} progress reviews as done"),
    "review_action.not_done": (CHANGE, "marked an action agreed at one of {whose} progress reviews as not done"),
    "evidence.uploaded": (CHANGE, "added an evidence file to {whose} record"),
    "evidence.deleted": (CHANGE, "removed one of {whose} evidence files"),
    "evidence.scanned": (CHANGE, "checked one of {whose} evidence files for viruses"),
    "placement.apprentice_proposed": (CHANGE, "proposed {person} for a placement"),
    "placement.proposal_accepted": (CHANGE, "accepted the proposal of {person} for a placement"),
    "placement.proposal_declined": (CHANGE, "declined the proposal of {person} for a placement"),
    "placement.proposal_withdrawn": (CHANGE, "withdrew the proposal of {person} for a placement"),
    "placement.started": (CHANGE, "recorded the start of {whose} placement"),
    "placement.completed": (CHANGE, "recorded the end of {whose} placement"),
    "placement.ended_early": (CHANGE, "recorded that {whose} placement ended early"),
    "placement.interest_registered": (CHANGE, "registered interest in a placement for {person}"),
    "placement.interest_withdrawn": (CHANGE, "withdrew interest in a placement for {person}"),
    # User accounts
    "user.created": (CHANGE, "created {whose} user account"),
    "user.invited": (CHANGE, "invited {person} to sign in"),
    "user.invite_reissued": (CHANGE, "sent {person} a new invitation to sign in"),
    "user.password_set": (CHANGE, "set {whose} password"),
    "user.password_changed": (CHANGE, "changed {whose} password"),
    "user.password_reset_requested": (CHANGE, "asked for a link to reset {whose} password"),
    "user.password_reset": (CHANGE, "reset {whose} password"),
    "user.deactivated": (CHANGE, "deactivated {whose} user account"),
    "user.reactivated": (CHANGE, "reactivated {whose} user account"),
    "user.calendar_link_reset": (CHANGE, "made a new calendar link for {whose} user account"),
    "user.two_factor_turned_on": (CHANGE, "turned on two-factor sign-in for {whose} user account"),
    "user.two_factor_turned_off": (CHANGE, "turned off two-factor sign-in for {whose} user account"),
    "user.recovery_codes_replaced": (CHANGE, "replaced {whose} recovery codes"),
    "user.recovery_code_used": (CHANGE, "signed in with one of {whose} recovery codes"),
    "user.deleted": (CHANGE, "deleted {whose} user account, added in error"),
    "notification_preference.changed": (CHANGE, "changed {whose} email settings"),
    # Records about no one person
    "cohort.created": (CHANGE, "added a cohort"),
    "cohort.edited": (CHANGE, "changed a cohort’s details"),
    "cohort.archived": (CHANGE, "archived a cohort"),
    "cohort.unarchived": (CHANGE, "took a cohort out of the archive"),
    "mentor.created": (CHANGE, "added a mentor"),
    "mentor.edited": (CHANGE, "changed a mentor’s details"),
    "employer.created": (CHANGE, "added an employer partner"),
    "employer.edited": (CHANGE, "changed an employer partner’s details"),
    "employer.activity_added": (CHANGE, "noted activity with an employer partner"),
    "employer_contact.created": (CHANGE, "added a contact at an employer partner"),
    "employer_contact.edited": (CHANGE, "changed a contact’s details at an employer partner"),
    "placement.created": (CHANGE, "added a placement"),
    "placement.edited": (CHANGE, "changed a placement"),
    "placement.amended": (CHANGE, "amended a published placement"),
    "placement.submitted": (CHANGE, "submitted a placement for approval"),
    "placement.published": (CHANGE, "published a placement"),
    "placement.returned": (CHANGE, "sent a placement back to its employer"),
    "placement.withdrawn": (CHANGE, "withdrew a placement"),
    "placement.closed": (CHANGE, "closed a placement"),
    "share_link.created": (CHANGE, "made a share link for a cohort summary"),
    "share_link.revoked": (CHANGE, "revoked a share link"),
    "council_file.added": (CHANGE, "added another council’s published figures to the comparison"),
    "council_file.removed": (CHANGE, "removed another council’s published figures from the comparison"),
    "comparison_link.created": (CHANGE, "made a share link for a comparison of councils"),
    "comparison_link.revoked": (CHANGE, "revoked a share link for a comparison of councils"),
    "sector_return.headcounts_saved": (CHANGE, "changed the employee numbers of a public sector return"),
    "sector_return.headcounts_imported": (CHANGE, "imported the employee numbers of a public sector return"),
    "sector_return.answers_saved": (CHANGE, "changed the answers of a public sector return"),
    "sector_return.submitted": (CHANGE, "marked a public sector return as submitted"),
    "sector_return.reopened": (CHANGE, "reopened a submitted public sector return"),
    "standard.created": (CHANGE, "added an apprenticeship standard"),
    "standard.edited": (CHANGE, "changed an apprenticeship standard"),
    "provider.created": (CHANGE, "added a training provider"),
    "provider.edited": (CHANGE, "changed a training provider’s details"),
    "settings.created": (CHANGE, "set up the programme settings"),
    "settings.edited": (CHANGE, "changed the programme settings"),
    "demo.loaded": (CHANGE, "loaded the demo programme"),
}
# Who did it when no one was signed in: the service itself (a scan, a daily job), or someone
# asking for a password reset link.
NO_ACTOR = {"user.password_reset_requested": "Someone"}
SERVICE = "The service"


def kind_of(action: str) -> str:
    """View, export or change: from the catalogue, else from how the action is named."""
    if action in PHRASES:
        return PHRASES[action][0]
    if action.endswith(("viewed", "downloaded")):
        return VIEW
    return EXPORT if action.endswith("exported") else CHANGE


def actions_of_kind(kind: str) -> list[str]:
    return sorted(action for action, (k, _) in PHRASES.items() if k == kind)


def action_choices() -> list[tuple[str, str]]:
    """Every action the log holds a phrase for, as (action, label) in label order."""
    return sorted(((action, phrase.format(whose="someone\u2019s", person="someone").capitalize())
                   for action, (_, phrase) in PHRASES.items()), key=lambda choice: choice[1])


@dataclass(frozen=True)
class Filters:
    """What the audit page was asked for; every value already checked (audit.forms.FiltersForm)."""

    apprentice_id: int | None = None
    user_id: int | None = None
    person: str = ""  # part of the name of the person acted on
    actor: str = ""  # part of the name of who did it
    kind: str = ""  # VIEW, EXPORT, CHANGE, or one action
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @property
    def for_one_person(self) -> bool:
        return self.apprentice_id is not None or self.user_id is not None

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        where: list[sa.ColumnElement[bool]] = []
        if self.apprentice_id is not None:
            where.append(AuditEvent.apprentice_id == self.apprentice_id)
        if self.user_id is not None:
            where.append(AuditEvent.user_id == self.user_id)
        if self.person:
            where.append(sa.or_(
                AuditEvent.apprentice_id.in_(sa.select(Apprentice.id).where(_name_has(
                    Apprentice.first_name + " " + Apprentice.last_name, self.person))),
                AuditEvent.user_id.in_(sa.select(User.id).where(_name_has(User.name, self.person)))))
        if self.actor:
            where.append(AuditEvent.actor_id.in_(sa.select(User.id).where(_name_has(User.name, self.actor))))
        if self.kind in KINDS:
            where.append(AuditEvent.action.in_(actions_of_kind(self.kind)))
        elif self.kind:
            where.append(AuditEvent.action == self.kind)
        if self.date_from is not None:
            where.append(AuditEvent.occurred_at >= _start_of_uk_day(self.date_from))
        if self.date_to is not None:
            where.append(AuditEvent.occurred_at < _start_of_uk_day(self.date_to + timedelta(days=1)))
        return where


def _name_has(name: sa.ColumnElement[str], part: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(name).contains(part.lower(), autoescape=True)


def _start_of_uk_day(day: date) -> datetime:
    """The moment `day` begins in the UK (midnight GMT or BST)."""
    return datetime.combine(day, time(), UK_TIME).astimezone(UTC)


@dataclass(frozen=True)
class Line:
    """One event as a person reads it."""

    event: AuditEvent
    actor: str
    sentence: str  # without the actor: "viewed Ali Apprentice's log"
    fields: list[str]

    @property
    def kind(self) -> str:
        return kind_of(self.event.action)


_ACTOR = aliased(User, name="actor")
_PERSON_USER = aliased(User, name="person_user")


NEWEST_FIRST = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def _with_names(events: sa.Select) -> sa.Select:
    """Events (a select of AuditEvent) with the names a line needs: who did it, and the person acted on."""
    return (
        events.add_columns(_ACTOR.name, _ACTOR.apprentice_id, Apprentice.first_name, Apprentice.last_name,
                           _PERSON_USER.name)
        .outerjoin(_ACTOR, _ACTOR.id == AuditEvent.actor_id)
        .outerjoin(Apprentice, Apprentice.id == AuditEvent.apprentice_id)
        .outerjoin(_PERSON_USER, _PERSON_USER.id == AuditEvent.user_id)
        .order_by(*NEWEST_FIRST)
    )


def _query(filters: Filters) -> sa.Select:
    return _with_names(sa.select(AuditEvent).where(*filters.conditions()))


def _line(row: sa.Row) -> Line:
    event, actor_name, actor_apprentice_id, first_name, last_name, person_user_name = row[:6]
    if first_name is not None:
        person = f"{first_name} {last_name}"
    else:
        person = person_user_name
    themselves = event.actor_id is not None and (
        (event.user_id is not None and event.actor_id == event.user_id)
        or (event.apprentice_id is not None and actor_apprentice_id == event.apprentice_id))
    return Line(event, actor_name or NO_ACTOR.get(event.action, SERVICE),
                describe(event.action, person, themselves=themselves), field_names(event.details))


def field_names(details: dict[str, Any] | None) -> list[str]:
    """The names of the fields an event says changed, as people read them ("first name")."""
    return [name.replace("_", " ") for name in (details or {}).get("fields", []) if isinstance(name, str)]


def describe(action: str, person: str | None, *, themselves: bool = False, to_them: bool = False) -> str:
    """What the event says after its actor's name, in plain English.

    `to_them`: written to the person the event is about ("viewed your record"), as their copy of
    their data reads (services/subject_access.py)."""
    if action in PHRASES:
        phrase = PHRASES[action][1]
    else:  # an action with no phrase yet: its own words
        phrase = action.replace(".", ": ", 1).replace("_", " ") + (" ({whose} record)" if person or to_them else "")
    if to_them:
        whose, who = ("your own", "yourself") if themselves else ("your", "you")
    elif themselves:
        whose, who = "their own", "themselves"
    elif person:
        whose, who = f"{person}\u2019s", person
    else:  # the person's record is gone (deleted), or the event is about no one person
        whose, who = "someone\u2019s", "someone"
    return phrase.format(whose=whose, person=who)


def events(filters: Filters, size: int) -> Page:
    """A page of events, newest first: two statements (the count and the page) whatever the log's size.

    Both read the filters through audit_events' own indexes (migration 0018: a kind of event, who
    did it, the person acted on, the date, each with occurred_at). The count reads audit_events
    alone: the names joined on add columns, never rows. The page picks its events' ids first, and
    only those are joined to the names, so a filter matching many events never sorts whole rows."""
    conditions = filters.conditions()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*conditions))
    number = page_number(filters.page, total, size)
    ids = (sa.select(AuditEvent.id).where(*conditions).order_by(*NEWEST_FIRST)
           .limit(size).offset((number - 1) * size).subquery())
    rows = db.session.execute(_with_names(sa.select(AuditEvent).join(ids, ids.c.id == AuditEvent.id))).all()
    return Page([_line(row) for row in rows], number, size, total)


CSV_HEADER = ["Date and time (UK)", "Who", "What happened", "Fields", "Kind", "Action", "Apprentice id",
              "User id", "Record", "Record id", "Event id"]


def csv_lines(filters: Filters) -> Iterator[list[Any]]:
    """Every event the filters find (not one page), as spreadsheet rows: one statement, read in batches."""
    yield CSV_HEADER
    for row in db.session.execute(_query(filters).execution_options(yield_per=1000)):
        line = _line(row)
        event = line.event
        yield [f"{event.occurred_at.astimezone(UK_TIME):%Y-%m-%d %H:%M:%S}", line.actor, line.sentence,
               ", ".join(line.fields), KINDS_SHORT[line.kind], event.action, event.apprentice_id, event.user_id,
               event.subject_type, event.subject_id, event.id]


KINDS_SHORT = {VIEW: "Looked at", EXPORT: "Exported", CHANGE: "Changed"}


def exported(actor: User, person: Apprentice | None, filter_names: Iterable[str]) -> AuditEvent:
    """Note a download of the log: which filters were used (their names, never a name searched for)."""
    used = sorted(filter_names)
    db.session.info[VIEW_PENDING] = True
    if person is not None:
        return record(actor, "apprentice.audit_exported", person, filters=used)
    return record(actor, "audit.exported", AuditEvent.__tablename__, filters=used)
