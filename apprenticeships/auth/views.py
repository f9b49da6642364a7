"""Sign in, sign out, and accepting an invitation."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from ..email import mailbox_enabled
from ..extensions import db, limiter
from ..home import home_url
from ..models import ProgrammeSettings, Role
from ..permissions import access_ends_on, may_sign_in, public, roles
from ..security import no_referrer
from ..services import accounts, password_resets
from ..services.passwords import password_matches
from ..services.sign_in import authenticate, end_session, is_throttled, record_failure
from ..templating import format_date
from . import SESSION_TOKEN_KEY, bp
from . import throttle as _throttle
from .forms import ChangePasswordForm, ForgottenPasswordForm, ResetPasswordForm, SetPasswordForm, SignInForm
from .two_factor import after_password

DEMO_PASSWORD = "demo-password-2026"
DEMO_SIGN_INS = ("coordinator@example.org", "mentor@example.org", "employer@example.org", "apprentice@example.org")
WRONG_DETAILS = "Enter a correct email address and password"
TOO_MANY = "You have tried to sign in too many times. Wait an hour, then try again"
TOO_MANY_TRIES = "You have entered a wrong password too many times. Wait an hour, then try again"
ACCESS_ENDED = ("Your apprenticeship has ended and your access to this service ended{when}. "
                "Contact your programme coordinator if you need a copy of your record")




def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone off to another host after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
@public
def sign_in():
    """Sign in with an email address and password (then a code, when two-factor sign-in is on)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = SignInForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if is_throttled(form.email.data, address, _throttle()):
            form.email.errors.append(TOO_MANY)
        else:
            user = authenticate(form.email.data, form.password.data)
            after_end = current_app.config["APPRENTICE_ACCESS_AFTER_END"]
            if user is None:
                record_failure(form.email.data, address, _throttle())
                form.email.errors.append(WRONG_DETAILS)
            elif not may_sign_in(user, date.today(), after_end):
                ended = access_ends_on(user, after_end)
                form.email.errors.append(ACCESS_ENDED.format(
                    when=f" on {format_date(ended)}" if ended else ""))
            else:  # signed in now, or after a code from their authenticator app
                return after_password(user, _safe_next(request.args.get("next")))
    demo = db.session.get(ProgrammeSettings, 1)
    show_demo = demo is not None and demo.demo_loaded_at is not None
    return render_template(
        "auth/sign_in.html", form=form, demo_sign_ins=DEMO_SIGN_INS if show_demo else (),
        demo_password=DEMO_PASSWORD,
        mailbox=mailbox_enabled(current_app) and current_app.config["EMAIL_BACKEND"] == "log",
    )


@bp.route("/sign-out", methods=["GET", "POST"])
@public
def sign_out():
    """Sign out: the session ends on the server too, so an old cookie is worth nothing.

    Only a POST with the CSRF token (the header's button) signs out, so no other site can sign
    anyone out. An old link or bookmark (a GET) shows a page with the button instead.
    """
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in"), code=303)
        return render_template("confirm_page.html", title="Sign out?", confirm="Sign out", warning=False,
                               cancel="No, go back", back=url_for("home.index"),
                               explanation=["You will need your email address and password to sign in again."])
    end_session(session.get(SESSION_TOKEN_KEY))
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.sign_in"), code=303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
@public
def accept_invite(token: str):
    """Set a password from a one-time invitation link."""
    user = accounts.user_for_invite(token)
    if user is None:  # never made, used, or run out: the same page, so it never tells which
        return render_template("auth/invite_link_expired.html"), 404
    form = SetPasswordForm(personal=(user.email, user.name))
    if form.validate_on_submit():
        accounts.accept_invite(user, form.password.data)
        if current_user.is_authenticated:
            end_session(session.get(SESSION_TOKEN_KEY))
            logout_user()
        # They have just proved they hold the link and chose a password: signed in straight away
        # (through the second step, for an account that has one).
        response = after_password(user, None)
        flash("Your password is saved and you are signed in.", "success")
        return response
    return render_template("auth/set_password.html", form=form, invited=user)


def _public_url(endpoint: str, **values) -> str:
    """An address for an email: on PUBLIC_BASE_URL when set, else on the address this request came to."""
    base = current_app.config["PUBLIC_BASE_URL"]
    return base + url_for(endpoint, **values) if base else url_for(endpoint, **values, _external=True)


def _sign_out_here() -> None:
    if current_user.is_authenticated:
        end_session(session.get(SESSION_TOKEN_KEY))
        logout_user()
        session.clear()


@bp.route("/password/forgotten", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
@public
def forgotten_password():
    """Ask for a link to reset a forgotten password. The answer is the same whether or not the account exists."""
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        config = current_app.config
        password_resets.request_reset(
            form.email.data, link=lambda token: _public_url("auth.reset_password", token=token),
            valid_for=config["PASSWORD_RESET_VALID_FOR"], per_hour=config["PASSWORD_RESETS_PER_ACCOUNT"],
            access_after_end=config["APPRENTICE_ACCESS_AFTER_END"])
        return redirect(url_for("auth.reset_link_sent"), code=303)
    return render_template("auth/forgotten_password.html", form=form)


@bp.get("/password/check-your-email")
@public
def reset_link_sent():
    """What happens next, after asking for a reset link (the same page whatever was typed)."""
    return render_template("auth/reset_link_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("30/minute")
@no_referrer
@public
def reset_password(token: str):
    """Choose a new password from a one-time link; every session of the account ends."""
    reset = password_resets.reset_for(token)
    if reset is None:
        return render_template("auth/reset_link_expired.html"), 404
    user = reset.user
    form = ResetPasswordForm(personal=(user.email, user.name))
    if form.validate_on_submit():
        password_resets.reset_password(reset, form.password.data)
        _sign_out_here()
        flash("Your password has been reset. Sign in with your email address and new password.", "success")
        return redirect(url_for("auth.sign_in"), code=303)
    return render_template("auth/reset_password.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.MENTOR, Role.EMPLOYER, Role.APPRENTICE)
def change_password():
    """Change your password: the current one, then the new one twice. Other sessions end; this one stays."""
    form = ChangePasswordForm(personal=(current_user.email, current_user.name))
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if is_throttled(current_user.email, address, _throttle()):
            form.current.errors.append(TOO_MANY_TRIES)
        elif not password_matches(current_user.password_hash, form.current.data):
            record_failure(current_user.email, address, _throttle())  # a guess at the password, as at sign-in
            form.current.errors.append("Enter your current password correctly")
        elif password_matches(current_user.password_hash, form.password.data):
            form.password.errors.append("Your new password must be different from your current password")
        else:
            password_resets.change_password(current_user, form.password.data,
                                             keep_session=session.get(SESSION_TOKEN_KEY))
            flash("Your password has been changed. You have been signed out on any other devices.", "success")
            return redirect(home_url(current_user), code=303)
    return render_template("auth/change_password.html", form=form)
