"""Sign in, sign out, and accepting an invitation."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..home import home_url
from ..models import ProgrammeSettings
from ..permissions import access_ends_on, may_sign_in, public
from ..services import accounts
from ..services.sign_in import Throttle, authenticate, end_session, is_throttled, record_failure, start_session
from ..templating import format_date
from . import SESSION_TOKEN_KEY, bp
from .forms import SetPasswordForm, SignInForm

DEMO_PASSWORD = "demo-password-2026"
DEMO_SIGN_INS = ("coordinator@example.org", "mentor@example.org", "employer@example.org", "apprentice@example.org")
WRONG_DETAILS = "Enter a correct email address and password"
TOO_MANY = "You have tried to sign in too many times. Wait an hour, then try again"
ACCESS_ENDED = ("Your apprenticeship has ended and your access to this service ended{when}. "
                "Contact your programme coordinator if you need a copy of your record")


def _throttle() -> Throttle:
    config = current_app.config
    return Throttle(config["SIGN_IN_FAILURES_PER_ACCOUNT"], config["SIGN_IN_FAILURES_PER_ADDRESS"],
                    config["SECRET_KEY"])


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
    """Sign in with an email address and password."""
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
            else:
                session.clear()  # a fresh session on sign-in: no fixation
                session[SESSION_TOKEN_KEY] = start_session(user)
                session.permanent = True
                login_user(user)
                return redirect(_safe_next(request.args.get("next")) or home_url(user), code=303)
    demo = db.session.get(ProgrammeSettings, 1)
    show_demo = demo is not None and demo.demo_loaded_at is not None
    return render_template(
        "auth/sign_in.html", form=form, demo_sign_ins=DEMO_SIGN_INS if show_demo else (),
        demo_password=DEMO_PASSWORD,
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
    if user is None:
        abort(404)
    form = SetPasswordForm(personal=(user.email, user.name))
    if form.validate_on_submit():
        accounts.accept_invite(user, form.password.data)
        if current_user.is_authenticated:
            end_session(session.get(SESSION_TOKEN_KEY))
            logout_user()
            session.clear()
        flash("Your password is saved. Sign in with your email address and new password.", "success")
        return redirect(url_for("auth.sign_in"), code=303)
    return render_template("auth/set_password.html", form=form, invited=user)
