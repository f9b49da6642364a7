"""Emails with a problem: failed for good, or failed at least once and waiting to be tried again.

The same condition gives the count on the coordinator's pages and the rows of /emails/problems.
A problem is worded by its kind (backends.problem_kind) for a coordinator; the reason the mail
service gave stays for an administrator, under "Technical details".
"""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from .backends import problem_kind

# Sent messages have no last_error; a queued or sending one with a last_error has failed before.
HAS_PROBLEM = sa.and_(
    OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.FAILED)),
    OutboxMessage.last_error.is_not(None),
)

_CAUSES = {
    "unreachable": "We could not reach the mail server.",
    "address": "The email address may be wrong, or the mailbox may not accept email.",
    "sign_in": "The mail server refused our sign-in: check SMTP_USERNAME and SMTP_PASSWORD.",
    "notify_key": "GOV.UK Notify refused our API key: check NOTIFY_API_KEY.",
    "other": "The mail service would not send it.",
}
TRIED_AGAIN = " It will be tried again automatically."


# Built once (services.pagination.Listing says why).
_COUNT = sa.select(sa.func.count()).select_from(OutboxMessage).where(HAS_PROBLEM)


def count() -> int:
    """How many emails have a problem (one statement)."""
    return db.session.scalar(_COUNT)


def still_trying(message: OutboxMessage) -> bool:
    return message.status != OutboxStatus.FAILED


def cause(message: OutboxMessage) -> str:
    """The problem in plain words, and whether the service is still trying."""
    text = _CAUSES[problem_kind(message.last_error)]
    return text + TRIED_AGAIN if still_trying(message) else text
