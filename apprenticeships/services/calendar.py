"""A personal calendar feed (iCalendar) of upcoming progress reviews, behind a secret link."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import Apprentice, ApprenticeStatus, Cohort, ProgressReview, User, utcnow
from . import audit
from .tokens import new_token, token_hash

HORIZON = timedelta(days=366)


def reset_token(user: User) -> str:
    """A new secret for the user's feed; the old link stops working at once."""
    token = new_token()
    user.calendar_token_hash = token_hash(token)
    audit.record(user, "user.calendar_link_reset", user)
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == token_hash(token)))
    return user if user is not None and user.active else None


def upcoming(scope: sa.ColumnElement[bool], today: date) -> list[tuple[int, date, str]]:
    """(review id, date, apprentice's name) for reviews not yet held, from a month back to a year ahead."""
    return [tuple(r) for r in db.session.execute(
        sa.select(ProgressReview.id, ProgressReview.scheduled_date, Apprentice.first_name + " " + Apprentice.last_name)
        .join(Apprentice).join(Cohort)
        .where(scope, Cohort.archived_at.is_(None), ProgressReview.held_date.is_(None),
               Apprentice.status.in_(ApprenticeStatus.CURRENT),
               ProgressReview.scheduled_date >= today - timedelta(days=31),
               ProgressReview.scheduled_date <= today + HORIZON)
        .order_by(ProgressReview.scheduled_date))]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " "
        current += char
    return "\r\n".join(out + [current])


def ics(events: list[tuple[int, date, str]], host: str, organisation: str, link_for) -> str:
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_escape(organisation)}//Apprenticeships//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape('Progress reviews')}"]
    for review_id, day, name in events:
        lines += ["BEGIN:VEVENT", f"UID:review-{review_id}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(f'Progress review due: {name}')}",
                  f"DESCRIPTION:{_escape(link_for(review_id))}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
