"""Two-factor sign-in: a code from an authenticator app, or one of ten single-use recovery codes.

Codes are time-based one-time passwords (RFC 6238: six digits, a new one every 30 seconds), made
by any authenticator app from a secret the person scans as a QR code at set-up. Two-factor
sign-in comes on only once they type a code from it, so a mistyped secret cannot lock them out.

A code is accepted for the step before and after the current one too (a phone's clock may be a
little out), but never twice: the step of the last code accepted is kept, and a code is taken
only by an UPDATE that moves it forward, so two requests racing with one code cannot both pass.

Recovery codes are stored as SHA-256 hashes, as invitation and reset links are (each has about
79 random bits, so a hash cannot be reversed by trying them all). A code is spent by an UPDATE
that sets `used_at` only where it is still empty: used once, it never works again.

Coordinators must use it when TWO_FACTOR_REQUIRED_FOR_COORDINATORS is on, except the demo
accounts (`User.two_factor_exempt`): everyone trying the demo shares them under a published
password, so they are never asked to set it up and cannot turn it on (one visitor's phone would
lock every other visitor out).
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime
from enum import Enum

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value

from ..email import send
from ..extensions import db
from ..models import RecoveryCode, Role, User, utcnow
from ..templating import format_datetime
from . import audit
from .errors import ServiceError
from .tokens import token_hash

STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# 31 letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i); 16 of them.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 16
_TOTP = re.compile(r"[0-9]{6}")
_SEPARATORS = re.compile(r"[\s-]+")
DEMO_ACCOUNT = ("Two-factor sign-in cannot be turned on for a demo account: everyone trying the demo "
                "shares it")


class Used(Enum):
    """Which kind of code passed the second step."""

    AUTHENTICATOR = "authenticator"
    RECOVERY_CODE = "recovery_code"


def required(user: User, required_for_coordinators: bool) -> bool:
    """Whether this person must use two-factor sign-in."""
    return required_for_coordinators and user.role == Role.COORDINATOR and not user.two_factor_exempt


def must_set_up(user: User, required_for_coordinators: bool) -> bool:
    return required(user, required_for_coordinators) and not user.two_factor_on


# Setting up -------------------------------------------------------------------------------


def start_set_up(user: User) -> None:
    """A new secret for the person's authenticator; two-factor sign-in stays off until a code is confirmed."""
    if user.two_factor_exempt:
        raise ServiceError(DEMO_ACCOUNT)
    if user.two_factor_on:
        raise ServiceError("Two-factor sign-in is already on")
    user.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
    user.totp_last_step = None
    db.session.flush()


def set_up_started(user: User) -> bool:
    return user.totp_secret is not None and not user.two_factor_on


def provisioning_uri(user: User, issuer: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_code_svg(uri: str) -> Markup:
    """The QR code of `uri`, as an SVG image to put in the page (no script, no inline style)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#0b0c0c", light="#ffffff",
                                                title="QR code for your authenticator app")
    return Markup(svg.replace("<svg ", '<svg role="img" class="app-qr-code" ', 1))


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def confirm_set_up(user: User, code: str, now: datetime | None = None) -> list[str] | None:
    """Turn two-factor sign-in on if `code` is right; returns the recovery codes (shown once), else None."""
    if user.two_factor_exempt:
        raise ServiceError(DEMO_ACCOUNT)
    if not set_up_started(user):
        raise ServiceError("Start setting up two-factor sign-in again")
    now = now or utcnow()
    if not _take_authenticator_code(user, code, now):
        return None
    user.two_factor_on_at = now
    codes = _replace_recovery_codes(user, now)
    audit.record(user, "user.two_factor_turned_on", user)
    db.session.flush()
    return codes


def turn_off(user: User, actor: User | None) -> None:
    """Forget the authenticator and the recovery codes: the person themselves, or for someone who
    lost both their phone and their codes, a coordinator, or an operator's command (no actor)."""
    if not user.two_factor_on:
        raise ServiceError("Two-factor sign-in is already off")
    user.totp_secret = None
    user.two_factor_on_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(actor, "user.two_factor_turned_off", user)
    # Always told: if it was not them (or not at their request), they must act at once.
    send("two_factor_turned_off", user.email, {"name": user.name, "changed": format_datetime(utcnow()),
                                                "by": "you" if actor is user else "your programme coordinator"
                                                if actor is not None else "the service's administrator"})
    db.session.flush()


def new_recovery_codes(user: User, now: datetime | None = None) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    if not user.two_factor_on:
        raise ServiceError("Two-factor sign-in is off, so there are no recovery codes to replace")
    codes = _replace_recovery_codes(user, now or utcnow())
    audit.record(user, "user.recovery_codes_replaced", user)
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# Signing in -------------------------------------------------------------------------------


def check_code(user: User, code: str, now: datetime | None = None) -> Used | None:
    """The second step: a code from the authenticator, or an unused recovery code; None if neither."""
    if not user.two_factor_on:
        return None
    now = now or utcnow()
    typed = _SEPARATORS.sub("", code or "").lower()
    if _TOTP.fullmatch(typed):
        return Used.AUTHENTICATOR if _take_authenticator_code(user, typed, now) else None
    if len(typed) == RECOVERY_LENGTH and all(c in RECOVERY_ALPHABET for c in typed):
        spent = db.session.execute(
            sa.update(RecoveryCode)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == token_hash(typed),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount == 1:
            audit.record(user, "user.recovery_code_used", user)
            db.session.flush()
            return Used.RECOVERY_CODE
    return None


def _take_authenticator_code(user: User, code: str, now: datetime) -> bool:
    """Accept a code for the current step or the one either side of it, once, and only moving forward."""
    code = _SEPARATORS.sub("", code or "")
    if not _TOTP.fullmatch(code) or not user.totp_secret:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = int(now.timestamp()) // STEP_SECONDS
    step = next((s for s in (current - 1, current, current + 1)
                 if hmac.compare_digest(totp.generate_otp(s), code)), None)
    if step is None:
        return False
    moved = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.totp_secret == user.totp_secret,
               sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)  # what the UPDATE wrote: nothing more to save
    return True


def _replace_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=token_hash(code), created_at=now) for code in codes)
    return [format_recovery_code(code) for code in codes]


def format_recovery_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
