"""Resetting a forgotten password with a one-time link, and changing a password when signed in.

A request gets the same answer whether or not the address has an account (the view shows it),
and the email is sent by the background worker, so the answer takes about as long either way.
A link works once, for PASSWORD_RESET_VALID_FOR (an hour), and is stored only as a hash;
asking again ends the earlier links. At most PASSWORD_RESETS_PER_ACCOUNT links an hour are
sent to one account: more requests are answered the same and send nothing. Setting a password
either way ends the account's other sessions and tells its owner by email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..email import send
from ..extensions import db
from ..models import PasswordReset, User, UserSession, utcnow
from ..permissions import may_sign_in
from ..templating import format_datetime
from . import audit
from .passwords import hash_password
from .tokens import new_token, token_hash

COUNTED_OVER = timedelta(hours=1)


def request_reset(email: str, *, link: Callable[[str], str], valid_for: timedelta, per_hour: int,
                  access_after_end: timedelta, now: datetime | None = None) -> None:
    """Email a reset link if `email` belongs to an account that may sign in; otherwise do nothing."""
    now = now or utcnow()
    token = new_token()  # made either way: the same work whether or not the account exists
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not may_sign_in(user, date.today(), access_after_end):
        return
    recent = db.session.scalar(sa.select(sa.func.count()).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > now - COUNTED_OVER))
    if recent >= per_hour:
        return
    _end_links(user, now)
    db.session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now,
                                 expires_at=now + valid_for))
    # Rows older than the count needs, used or not, are of no further use.
    db.session.execute(sa.delete(PasswordReset).where(PasswordReset.user_id == user.id,
                                                      PasswordReset.created_at < now - COUNTED_OVER))
    send("password_reset", user.email, {"name": user.name, "link": link(token)})
    audit.record(None, "user.password_reset_requested", user)
    db.session.flush()


def reset_for(token: str, *, now: datetime | None = None) -> PasswordReset | None:
    """The unused, unexpired reset this link belongs to, for an active account; else None."""
    now = now or utcnow()
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= now or not reset.user.active:
        return None
    return reset


def reset_password(reset: PasswordReset, password: str) -> None:
    """Set the new password, spend the link (and any other), and sign the account out everywhere."""
    user, now = reset.user, utcnow()
    reset.used_at = now
    # The link proved the address, as accepting an invitation would: an old invitation is spent.
    user.invite_token_hash = None
    user.invite_expires_at = None
    _set(user, password, keep_session=None)
    audit.record(user, "user.password_reset", user)
    db.session.flush()


def change_password(user: User, password: str, *, keep_session: str | None) -> None:
    """A signed-in person's new password: their other sessions end, this one (its token) stays."""
    _set(user, password, keep_session=keep_session)
    audit.record(user, "user.password_changed", user)
    db.session.flush()


def _set(user: User, password: str, *, keep_session: str | None) -> None:
    now = utcnow()
    user.password_hash = hash_password(password)
    _end_links(user, now)  # a link asked for before the change no longer works
    ended = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_session:
        ended = ended.where(UserSession.token_hash != token_hash(keep_session))
    db.session.execute(ended.values(ended_at=now))
    send("password_changed", user.email, {"name": user.name, "changed": format_datetime(now)})


def _end_links(user: User, now: datetime) -> None:
    db.session.execute(
        sa.update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )
