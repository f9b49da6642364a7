"""Notifications: what needs a person, shown in the app and sent by email as they choose.

A notification is made in the same transaction as the change that causes it (an entry
queried, a placement proposed...) or by the daily job (services/reminders.py), always with one
INSERT ... SELECT whose SELECT picks the people it is for. Reminders carry an `occurrence`, and
the insert does nothing for one that exists already (ON CONFLICT DO NOTHING on the unique
(user, kind, occurrence)): the database, not a read before the write, makes each reminder once.

The insert hands back the new rows' ids (RETURNING); `_email` then reads them with what the
message needs in one statement and queues an email (email.send, in the same transaction) for
everyone who chose immediate emails. Everyone else's wait for the daily email (`send_digests`),
or are never emailed if they chose no email. The texts of the list and the emails come from
`describe`, so the page and the email always say the same thing.

Some kinds only tell the person something and ask nothing of them (INFORMATIONAL): they are
made already done, so the count in the header is only of what needs doing, but they are listed
and emailed like the others.

Past events can be recorded too (`as_of`: the demo programme's history, services/demo.py): the
same functions make the same notifications, dated when the event happened, and email nobody now.

No personal data is copied into a notification: it holds ids, a date and a kind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request, url_for
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.orm import aliased
from sqlalchemy.sql.visitors import InternalTraversal

from ..email import send
from ..extensions import db
from ..models import (
    ApplicationStatus,
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    Cohort,
    EmailFrequency,
    EmailState,
    EmployerPartner,
    LevyApplication,
    LevyPledge,
    LogEntry,
    LogEntryRevision,
    Notification,
    NotificationKind,
    NotificationPreference,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    ProgressReview,
    Role,
    ShareLink,
    TransferShareLink,
    User,
    VerificationStatus,
    utcnow,
)
from ..text import money
from . import audit
from .pagination import Page, paginate

K = NotificationKind
PAGE_SIZE = 20
DIGEST = "daily_digest"
# The columns an INSERT ... SELECT fills, in this order; the SELECT gives them under these labels.
COLUMNS = ("user_id", "kind", "occurrence", "apprentice_id", "log_entry_id", "review_id", "placement_id",
           "assignment_id", "share_link_id", "on_date", "created_at", "email_state", "done_at")
# Kinds that ask nothing of their person: made done, still listed and emailed. (Funds accepted asks the
# coordinators to add the apprentices: it waits, see `levy_funds_accepted_done`.)
INFORMATIONAL = frozenset({K.PROPOSAL_WITHDRAWN, K.PROPOSAL_ACCEPTED, K.PLACEMENT_PUBLISHED,
                           K.LEVY_APPLICATION_REJECTED, K.LEVY_FUNDS_USED,
                           K.LEVY_FUNDS_DECLINED, K.LEVY_APPLICATION_WITHDRAWN})
ABOUT = ("apprentice_id", "log_entry_id", "review_id", "placement_id", "assignment_id", "share_link_id", "on_date")


# --- Making notifications ---------------------------------------------------------------------

_AS_OF = "notifications_as_of"  # the key in the session's info while `as_of` records past events


@contextmanager
def as_of(at: datetime) -> Iterator[None]:
    """Record events that happened at `at` (a history loaded after the fact): the notifications
    made or done inside carry that time, and none is emailed, since what happened then is not news
    now. They are marked not sent, so no daily email picks them up either."""
    before = db.session.info.get(_AS_OF)
    db.session.info[_AS_OF] = at
    try:
        yield
    finally:
        if before is None:
            db.session.info.pop(_AS_OF, None)
        else:
            db.session.info[_AS_OF] = before


def _now() -> datetime:
    """The time of the event being recorded: now, or the past moment `as_of` names."""
    return db.session.info.get(_AS_OF) or utcnow()


def insert(select: sa.Select, *, now: datetime | None = None) -> list[int]:
    """Add a notification for each row of `select` (labelled as COLUMNS, without created_at,
    email_state and done_at), skipping any whose (user, kind, occurrence) exists already; email the
    new ones to the people who want them at once. An INFORMATIONAL kind is made done. Returns the
    new notifications' ids. Two statements whatever the number of rows, and one INSERT into the
    outbox for each email sent."""
    now = now or _now()
    kind = select.selected_columns.kind
    rows = select.add_columns(sa.literal(now, Notification.created_at.type).label("created_at"),
                              sa.literal(EmailState.WAITING.value).label("email_state"),
                              sa.case((kind.in_([k.value for k in INFORMATIONAL]),
                                       sa.literal(now, Notification.done_at.type)),
                                      else_=sa.null()).label("done_at"))
    rows = rows.where(sa.true())  # SQLite reads INSERT ... SELECT ... ON CONFLICT only with a WHERE in the SELECT
    statement = _insert_once(db.engine.dialect.name, rows)
    db.session.flush()
    ids = list(db.session.scalars(statement))
    if ids and _AS_OF in db.session.info:
        _mark([], ids, now)  # a past event (`as_of`): nobody is emailed about it now
    elif ids:
        _email(ids, now)
    return ids


def _skipping_repeats(dml):
    """The dialect's INSERT ... ON CONFLICT (user_id, kind, occurrence) DO NOTHING, in classes that
    SQLAlchemy's compiled cache takes. SQLAlchemy 2.0 leaves the dialects' INSERT and ON CONFLICT
    out of it (no cache key), so `insert` compiled its statement afresh on every call, a few
    milliseconds each; these give the key: the INSERT's own parts, and the conflict's columns."""

    class DoNothing(dml.OnConflictDoNothing):
        _traverse_internals = [("inferred_target_elements", InternalTraversal.dp_clauseelement_list),
                               ("inferred_target_whereclause", InternalTraversal.dp_clauseelement)]

    class Insert(dml.Insert):
        inherit_cache = True

    return Insert, DoNothing(index_elements=[Notification.user_id, Notification.kind, Notification.occurrence])


_SKIPPING_REPEATS = {"postgresql": _skipping_repeats(postgresql_dml), "sqlite": _skipping_repeats(sqlite_dml)}


def _insert_once(dialect: str, rows: sa.Select):
    """INSERT the notifications of `rows`, skipping any made already; RETURNING their ids."""
    insert_class, do_nothing = _SKIPPING_REPEATS[dialect]
    statement = insert_class(Notification).from_select(list(COLUMNS), rows)
    statement._post_values_clause = do_nothing  # what on_conflict_do_nothing sets, in its cacheable class
    return statement.returning(Notification.id)


def columns(**values: Any) -> list[sa.ColumnElement]:
    """The columns of a SELECT for `insert` after user_id: the kind, the occurrence (a reminder's,
    None for an event) and the records it is about. Each is a value or an SQL expression."""
    def value(given: Any, column_type: sa.types.TypeEngine) -> sa.ColumnElement:
        if given is None or isinstance(given, (str, int, date)):  # a value (a NotificationKind is a str)
            return sa.literal(given.value if isinstance(given, NotificationKind) else given, column_type)
        return sa.type_coerce(given, column_type)

    made = [value(values.pop("kind"), sa.String()).label("kind"),
            value(values.pop("occurrence", None), sa.String()).label("occurrence")]
    for name in ABOUT:
        made.append(value(values.pop(name, None), sa.Date() if name == "on_date" else sa.Integer()).label(name))
    assert not values, f"unknown columns {values}"
    return made


def recipients_select(who: sa.ColumnElement[bool], **about: Any) -> sa.Select:
    """A SELECT for `insert`: one notification for each active user meeting `who`."""
    return sa.select(User.id.label("user_id"), *columns(**about)).where(User.active.is_(True), who)


def _notify(who: sa.ColumnElement[bool], **about: Any) -> list[int]:
    return insert(recipients_select(who, **about))


def _done(kind: NotificationKind, **about: int) -> None:
    """Mark every notification of this kind about these records done: what it asked for has happened."""
    db.session.execute(
        sa.update(Notification).where(Notification.kind == kind, Notification.done_at.is_(None),
                                      *[getattr(Notification, name) == value for name, value in about.items()])
        .values(done_at=_now()).execution_options(synchronize_session=False))


def entry_queried(entry: LogEntry) -> None:
    """To the apprentice: answer the query."""
    _notify(sa.and_(User.role == Role.APPRENTICE, User.apprentice_id == entry.apprentice_id),
            kind=K.ENTRY_QUERIED, apprentice_id=entry.apprentice_id, log_entry_id=entry.id, on_date=entry.activity_date)


def query_answered(entry: LogEntry) -> None:
    """To whoever asked the (latest) query: verify the entry now, or ask again. The apprentice's
    notification to answer it is done."""
    db.session.flush()
    asked_by = (sa.select(LogEntryRevision.changed_by_id)
                .where(LogEntryRevision.entry_id == entry.id, LogEntryRevision.action == "queried")
                .order_by(LogEntryRevision.changed_at.desc(), LogEntryRevision.id.desc()).limit(1).scalar_subquery())
    _notify(sa.and_(User.id == asked_by, User.role.in_((Role.MENTOR, Role.COORDINATOR))),
            kind=K.QUERY_ANSWERED, apprentice_id=entry.apprentice_id, log_entry_id=entry.id,
            on_date=entry.activity_date)
    _done(K.ENTRY_QUERIED, log_entry_id=entry.id)


def entries_acted_on(entry_ids: Sequence[int], *, verified: bool) -> None:
    """The entries were verified, or (`verified` False) queried again: the notification that a query
    about them was answered is done, and once verified, so is any query still waiting for an answer.
    One statement, however many entries."""
    kinds = [K.QUERY_ANSWERED, K.ENTRY_QUERIED] if verified else [K.QUERY_ANSWERED]
    if entry_ids:
        db.session.execute(
            sa.update(Notification).where(Notification.kind.in_(kinds), Notification.done_at.is_(None),
                                          Notification.log_entry_id.in_(list(entry_ids)))
            .values(done_at=_now()).execution_options(synchronize_session=False))


def _review_and_signers(review_id: int, must_sign: sa.ColumnElement[bool]) -> sa.Select:
    """The users meeting `must_sign` (reviews.must_sign) for the review: the people who must still sign it."""
    return (sa.select(User.id.label("user_id"))
            .select_from(sa.join(ProgressReview, Apprentice, Apprentice.id == ProgressReview.apprentice_id))
            .join(User, sa.and_(User.active.is_(True), must_sign)).where(ProgressReview.id == review_id))


# What asks a person to sign a review: done once they (or everyone) need not sign it any more.
TO_SIGN = (K.REVIEW_TO_SIGN, K.REVIEW_REOPENED, K.SIGNATURE_WAITING)


def review_to_sign(review: ProgressReview, must_sign: sa.ColumnElement[bool], *,
                   kind: NotificationKind = K.REVIEW_TO_SIGN) -> None:
    """To everyone who must sign the review just recorded or corrected (reviews.must_sign), or
    reopened (`kind` REVIEW_REOPENED): read it and sign it. The person who recorded it too, when
    they must sign it (a coordinator does): it waits for them like any other until they have signed.
    A correction or reopening starts the signatures over, so the notifications (and reminders)
    about the earlier version are done: one item a review."""
    db.session.execute(
        sa.update(Notification).where(Notification.kind.in_(TO_SIGN), Notification.done_at.is_(None),
                                      Notification.review_id == review.id)
        .values(done_at=_now()).execution_options(synchronize_session=False))
    insert(_review_and_signers(review.id, must_sign).add_columns(
        *columns(kind=kind, apprentice_id=review.apprentice_id, review_id=review.id)))


def reminders_replace_signing_notices() -> None:
    """A reminder to sign a review replaces the notice that it was recorded: the person has one item
    about the review waiting, not two (the count in the header is what the lists show). One statement."""
    reminder = aliased(Notification)
    db.session.execute(
        sa.update(Notification).where(
            Notification.kind.in_([K.REVIEW_TO_SIGN, K.REVIEW_REOPENED]), Notification.done_at.is_(None),
            sa.select(reminder.id).where(reminder.kind == K.SIGNATURE_WAITING, reminder.done_at.is_(None),
                                         reminder.user_id == Notification.user_id,
                                         reminder.review_id == Notification.review_id).exists())
        .values(done_at=_now()).execution_options(synchronize_session=False))


def review_signed(review_id: int, must_sign: sa.ColumnElement[bool]) -> None:
    """A part was signed: the notifications (and reminders) to sign it are done for everyone who
    need not sign it any more (reviews.must_sign): the signer, anyone who could have signed the same
    part, and everyone once the review is locked. One statement."""
    still = _review_and_signers(review_id, must_sign).where(User.id == Notification.user_id).exists()
    db.session.execute(
        sa.update(Notification).where(Notification.kind.in_(TO_SIGN),
                                      Notification.review_id == review_id, Notification.done_at.is_(None), ~still)
        .values(done_at=_now()).execution_options(synchronize_session=False))


def placement_proposed(assignment: PlacementAssignment) -> None:
    """To the users of the employer hosting the placement: accept or decline the apprentice."""
    placement = assignment.placement
    _notify(sa.and_(User.role == Role.EMPLOYER, User.employer_id == placement.employer_id),
            kind=K.PLACEMENT_PROPOSED, apprentice_id=assignment.apprentice_id, placement_id=placement.id,
            assignment_id=assignment.id)


def proposal_decided(assignment: PlacementAssignment, accepted: bool) -> None:
    """To the coordinators: the employer's answer. The employer's notification to decide is done."""
    _notify(User.role == Role.COORDINATOR, kind=K.PROPOSAL_ACCEPTED if accepted else K.PROPOSAL_DECLINED,
            apprentice_id=assignment.apprentice_id, placement_id=assignment.placement_id,
            assignment_id=assignment.id)
    _done(K.PLACEMENT_PROPOSED, assignment_id=assignment.id)


def proposal_withdrawn(assignment: PlacementAssignment) -> None:
    """To the employer's users: the proposal they were asked to decide on was taken back."""
    _done(K.PLACEMENT_PROPOSED, assignment_id=assignment.id)
    placement = assignment.placement
    _notify(sa.and_(User.role == Role.EMPLOYER, User.employer_id == placement.employer_id),
            kind=K.PROPOSAL_WITHDRAWN, apprentice_id=assignment.apprentice_id, placement_id=placement.id,
            assignment_id=assignment.id)


def _posted_by(placement: Placement) -> sa.ColumnElement[bool]:
    """The employer user who posted the placement (any of the employer's users if they no longer can)."""
    posted_by = sa.and_(User.id == placement.created_by_id, User.active.is_(True))
    still_there = sa.select(User.id).where(posted_by, User.role == Role.EMPLOYER,
                                           User.employer_id == placement.employer_id).exists()
    return sa.and_(User.role == Role.EMPLOYER, User.employer_id == placement.employer_id,
                   sa.or_(User.id == placement.created_by_id, ~still_there))


def placement_returned(placement: Placement) -> None:
    """To the employer user who posted the placement: change it and submit it again."""
    _notify(_posted_by(placement), kind=K.PLACEMENT_RETURNED, placement_id=placement.id)


def placement_submitted(placement: Placement) -> None:
    """To the coordinators: publish it or send it back. The employer's notification that it was sent
    back, if any, is done: they have changed it and submitted it again."""
    _done(K.PLACEMENT_RETURNED, placement_id=placement.id)
    _notify(User.role == Role.COORDINATOR, kind=K.PLACEMENT_SUBMITTED, placement_id=placement.id)


def application_occurrence(application_id: sa.ColumnElement[int] | int) -> sa.ColumnElement[str]:
    """The occurrence that names a levy transfer application: "levy_application:7". A notification has no
    column for an application, so its occurrence names it, and `_item_query` finds the application by it."""
    return sa.literal("levy_application:", sa.String) + sa.cast(application_id, sa.String)


def levy_application_received(application: LevyApplication) -> None:
    """To the coordinators: an employer partner applied for levy transfer funds. Approve or reject it."""
    db.session.flush()
    _notify(User.role == Role.COORDINATOR, kind=K.LEVY_APPLICATION_RECEIVED,
            occurrence=f"levy_application:{application.id}")


def levy_application_decided(application: LevyApplication) -> None:
    """Approved, rejected or withdrawn: the coordinators' notification to decide on it is done."""
    db.session.execute(
        sa.update(Notification).where(Notification.kind == K.LEVY_APPLICATION_RECEIVED,
                                      Notification.occurrence == f"levy_application:{application.id}",
                                      Notification.done_at.is_(None))
        .values(done_at=_now()).execution_options(synchronize_session=False))


# The council's decisions on a levy transfer application that its employer partner is told of, by the
# status the application reached.
TO_THE_EMPLOYER = {ApplicationStatus.APPROVED: K.LEVY_APPLICATION_APPROVED,
                   ApplicationStatus.REJECTED: K.LEVY_APPLICATION_REJECTED,
                   ApplicationStatus.FUNDS_USED: K.LEVY_FUNDS_USED}
# The employer partner's answers that the coordinators are told of, by the status the application reached.
TO_THE_COORDINATORS = {ApplicationStatus.ACCEPTED: K.LEVY_FUNDS_ACCEPTED,
                       ApplicationStatus.DECLINED: K.LEVY_FUNDS_DECLINED,
                       ApplicationStatus.WITHDRAWN: K.LEVY_APPLICATION_WITHDRAWN}
# Every kind whose occurrence names a levy transfer application (`application_occurrence`).
ABOUT_AN_APPLICATION = (K.LEVY_APPLICATION_RECEIVED, *TO_THE_EMPLOYER.values(), *TO_THE_COORDINATORS.values())


def levy_application_to_employer(application: LevyApplication) -> None:
    """To the users of the employer partner: the council approved their application (accept or decline the
    funds: it waits until they have), rejected it, or has paid all its funds (for their information)."""
    _notify(sa.and_(User.role == Role.EMPLOYER, User.employer_id == application.employer_id),
            kind=TO_THE_EMPLOYER[application.status], occurrence=f"levy_application:{application.id}")


def levy_application_answered(application: LevyApplication) -> None:
    """To the coordinators: the employer partner accepted the funds (add its apprentices as it sends their
    details: it waits until one is added, `levy_funds_accepted_done`), or, for their information, declined them
    or withdrew its application."""
    _notify(User.role == Role.COORDINATOR, kind=TO_THE_COORDINATORS[application.status],
            occurrence=f"levy_application:{application.id}")


def levy_funds_answered(application: LevyApplication) -> None:
    """The funds were accepted or declined, or the application withdrawn: the employer's notification that
    it was approved (accept or decline the funds) is done."""
    db.session.execute(
        sa.update(Notification).where(Notification.kind == K.LEVY_APPLICATION_APPROVED,
                                      Notification.occurrence == f"levy_application:{application.id}",
                                      Notification.done_at.is_(None))
        .values(done_at=_now()).execution_options(synchronize_session=False))


def levy_funds_accepted_done(application: LevyApplication) -> None:
    """An apprentice was added to an accepted application, or it was withdrawn or its funds all used: the
    coordinators' notification to add its apprentices is done (any of them may also mark it done)."""
    db.session.execute(
        sa.update(Notification).where(Notification.kind == K.LEVY_FUNDS_ACCEPTED,
                                      Notification.occurrence == f"levy_application:{application.id}",
                                      Notification.done_at.is_(None))
        .values(done_at=_now()).execution_options(synchronize_session=False))


def placement_decided(placement: Placement) -> None:
    """Published, sent back or withdrawn: the coordinators' notification to decide on it is done."""
    _done(K.PLACEMENT_SUBMITTED, placement_id=placement.id)


def placement_published(placement: Placement) -> None:
    """To the employer user who posted the placement: it is published (for their information). Their
    notification that it was sent back, if any, is done."""
    _done(K.PLACEMENT_RETURNED, placement_id=placement.id)
    _notify(_posted_by(placement), kind=K.PLACEMENT_PUBLISHED, placement_id=placement.id)


# --- What a notification says, and where it leads ---------------------------------------------

@dataclass(frozen=True)
class Item:
    """A notification as its person reads it (the list and the emails say the same)."""

    id: int
    kind: NotificationKind
    text: str
    endpoint: str
    values: dict[str, Any]
    created_at: datetime
    done: bool
    # What an email's subject names (its template's placeholders beyond the usual ones).
    subject: dict[str, str] = field(default_factory=dict)
    # While what it asks for is still to do (a proposal not answered yet, a review not signed), it
    # cannot be marked done: this says what ends it ("It goes once you accept or decline Sam Patel").
    waits_for: str | None = None

    @property
    def sentence(self) -> str:
        """The text as the list and the emails show it: a sentence, with its full stop."""
        return self.text + "."

    @property
    def informational(self) -> bool:
        """It tells the person something and asks nothing of them (made done)."""
        return self.kind in INFORMATIONAL

    @property
    def href(self) -> str:
        return link(self.endpoint, self.values, absolute=False)


def _when(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def transfer_link_occurrence(link_id: sa.ColumnElement[int],
                             expires_on: sa.ColumnElement[date]) -> sa.ColumnElement[str]:
    """The occurrence of a reminder that a share link to the summary of levy transfers (a TransferShareLink)
    stops working: "transfers:7:2026-03-01", its id and expiry. A notification has no column for such a
    link, so its occurrence names it, and `_item_query` finds the link by it. Both are SQL expressions (the
    columns), cast to text as reminders' occurrences are."""
    return (sa.literal("transfers:", sa.String) + sa.cast(link_id, sa.String) + sa.literal(":", sa.String)
            + sa.cast(expires_on, sa.String))


# Built once per process: neither statement depends on who asks or when (the person's id is added
# with .where, which makes a new statement), and building their 12 joins and 8 subqueries took about
# 8 ms on every list of notifications, and again for each count.
@cache
def _item_query() -> sa.Select:
    employer = aliased(EmployerPartner)
    received, received_from, received_for = aliased(LevyApplication), aliased(EmployerPartner), aliased(LevyPledge)
    return (
        sa.select(Notification, User.role, User.apprentice_id.label("own_apprentice"), Apprentice.first_name,
                  Apprentice.last_name, Placement.title, employer.name.label("employer_name"), ShareLink.label,
                  ShareLink.cohort_id, Cohort.name.label("cohort_name"), ProgressReview.held_date,
                  PlacementAssignment.reserve, _still_to_do().label("still_to_do"),
                  TransferShareLink.label.label("transfer_link_label"),
                  received.id.label("received_application_id"), received.amount_pence.label("received_amount"),
                  received_from.name.label("received_from"), received_for.title.label("received_for"),
                  received.decision_reason.label("received_reason"))
        .join(User, User.id == Notification.user_id)
        .outerjoin(Apprentice, Apprentice.id == Notification.apprentice_id)
        .outerjoin(Placement, Placement.id == Notification.placement_id)
        .outerjoin(employer, employer.id == Placement.employer_id)
        .outerjoin(ShareLink, ShareLink.id == Notification.share_link_id)
        .outerjoin(Cohort, Cohort.id == ShareLink.cohort_id)
        .outerjoin(TransferShareLink, sa.and_(
            Notification.kind == K.SHARE_LINK_EXPIRING, Notification.share_link_id.is_(None),
            Notification.occurrence == transfer_link_occurrence(TransferShareLink.id, TransferShareLink.expires_on)))
        .outerjoin(ProgressReview, ProgressReview.id == Notification.review_id)
        .outerjoin(PlacementAssignment, PlacementAssignment.id == Notification.assignment_id)
        .outerjoin(received, sa.and_(Notification.kind.in_(ABOUT_AN_APPLICATION),
                                     Notification.occurrence == application_occurrence(received.id)))
        .outerjoin(received_from, received_from.id == received.employer_id)
        .outerjoin(received_for, received_for.id == received.pledge_id)
    )


def describe(row) -> Item:
    """The words and the link of one row of `_item_query`, for the person it is for."""
    n: Notification = row[0]
    mine = row.role == Role.APPRENTICE and row.own_apprentice == n.apprentice_id
    name = f"{row.first_name} {row.last_name}" if row.first_name is not None else "An apprentice"
    whose = "Your" if mine else f"{name}’s"
    on = _when(n.on_date)
    staff = row.role in (Role.COORDINATOR, Role.MENTOR)
    apprentice_page = ("apprentices.show", {"apprentice_id": n.apprentice_id})
    proposal = {"apprentice": name, "placement": row.title or "your placement"}
    subject: dict[str, str] = {}

    def own_or(anchor: str, home: tuple[str, dict]) -> tuple[str, dict]:
        if mine:
            return "home.apprentice", {"_anchor": anchor}
        return home[0], {**home[1], "_anchor": anchor} if staff else home[1]

    match n.kind:
        case K.ENTRY_QUERIED:
            text = f"Your log entry for {on} has been queried. Answer the query so it can be verified"
            target = ("home.apprentice", {"_anchor": f"entry-{n.log_entry_id}"})
        case K.QUERY_ANSWERED:
            text = f"{name} has answered your query about their log entry for {on}"
            # To the entry in the queue, where it can be verified or queried again.
            target = ("logbook.queue", {"apprentice": n.apprentice_id, "status": "answered",
                                        "_anchor": f"entry-{n.log_entry_id}"})
        case K.PLACEMENT_PROPOSED if row.reserve:
            text = (f"{name} has been proposed as a reserve for your placement {row.title}. All its places are "
                    "taken: you can accept them if a place comes free, or decline them now")
            target = ("placements.decide", {"assignment_id": n.assignment_id})
            subject = proposal
        case K.PLACEMENT_PROPOSED:
            text = f"{name} has been proposed for your placement {row.title}. Accept or decline them"
            target = ("placements.decide", {"assignment_id": n.assignment_id})
            subject = proposal
        case K.PROPOSAL_WITHDRAWN:
            # Not "nothing to do": a reserve may be waiting for the place this frees.
            text = (f"The programme coordinator has withdrawn the proposal of {name} for your placement "
                    f"{row.title}, so the place it held is free again")
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = proposal
        case K.PROPOSAL_ACCEPTED:
            text = f"{row.employer_name} has accepted {name} for {row.title}"
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = proposal
        case K.PROPOSAL_DECLINED:
            text = f"{row.employer_name} has declined {name} for {row.title}. You can propose someone else"
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = proposal
        case K.PLACEMENT_RETURNED:
            text = f"Your placement {row.title} has been sent back with a comment. Change it and submit it again"
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = {"placement": row.title}
        case K.PLACEMENT_SUBMITTED:
            text = (f"{row.employer_name} has submitted the placement {row.title} for approval. Publish it or "
                    "send it back with a comment")
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = {"placement": row.title}
        case K.PLACEMENT_PUBLISHED:
            text = (f"Your placement {row.title} has been published, so apprentices can see it. There is nothing "
                    "for you to do until an apprentice is proposed for it")
            target = ("placements.show", {"placement_id": n.placement_id})
            subject = {"placement": row.title}
        case K.SHARE_LINK_EXPIRING if n.share_link_id is None:  # a link to the summary of levy transfers
            text = (f"The share link ‘{row.transfer_link_label}’ for the summary of levy transfers stops working "
                    f"after {on}")
            target = ("levy.transfers", {"_anchor": "links"})
        case K.SHARE_LINK_EXPIRING:
            text = f"The share link ‘{row.label}’ for {row.cohort_name} stops working after {on}"
            target = ("summaries.links", {"cohort_id": row.cohort_id})
        case K.REVIEW_DUE_SOON:
            text = f"{whose} progress review is due by {on}"
            target = ("reviews.index", {}) if mine else own_or("reviews", apprentice_page)
        case K.REVIEW_OVERDUE:
            text = f"{whose} progress review is overdue: it was due by {on}"
            target = ("reviews.index", {}) if mine else own_or("reviews", apprentice_page)
        case K.SIGNATURE_WAITING:
            text = f"{whose} progress review held on {_when(row.held_date)} is waiting for your signature"
            target = ("reviews.show", {"review_id": n.review_id, "_anchor": "sign-offs"})
        case K.REVIEW_TO_SIGN:
            text = (f"{whose} progress review held on {_when(row.held_date)} has been recorded and needs your "
                    "signature. Read it and sign it")
            target = ("reviews.show", {"review_id": n.review_id, "_anchor": "sign-offs"})
        case K.REVIEW_REOPENED:
            text = f"{whose} progress review of {_when(row.held_date)} was reopened: sign it again"
            target = ("reviews.show", {"review_id": n.review_id, "_anchor": "sign-offs"})
        case K.NOTHING_LOGGED:
            text = (f"You have not logged any learning since {on}" if mine
                    else f"{name} has not logged any learning since {on}")
            target = own_or("logbook" if mine else "progress", apprentice_page)
        case K.HOURS_BEHIND:
            text = (f"{whose} verified off-the-job hours are more than 10% behind what is expected by now")
            target = own_or("progress", apprentice_page)
        case K.LEVY_APPLICATION_RECEIVED if row.received_application_id is not None:
            text = (f"{row.received_from} has applied for {money(row.received_amount)} of levy transfer funds from "
                    f"the pledge {row.received_for}. Approve or reject it")
            target = ("levy.application", {"application_id": row.received_application_id})
            subject = {"employer": row.received_from}
        case K.LEVY_APPLICATION_APPROVED | K.LEVY_APPLICATION_REJECTED | K.LEVY_FUNDS_USED:
            amount, pledge = money(row.received_amount or 0), row.received_for or "the council"
            reason = (row.received_reason or "").strip().rstrip(".")
            reason = f". The council’s reason: {reason}" if reason else ""
            # An approval's reason is why the council approved it although it does not meet every rule
            # (levy_transfers.decide keeps none otherwise).
            despite = ", even though it does not meet all the rules" if reason else ""
            text = {K.LEVY_APPLICATION_APPROVED: f"The council has approved your application for {amount} from its "
                                                 f"pledge {pledge}{despite}{reason}. Accept or decline the funds",
                    # The council's own words about the application (not personal data): the email says them too.
                    K.LEVY_APPLICATION_REJECTED: f"The council has rejected your application for {amount} from its "
                                                 f"pledge {pledge}{reason}",
                    K.LEVY_FUNDS_USED: f"All {amount} of your levy transfer from {pledge} has been paid for your "
                                       "apprentices’ training. There is nothing for you to do"}[n.kind]
            target = (("levy.application", {"application_id": row.received_application_id})
                      if row.received_application_id is not None else ("levy.applications", {}))
            subject = {"pledge": pledge}
        case K.LEVY_FUNDS_ACCEPTED | K.LEVY_FUNDS_DECLINED | K.LEVY_APPLICATION_WITHDRAWN:
            employer_name = row.received_from or "An employer partner"
            amount, pledge = money(row.received_amount or 0), row.received_for or "a pledge"
            text = {K.LEVY_FUNDS_ACCEPTED: f"{employer_name} has accepted the {amount} of levy transfer funds approved "
                                           f"from the pledge {pledge}. Add each apprentice once {employer_name} sends "
                                           "their details",
                    K.LEVY_FUNDS_DECLINED: f"{employer_name} has declined the {amount} of levy transfer funds approved "
                                           f"from the pledge {pledge}. The funds go back to the pledge",
                    K.LEVY_APPLICATION_WITHDRAWN: f"{employer_name} has withdrawn its application for {amount} from "
                                                  f"the pledge {pledge}. Its funds go back to the pledge"}[n.kind]
            target = (("levy.application", {"application_id": row.received_application_id})
                      if row.received_application_id is not None else ("levy.applications", {}))
            subject = {"employer": employer_name}
        case K.LEVY_APPLICATION_RECEIVED:  # the application is no longer there
            text = "An employer partner applied for levy transfer funds"
            target = ("levy.applications", {})
            subject = {"employer": "An employer partner"}
        case K.RETENTION_DUE:  # the occurrence names the list (services/retention.py), starting with its count
            head = (n.occurrence or "").partition(":")[0]
            count = int(head) if head.isdigit() else 0
            text = (f"{count} record{' is' if count == 1 else 's are'} past the retention period. Review "
                    f"{'it' if count == 1 else 'them'} and choose which to anonymise")
            target = ("retention.index", {})
        case _:  # pragma: no cover - every kind is above
            raise ValueError(n.kind)
    done = n.done_at is not None
    waits_for = None
    if not done and row.still_to_do:
        waits_for = (f"It goes once you accept or decline {name}" if n.kind == K.PLACEMENT_PROPOSED
                     else f"It goes once {GOES_ONCE[n.kind]}")
    return Item(n.id, n.kind, text, target[0], target[1], n.created_at, done, subject, waits_for)


def link(endpoint: str, values: dict[str, Any], *, absolute: bool = True) -> str:
    """An address in the app: for an email, a whole one on PUBLIC_BASE_URL (else the address of the
    request being answered; the daily job, outside any request, needs PUBLIC_BASE_URL)."""
    values = dict(values)
    anchor = values.pop("_anchor", None)
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"]).build(
            endpoint, values)
    path += f"#{anchor}" if anchor else ""
    if not absolute:
        return path
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base:
        base = request.host_url.rstrip("/") if has_request_context() else "http://localhost:5000"
    return base + path


# --- Emails -----------------------------------------------------------------------------------

def frequency_column() -> sa.ColumnElement:
    return sa.func.coalesce(NotificationPreference.frequency, EmailFrequency.IMMEDIATE.value)


def _emailable() -> sa.ColumnElement[bool]:
    """People who can act on an email: their account in use (not an invitation not yet taken up)."""
    return sa.and_(User.active.is_(True), User.password_hash.is_not(None))


def _rows(*where) -> list[sa.Row]:
    return db.session.execute(
        _item_query().add_columns(User.name, User.email, frequency_column().label("frequency"), _emailable()
                                  .label("emailable"))
        .outerjoin(NotificationPreference, NotificationPreference.user_id == Notification.user_id)
        .where(*where).order_by(Notification.user_id, Notification.created_at, Notification.id)).all()


def _personal(row) -> dict[str, str]:
    return {"name": row.name, "preferences_link": link("notifications.preferences", {})}


def _email(ids: Sequence[int], now: datetime) -> None:
    """Email the new notifications `ids` to the people who want them at once; the others wait for
    the daily email (or are never emailed, as their person chose)."""
    sent, not_sent = [], []
    for row in _rows(Notification.id.in_(ids)):
        if not row.emailable or row.frequency == EmailFrequency.NEVER.value:
            not_sent.append(row[0].id)
        elif row.frequency == EmailFrequency.IMMEDIATE.value:
            item = describe(row)
            send(item.kind.value, row.email, {**_personal(row), **item.subject, "what": item.sentence,
                                              "link": link(item.endpoint, item.values)})
            sent.append(row[0].id)
    _mark(sent, not_sent, now)


def _mark(sent: list[int], not_sent: list[int], now: datetime) -> None:
    for ids, values in ((sent, {"email_state": EmailState.SENT, "emailed_at": now}),
                        (not_sent, {"email_state": EmailState.NOT_SENT})):
        if ids:
            db.session.execute(sa.update(Notification).where(Notification.id.in_(ids)).values(**values)
                               .execution_options(synchronize_session=False))


def send_digests(*, now: datetime | None = None) -> int:
    """One email to each person with notifications waiting for the daily email, listing them.

    What the person marked done in the meantime (but for what was made done, INFORMATIONAL), and
    everything for someone who chose no email, is not sent. Returns how many emails were queued."""
    now = now or utcnow()
    waiting: dict[int, list] = defaultdict(list)
    sent, not_sent = [], []
    for row in _rows(Notification.email_state == EmailState.WAITING):
        marked_done = row[0].done_at is not None and row[0].kind not in INFORMATIONAL
        if marked_done or not row.emailable or row.frequency == EmailFrequency.NEVER.value:
            not_sent.append(row[0].id)
        else:
            waiting[row[0].user_id].append(row)
    for rows in waiting.values():
        items = [describe(row) for row in rows]
        listed = "\n\n".join(f"* {item.sentence} {link(item.endpoint, item.values)}" for item in items)
        send(DIGEST, rows[0].email, {**_personal(rows[0]), "count": _digest_count(items), "items": listed,
                                     "notifications_link": link("notifications.index", {})})
        sent.extend(row[0].id for row in rows)
    _mark(sent, not_sent, now)
    return len(waiting)


def _digest_count(items: list[Item]) -> str:
    """"2 things need you", "1 thing needs you and 1 update", "2 updates"."""
    needs = sum(not item.informational for item in items)
    updates = len(items) - needs
    words = []
    if needs:
        words.append(f"{needs} thing{'s' if needs != 1 else ''} need{'s' if needs == 1 else ''} you")
    if updates:
        words.append(f"{updates} update{'s' if updates != 1 else ''}")
    return " and ".join(words)


# --- The list, the count and the choice of email --------------------------------------------

def page_for(user: User, number: int) -> Page:
    """The person's notifications, newest first, a page at a time (in the database)."""
    query = (_item_query().where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    found = paginate(query, number, PAGE_SIZE, rows=True)
    return Page([describe(row) for row in found.items], found.number, found.size, found.total)


@cache
def _still_to_do() -> sa.ColumnElement[bool]:
    """The SQL condition on Notification: what it asks of its person is still to do and still theirs to
    do, so it cannot be marked done by hand (`mark_done` leaves it, `describe` says what ends it). Doing
    it makes it done, and so does anything that takes it out of their hands:
    - a proposal the employer has not answered (answering it, or its withdrawal);
    - a review the person must still sign (reviews.must_sign: signing it, a correction or reopening,
      which asks again, or its being no longer theirs to sign);
    - a query about an entry, to the apprentice, while unanswered and they are still in learning
      (answering it; the entry verified or deleted);
    - the answer to a query, to whoever asked, while the entry waits and they may verify it (verifying it
      or querying it again);
    - a placement submitted, to the coordinators, until it is published or sent back;
    - a placement sent back, to the employer, until it is submitted again;
    - a levy transfer application, to the coordinators, while it waits for their decision;
    - a levy transfer application approved, to the employer, until they accept or decline the funds (or
      withdraw it).
    The subqueries are tied to the notification alone, so this works in any query or update of it."""
    from .reviews import must_sign  # reviews calls this module as signatures change: imported when used

    n = Notification

    def exists(query: sa.Select) -> sa.ColumnElement[bool]:
        return query.correlate(Notification).exists()

    entry = (sa.select(LogEntry.id).join(Apprentice, Apprentice.id == LogEntry.apprentice_id)
             .where(LogEntry.id == n.log_entry_id))
    placement = sa.select(Placement.id).where(Placement.id == n.placement_id)
    return sa.or_(
        sa.and_(n.kind == K.PLACEMENT_PROPOSED, exists(sa.select(PlacementAssignment.id).where(
            PlacementAssignment.id == n.assignment_id, PlacementAssignment.status == AssignmentStatus.PROPOSED))),
        sa.and_(n.kind.in_(TO_SIGN), exists(
            sa.select(ProgressReview.id).join(Apprentice, Apprentice.id == ProgressReview.apprentice_id)
            .join(User, User.id == n.user_id).where(ProgressReview.id == n.review_id, must_sign()))),
        sa.and_(n.kind == K.ENTRY_QUERIED, exists(entry.where(
            LogEntry.status == VerificationStatus.QUERIED, Apprentice.status.in_(ApprenticeStatus.CURRENT)))),
        sa.and_(n.kind == K.QUERY_ANSWERED, exists(entry.join(User, User.id == n.user_id).where(
            LogEntry.status == VerificationStatus.PENDING, sa.or_(
                User.role == Role.COORDINATOR,
                sa.and_(User.role == Role.MENTOR, User.mentor_id == Apprentice.mentor_id,
                        Apprentice.status.in_(ApprenticeStatus.CURRENT)))))),
        sa.and_(n.kind == K.PLACEMENT_SUBMITTED,
                exists(placement.where(Placement.status == PlacementStatus.SUBMITTED))),
        sa.and_(n.kind == K.PLACEMENT_RETURNED,
                exists(placement.where(Placement.status == PlacementStatus.RETURNED))),
        sa.and_(n.kind == K.LEVY_APPLICATION_RECEIVED, exists(sa.select(LevyApplication.id).where(
            application_occurrence(LevyApplication.id) == n.occurrence,
            LevyApplication.status == ApplicationStatus.PENDING))),
        sa.and_(n.kind == K.LEVY_APPLICATION_APPROVED, exists(sa.select(LevyApplication.id).where(
            application_occurrence(LevyApplication.id) == n.occurrence,
            LevyApplication.status == ApplicationStatus.APPROVED))),
    )


# What ends a notification still to do (`_still_to_do`), said beside it: "It goes once ...".
GOES_ONCE = {
    K.REVIEW_TO_SIGN: "you have signed the review", K.REVIEW_REOPENED: "you have signed the review",
    K.SIGNATURE_WAITING: "you have signed the review",
    K.ENTRY_QUERIED: "you have answered the query",
    K.QUERY_ANSWERED: "the entry is verified or queried again",
    K.PLACEMENT_SUBMITTED: "the placement is published or sent back",
    K.PLACEMENT_RETURNED: "you have changed the placement and submitted it again",
    K.LEVY_APPLICATION_RECEIVED: "the application is approved, rejected or withdrawn",
    K.LEVY_APPLICATION_APPROVED: "you have accepted or declined the funds",
}


# Built once: every page counts the person's notifications (the header), and building the statement and
# its cache key cost more than running it. A statement object keeps its cache key (SQLAlchemy memoizes it).
_NOT_DONE = sa.select(sa.func.count()).select_from(Notification).where(
    Notification.user_id == sa.bindparam("user_id"), Notification.done_at.is_(None))


def count_for(user: User) -> int:
    """How many of the person's notifications are not done (one statement, on the index)."""
    return db.session.scalar(_NOT_DONE, {"user_id": user.id})


def count_markable(user: User) -> int:
    """How many of the person's notifications not done they can mark done (not one still waiting
    for their answer, `_still_to_do`). One statement."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.done_at.is_(None), ~_still_to_do()))


def item_for(user: User, notification_id: int) -> Item | None:
    """One of the person's notifications as they read it; None if it is not theirs (or not there)."""
    row = db.session.execute(_item_query().where(Notification.id == notification_id,
                                                 Notification.user_id == user.id)).first()
    return describe(row) if row is not None else None


def mark_done(user: User, notification_id: int | None) -> int:
    """Mark one of the person's notifications done (all of them when None), but for those still
    waiting for their answer (`_still_to_do`). Returns how many changed."""
    where = [Notification.user_id == user.id, Notification.done_at.is_(None), ~_still_to_do()]
    if notification_id is not None:
        where.append(Notification.id == notification_id)
    return db.session.execute(sa.update(Notification).where(*where).values(done_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def frequency_for(user: User) -> EmailFrequency:
    chosen = db.session.get(NotificationPreference, user.id)
    return chosen.frequency if chosen else EmailFrequency.IMMEDIATE


def choose_frequency(user: User, frequency: EmailFrequency) -> None:
    chosen = db.session.get(NotificationPreference, user.id)
    if chosen is None:
        chosen = NotificationPreference(user_id=user.id)
        db.session.add(chosen)
    chosen.frequency = frequency
    audit.record(user, "notification_preference.changed", user, frequency=frequency.value)
    db.session.flush()

