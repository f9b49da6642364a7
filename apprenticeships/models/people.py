"""People who sign in, their sessions, and mentors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import Choice, UTCDateTime, choice_type, utcnow

if TYPE_CHECKING:
    from .cohorts import Apprentice
    from .employers import EmployerPartner


class Role(Choice):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    EMPLOYER = "employer"
    APPRENTICE = "apprentice"

    @property
    def label(self) -> str:
        return {"coordinator": "Programme coordinator", "employer": "Employer partner"}.get(
            self.value, self.value.capitalize()
        )


class Mentor(db.Model):
    """A council colleague who supports a few apprentices."""

    __tablename__ = "mentors"
    __table_args__ = (sa.CheckConstraint("capacity BETWEEN 0 AND 50", name="capacity_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    team: Mapped[str | None] = mapped_column(sa.String(120))
    capacity: Mapped[int] = mapped_column(default=4)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentees: Mapped[list[Apprentice]] = relationship(back_populates="mentor")


class User(UserMixin, db.Model):
    """Someone who signs in. Each role is tied to the record it acts for."""

    __tablename__ = "users"
    __table_args__ = (
        # An employer user acts for exactly one employer partner; an apprentice user is one
        # apprentice; a mentor user is one mentor record. Coordinators are tied to none.
        sa.CheckConstraint(
            "(role = 'employer') = (employer_id IS NOT NULL)", name="employer_link"
        ),
        sa.CheckConstraint(
            "(role = 'apprentice') = (apprentice_id IS NOT NULL)", name="apprentice_link"
        ),
        sa.CheckConstraint("(role = 'mentor') = (mentor_id IS NOT NULL)", name="mentor_link"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        {"sqlite_autoincrement": True},  # an id is never given again (migration 0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(choice_type(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    employer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employer_partners.id"), index=True)
    apprentice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apprentices.id"), unique=True)
    mentor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mentors.id"), unique=True)
    # One-time invitation: only a hash is stored, so a database leak does not leak links.
    invite_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor sign-in (services/two_factor.py): the authenticator's secret, kept from set-up;
    # two-factor sign-in is on once a code from it was confirmed (`two_factor_on_at`).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(32))
    two_factor_on_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second step of the last code accepted: a code (or an older one) never works twice.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Demo accounts, shared by everyone trying the demo under a published password: never asked
    # to set up two-factor sign-in, and cannot turn it on (one visitor would lock out the rest).
    two_factor_exempt: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    employer: Mapped[EmployerPartner | None] = relationship(foreign_keys=[employer_id])
    apprentice: Mapped[Apprentice | None] = relationship(foreign_keys=[apprentice_id])
    mentor: Mapped[Mentor | None] = relationship(foreign_keys=[mentor_id])

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def two_factor_on(self) -> bool:
        return self.two_factor_on_at is not None


class RecoveryCode(db.Model):
    """One of the ten single-use codes for signing in without the authenticator, stored as a hash.

    A code is spent by a conditional UPDATE (`used_at` set only where it is still empty), so two
    requests racing with the same code cannot both sign in. Rows go with their user.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(db.Model):
    """A signed-in session, kept on the server so that signing out ends it for good."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignInFailure(db.Model):
    """A failed sign-in, counted to slow down password guessing.

    The account is stored as a keyed hash of the email typed, so the table never holds
    addresses of people who have no account.
    """

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_address: Mapped[str] = mapped_column(sa.String(64), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
