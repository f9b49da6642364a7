"""Signing in: checking a password, and throttling guesses per account and per address."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..models import SignInFailure, User, UserSession, utcnow
from ..transactions import bookkeeping
from .passwords import password_matches
from .tokens import new_token, token_hash

FAILURE_WINDOW = timedelta(hours=1)
# Older failures are of no further use and are deleted (the privacy notice says so, from this).
FAILURES_KEPT = 24 * FAILURE_WINDOW


@dataclass(frozen=True)
class Throttle:
    per_account: int
    per_address: int
    secret: str


def account_key(email: str, secret: str) -> str:
    """A keyed hash of the email typed: counts failures without storing the address."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def is_throttled(email: str, client_address: str, throttle: Throttle, now: datetime | None = None) -> bool:
    since = (now or utcnow()) - FAILURE_WINDOW
    key = account_key(email, throttle.secret)
    by_account, by_address = db.session.execute(
        sa.select(
            sa.func.count().filter(SignInFailure.account_key == key),
            sa.func.count().filter(SignInFailure.client_address == client_address),
        ).where(SignInFailure.occurred_at >= since)
    ).one()
    return by_account >= throttle.per_account or by_address >= throttle.per_address


def record_failure(email: str, client_address: str, throttle: Throttle) -> None:
    now = utcnow()
    db.session.add(SignInFailure(account_key=account_key(email, throttle.secret),
                                 client_address=client_address, occurred_at=now))
    # Old failures are of no further use: keep the table small.
    db.session.execute(sa.delete(SignInFailure).where(SignInFailure.occurred_at < now - FAILURES_KEPT))
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (whatever the reason)."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if not password_matches(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    return user


def start_session(user: User) -> str:
    """A new server-side session for this user; returns the token for the cookie."""
    token = new_token()
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(token), created_at=now, last_seen_at=now))
    user.last_signed_in_at = now
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    db.session.flush()


def end_all_sessions(user: User) -> None:
    """Used when someone is deactivated: every browser they are signed in on is signed out."""
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


# Built once, as every signed-in request runs it (see notifications._NOT_DONE).
_LIVE_SESSION = (sa.select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
                 .where(UserSession.token_hash == sa.bindparam("token_hash"), User.id == sa.bindparam("user_id"),
                        UserSession.ended_at.is_(None)))


def live_session_user(token: str, user_id: int, absolute: timedelta, idle: timedelta) -> User | None:
    """The user of a session that is still open, not too old and not idle too long.

    Touches the session's last-seen time at most once a minute, so reading pages does not
    write to the database on every request.
    """
    now = utcnow()
    row = db.session.execute(_LIVE_SESSION, {"token_hash": token_hash(token), "user_id": user_id}).first()
    if row is None:
        return None
    user, user_session = row
    if now - user_session.created_at > absolute or now - user_session.last_seen_at > idle:
        bookkeeping(sa.update(UserSession).where(UserSession.id == user_session.id).values(ended_at=now))
        return None
    if now - user_session.last_seen_at > timedelta(minutes=1):
        bookkeeping(sa.update(UserSession).where(UserSession.id == user_session.id).values(last_seen_at=now))
        set_committed_value(user_session, "last_seen_at", now)
    return user
