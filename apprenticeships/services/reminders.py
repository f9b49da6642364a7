"""The daily reminders, each made once per occurrence, and the daily email that lists what waits.

`run(today)` is the whole daily job (the worker runs it each morning; `flask --app app
reminders --date 2026-03-02` runs it by hand, and tests set the day). It makes, with one
INSERT ... SELECT each, whatever the number of apprentices:

- a review due within REVIEW_DUE_AHEAD, or overdue (both by the one rule of when a review is due,
  services/progress.py), to the apprentice, their mentor and the coordinators; once per due date;
- a review held and waiting more than SIGNATURE_REMINDER_DAYS for a signature, to each person
  who must still sign it (the rule of reviews.must_sign, for everyone at once); once per
  review and reopening;
- nothing logged for 4 weeks, and off-the-job hours behind, to the apprentice and their mentor:
  the dashboard's at-risk conditions (progress.risk_conditions), for apprentices in learning (not
  on a break) and before gateway. Nothing logged: once per last day logged. Hours behind: at
  most once a calendar month while behind;
- a share link that stops working within LINK_EXPIRY_AHEAD, to the coordinator who made it;
  once per link and expiry date: a cohort's summary's, and the summary of levy transfers' (the same
  kind; its occurrence names the link, notifications.transfer_link_occurrence);
- records past their retention period, to the coordinators, to review and anonymise; once per list
  (services/retention.py, which anonymises nothing on its own). Audit events past the audit log's
  retention period are deleted.
- the levy's expired funds for every month that has passed, worked out first in, first out
  (services/levy_ledger.py's write_expiries: the same rows whenever it runs).

Each carries an `occurrence` naming it, and the database keeps one per person, kind and
occurrence: running the job again, the next day or twice at once, makes nothing new. Then the
daily email goes to everyone who chose it (notifications.send_digests).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..models import (
    Apprentice,
    ApprenticeStatus,
    Cohort,
    NotificationKind,
    ProgrammeSettings,
    ProgressReview,
    ReviewReopening,
    Role,
    ShareLink,
    TransferShareLink,
    User,
)
from . import levy_ledger, notifications, retention
from .progress import progress_subquery, review_overdue_condition, risk_conditions
from .reviews import must_sign

K = NotificationKind
REVIEW_DUE_AHEAD = timedelta(days=7)
LINK_EXPIRY_AHEAD = timedelta(days=7)


def _text(value: sa.ColumnElement) -> sa.ColumnElement:
    return sa.cast(value, sa.String)


def _key(*parts: sa.ColumnElement | str) -> sa.ColumnElement:
    """An occurrence: its parts joined by ':' ("42:2026-03-01")."""
    key = None
    for part in parts:
        text = sa.literal(part, sa.String) if isinstance(part, str) else _text(part)
        key = text if key is None else key + sa.literal(":", sa.String) + text
    return key


def _select(who: sa.ColumnElement[bool], start, *where, **about) -> sa.Select:
    """A SELECT for notifications.insert: active users meeting `who`, for each row of `start`."""
    return (sa.select(User.id.label("user_id"), *notifications.columns(**about))
            .select_from(start).join(User, sa.and_(User.active.is_(True), who)).where(*where))


def _apprentices(today: date) -> tuple[sa.Subquery, sa.Join, list[sa.ColumnElement[bool]]]:
    """Apprentices in current cohorts, in learning (not on a break) and before gateway, with their progress:
    the subquery, the FROM and the conditions."""
    progress = progress_subquery(today)
    start = (sa.join(Apprentice, Cohort, Cohort.id == Apprentice.cohort_id)
             .join(progress, progress.c.apprentice_id == Apprentice.id))
    return progress, start, [Cohort.archived_at.is_(None), Apprentice.status == ApprenticeStatus.ACTIVE,
                             Apprentice.gateway_date.is_(None)]


def _their(apprentice_id, mentor_id, *, coordinators: bool) -> sa.ColumnElement[bool]:
    """The apprentice themself, their mentor, and (if asked) the coordinators."""
    who = [sa.and_(User.role == Role.APPRENTICE, User.apprentice_id == apprentice_id),
           sa.and_(User.role == Role.MENTOR, User.mentor_id == mentor_id)]
    if coordinators:
        who.append(User.role == Role.COORDINATOR)
    return sa.or_(*who)


def review_reminders(today: date) -> sa.Select:
    progress, start, learning = _apprentices(today)
    due = progress.c.review_due_date
    overdue = review_overdue_condition(progress, today)
    soon = sa.and_(due >= today, due <= today + REVIEW_DUE_AHEAD)
    return _select(_their(Apprentice.id, Apprentice.mentor_id, coordinators=True), start,
                   *learning, sa.or_(overdue, soon),
                   kind=sa.case((overdue, K.REVIEW_OVERDUE.value), else_=K.REVIEW_DUE_SOON.value),
                   occurrence=_key(Apprentice.id, due), apprentice_id=Apprentice.id, on_date=due)


def _at_risk(today: date, settings: ProgrammeSettings):
    progress, start, learning = _apprentices(today)
    return progress, start, learning, risk_conditions(progress, today, settings)


def nothing_logged_reminders(today: date, settings: ProgrammeSettings) -> sa.Select:
    progress, start, learning, risk = _at_risk(today, settings)
    since = sa.func.coalesce(progress.c.last_log_date, Apprentice.start_date)
    return _select(_their(Apprentice.id, Apprentice.mentor_id, coordinators=False), start,
                   *learning, risk.nothing_logged, kind=K.NOTHING_LOGGED, occurrence=_key(Apprentice.id, since),
                   apprentice_id=Apprentice.id, on_date=since)


def hours_behind_reminders(today: date, settings: ProgrammeSettings) -> sa.Select:
    progress, start, learning, risk = _at_risk(today, settings)
    return _select(_their(Apprentice.id, Apprentice.mentor_id, coordinators=False), start,
                   *learning, risk.otj_behind, kind=K.HOURS_BEHIND, occurrence=_key(Apprentice.id, f"{today:%Y-%m}"),
                   apprentice_id=Apprentice.id)


def signature_reminders(today: date, waiting_days: int) -> sa.Select:
    """Who must still sign each review held (or reopened) more than `waiting_days` ago: the rule of
    reviews.must_sign, for every person at once."""
    reopened = sa.select(sa.func.max(ReviewReopening.reopened_at)).where(
        ReviewReopening.review_id == ProgressReview.id).scalar_subquery()
    reopenings = sa.select(sa.func.count()).where(ReviewReopening.review_id == ProgressReview.id).scalar_subquery()
    since = sa.func.coalesce(sa.func.date(reopened, type_=sa.Date), ProgressReview.held_date)
    start = (sa.join(ProgressReview, Apprentice, Apprentice.id == ProgressReview.apprentice_id)
             .join(Cohort, Cohort.id == Apprentice.cohort_id))
    return _select(must_sign(), start, Cohort.archived_at.is_(None), since <= today - timedelta(days=waiting_days),
                   kind=K.SIGNATURE_WAITING, occurrence=_key(ProgressReview.id, reopenings),
                   apprentice_id=ProgressReview.apprentice_id, review_id=ProgressReview.id)


def share_link_reminders(today: date) -> sa.Select:
    return _select(sa.and_(User.id == ShareLink.created_by_id, User.role == Role.COORDINATOR), ShareLink,
                   ShareLink.revoked_at.is_(None), ShareLink.expires_on >= today,
                   ShareLink.expires_on <= today + LINK_EXPIRY_AHEAD,
                   kind=K.SHARE_LINK_EXPIRING, occurrence=_key(ShareLink.id, ShareLink.expires_on),
                   share_link_id=ShareLink.id, on_date=ShareLink.expires_on)


def transfer_link_reminders(today: date) -> sa.Select:
    """A share link to the summary of levy transfers about to stop working: as `share_link_reminders`."""
    link = TransferShareLink
    return _select(sa.and_(User.id == link.created_by_id, User.role == Role.COORDINATOR), link,
                   link.revoked_at.is_(None), link.expires_on >= today, link.expires_on <= today + LINK_EXPIRY_AHEAD,
                   kind=K.SHARE_LINK_EXPIRING, on_date=link.expires_on,
                   occurrence=notifications.transfer_link_occurrence(link.id, link.expires_on))


def run(today: date, *, now: datetime | None = None) -> dict[str, int]:
    """The daily job for `today`: make the reminders due (each once), then send the daily emails.
    Returns how many of each were made, and how many daily emails were queued. The caller commits."""
    settings = ProgrammeSettings.current()
    made = {
        "reviews": review_reminders(today),
        "signatures": signature_reminders(today, current_app.config["SIGNATURE_REMINDER_DAYS"]),
        "nothing_logged": nothing_logged_reminders(today, settings),
        "hours_behind": hours_behind_reminders(today, settings),
        "share_links": share_link_reminders(today),
        "transfer_share_links": transfer_link_reminders(today),
    }
    counts = {name: len(notifications.insert(select, now=now)) for name, select in made.items()}
    notifications.reminders_replace_signing_notices()
    counts["retention"] = retention.notify_due(today, now=now)
    counts["audit_events_deleted"] = retention.purge_audit_events(today)
    counts["levy_expiries"] = levy_ledger.write_expiries(today)  # the months that have passed (levy_ledger.py)
    counts["daily_emails"] = notifications.send_digests(now=now)
    return counts
