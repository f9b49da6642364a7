"""User accounts: invitations with a one-time link, activation and deactivation."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..email import send
from ..extensions import db
from ..models import Apprentice, EmployerPartner, Mentor, OutboxMessage, Role, User, utcnow
from ..templating import format_date, with_article
from . import audit
from .passwords import hash_password
from .sign_in import end_all_sessions
from .tokens import new_token, token_hash

DEFAULT_MENTOR_CAPACITY = 4


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(User.email == email.strip().lower())) > 0


def _new_user(name: str, email: str, role: Role, *, employer: EmployerPartner | None,
              apprentice: Apprentice | None, mentor: Mentor | None) -> User:
    email = email.strip().lower()
    if role == Role.MENTOR and mentor is None:
        # A mentor who signs in needs a mentor record to hold their caseload.
        mentor = Mentor(name=name, email=email, capacity=DEFAULT_MENTOR_CAPACITY)
        db.session.add(mentor)
    user = User(
        name=name.strip(),
        email=email,
        role=role,
        employer=employer if role == Role.EMPLOYER else None,
        apprentice=apprentice if role == Role.APPRENTICE else None,
        mentor=mentor if role == Role.MENTOR else None,
    )
    db.session.add(user)
    return user


def invite(actor: User, name: str, email: str, role: Role, *, employer: EmployerPartner | None = None,
           apprentice: Apprentice | None = None, mentor: Mentor | None = None,
           valid_for: timedelta = timedelta(days=7)) -> tuple[User, str]:
    """Create the account and a one-time link for setting its password. Returns the token."""
    user = _new_user(name, email, role, employer=employer, apprentice=apprentice, mentor=mentor)
    user.invited_by_id = actor.id
    token = _issue_invite(user, valid_for)
    audit.record(actor, "user.invited", user, role=role.value)
    db.session.flush()
    return user, token


def reissue_invite(actor: User, user: User, valid_for: timedelta = timedelta(days=7)) -> str:
    """A fresh link (the old one stops working), e.g. when the first one expired or was lost."""
    token = _issue_invite(user, valid_for)
    audit.record(actor, "user.invite_reissued", user)
    db.session.flush()
    return token


def _issue_invite(user: User, valid_for: timedelta) -> str:
    token = new_token()
    user.invite_token_hash = token_hash(token)
    user.invite_expires_at = utcnow() + valid_for
    return token


def email_invitation(user: User, link: str) -> None:
    """Email the invitation link just made (queued with the invitation: it goes once that is saved)."""
    send("invitation", user.email, {"name": user.name, "role": with_article(user.role.label.lower()), "link": link,
                                    "expires": format_date(user.invite_expires_at)})


def invitation_email(user: User) -> OutboxMessage | None:
    """The latest invitation email to this person while they have no password or an open invitation
    (sent, waiting, or failed), or None."""
    if user.has_password and user.invite_expires_at is None:
        return None
    return db.session.scalar(
        sa.select(OutboxMessage)
        .where(OutboxMessage.template == "invitation", OutboxMessage.recipient == user.email)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


def user_for_invite(token: str) -> User | None:
    """The active user this unexpired invite link belongs to, or None."""
    user = db.session.scalar(sa.select(User).where(User.invite_token_hash == token_hash(token)))
    if user is None or not user.active or user.invite_expires_at is None or user.invite_expires_at < utcnow():
        return None
    return user


def accept_invite(user: User, password: str) -> None:
    """Set the password and spend the link, so it cannot be used twice."""
    user.password_hash = hash_password(password)
    user.invite_token_hash = None
    user.invite_expires_at = None
    audit.record(user, "user.password_set", user)
    db.session.flush()


def deactivate(actor: User, user: User) -> None:
    user.active = False
    user.deactivated_at = utcnow()
    user.invite_token_hash = None
    user.invite_expires_at = None
    end_all_sessions(user)
    audit.record(actor, "user.deactivated", user)
    db.session.flush()


def reactivate(actor: User, user: User) -> None:
    user.active = True
    user.deactivated_at = None
    audit.record(actor, "user.reactivated", user)
    db.session.flush()


def create_with_password(name: str, email: str, role: Role, password: str, *,
                         employer: EmployerPartner | None = None, apprentice: Apprentice | None = None,
                         mentor: Mentor | None = None) -> User:
    """For the command line and the demo: an account that can sign in straight away."""
    user = _new_user(name, email, role, employer=employer, apprentice=apprentice, mentor=mentor)
    user.password_hash = hash_password(password)
    db.session.flush()
    audit.record(None, "user.created", user, role=role.value)
    return user
