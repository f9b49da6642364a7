"""A personal calendar feed (iCalendar) of upcoming progress reviews, behind a secret link.

Each apprentice the person sees has one event: their next review, on the day it is booked for
(the meeting), or, when none is booked, on the day it is due (the one rule, services/progress.py).
The description says when it is due, and whether it is booked for after that.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import User, utcnow
from . import audit
from .progress import NextReview, progress_subquery
from .reviews import DueReview, due_reviews
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


def upcoming(scope: sa.ColumnElement[bool], today: date) -> list[DueReview]:
    """The next review of each apprentice in scope whose event (the day booked, or else the day due)
    falls from a month back to a year ahead, soonest due first."""
    p = progress_subquery(today).c
    day = sa.func.coalesce(p.review_scheduled_date, p.review_due_date)
    return due_reviews(scope, today, day >= today - timedelta(days=31), day <= today + HORIZON, limit=None).items


def event_day(review: NextReview) -> date:
    """The day the event is on: the meeting booked, or the day it is due when none is."""
    return review.scheduled or review.due


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _summary(name: str, review: NextReview) -> str:
    if review.scheduled:
        return f"Progress review: {name}"
    return f"Progress review {'overdue' if review.overdue else 'due'}: {name}"


def _description(review: NextReview) -> str:
    """The same facts as the pages give, in words."""
    words = [f"{'Was' if review.passed else 'Is'} due by {_long_date(review.due)}."]
    if review.overdue:
        words.append("Overdue.")
    if review.scheduled_late:
        words.append("Booked after it is due.")
    if review.scheduled_passed:
        words.append("Not recorded as held yet.")
    if review.on_break:
        words.append("On a break in learning.")
    return " ".join(words)


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


def ics(events: list[DueReview], host: str, organisation: str, link_for) -> str:
    """The feed; `link_for(review_id)` is the address of a review's page."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_escape(organisation)}//Apprenticeships//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape('Progress reviews')}"]
    for event in events:
        day = event_day(event.next)
        # One event per apprentice's next review: it keeps its identity while the dates move.
        uid = f"review-{event.review_id}" if event.review_id else f"apprentice-{event.apprentice_id}-next-review"
        link = f"\n{link_for(event.review_id)}" if event.review_id else ""
        lines += ["BEGIN:VEVENT", f"UID:{uid}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_escape(_summary(event.name, event.next))}",
                  f"DESCRIPTION:{_escape(_description(event.next) + link)}", "TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
