"""Two-factor sign-in: the second step of signing in, and setting it up, replacing codes and turning it off.

After the right password, someone with two-factor sign-in on is not signed in yet: their
account's id waits in the session (signed, so it cannot be forged) for TWO_FACTOR_PENDING_FOR,
and only a right code at the second step signs them in. Wrong codes count as failed sign-ins
(services/sign_in.py), so the same lockout stops guessing at either step.

A coordinator who must use it (TWO_FACTOR_REQUIRED_FOR_COORDINATORS) and has not set it up is
signed in after the password, but every page sends them to set it up until they have.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from htmx_flask import make_response

from .. import once
from ..extensions import db, limiter
from ..home import home_url
from ..models import Role, User, utcnow
from ..permissions import public, roles
from ..services import two_factor as service
from ..services.passwords import password_matches
from ..services.sign_in import is_throttled, record_failure, start_session
from . import SESSION_TOKEN_KEY, bp, throttle
from .forms import ConfirmAuthenticatorForm, PasswordCheckForm, StartTwoFactorForm, TwoFactorCodeForm

PENDING_KEY = "two-factor-pending"
EVERYONE = (Role.COORDINATOR, Role.MENTOR, Role.EMPLOYER, Role.APPRENTICE)
WRONG_CODE = "Enter a correct code from your authenticator app, or a recovery code you have not used"
TOO_MANY_CODES = "You have entered a wrong code or password too many times. Wait an hour, then try again"
TOO_MANY_PASSWORDS = "You have entered a wrong password too many times. Wait an hour, then try again"
TIMED_OUT = "You took too long to enter your code. Sign in again."
# What a coordinator who must set it up may still reach.
ALLOWED_BEFORE_SET_UP = frozenset({"static", "auth.two_factor", "auth.two_factor_start", "auth.two_factor_set_up",
                                   "auth.recovery_codes", "auth.sign_out", "privacy.notice"})


def init_app(app: Flask) -> None:
    @app.before_request
    def set_up_two_factor_first():
        """A coordinator who must use two-factor sign-in can do nothing else until it is on."""
        if not current_app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"] or "_user_id" not in session \
                or request.endpoint is None or request.endpoint in ALLOWED_BEFORE_SET_UP:
            return None
        if not (current_user.is_authenticated and service.must_set_up(current_user, True)):
            return None
        target = url_for("auth.two_factor")
        if request.headers.get("HX-Request"):
            response = make_response("", 200)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)


def _required(user: User) -> bool:
    return service.required(user, current_app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"])


def after_password(user: User, next_url: str | None):
    """The password was right: sign in, or ask for the second step first."""
    session.clear()  # a fresh session on sign-in: no fixation
    if user.two_factor_on:
        until = utcnow() + current_app.config["TWO_FACTOR_PENDING_FOR"]
        session[PENDING_KEY] = {"user": user.id, "until": until.timestamp(), "next": next_url}
        return redirect(url_for("auth.two_factor_sign_in"), code=303)
    return _sign_in(user, next_url)


def _sign_in(user: User, next_url: str | None):
    session.clear()
    session[SESSION_TOKEN_KEY] = start_session(user)
    session.permanent = True
    login_user(user)
    if service.must_set_up(user, current_app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"]):
        return redirect(url_for("auth.two_factor"), code=303)
    return redirect(next_url or home_url(user), code=303)


def _pending() -> tuple[User | None, dict]:
    """The account waiting for its second step, if the wait has not run out."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, {}
    if not isinstance(pending.get("until"), int | float) or pending["until"] < utcnow().timestamp() \
            or not isinstance(pending.get("user"), int):
        session.pop(PENDING_KEY, None)
        flash(TIMED_OUT, "info")
        return None, {}
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or not user.two_factor_on:
        session.pop(PENDING_KEY, None)
        return None, {}
    return user, pending


@bp.route("/sign-in/two-factor", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
@public
def two_factor_sign_in():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"), code=303)
    user, pending = _pending()
    if user is None:
        return redirect(url_for("auth.sign_in"), code=303)
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if is_throttled(user.email, address, throttle()):
            form.code.errors.append(TOO_MANY_CODES)
        else:
            used = service.check_code(user, form.code.data)
            if used is None:
                record_failure(user.email, address, throttle())
                form.code.errors.append(WRONG_CODE)
            else:
                response = _sign_in(user, pending.get("next"))
                if used is service.Used.RECOVERY_CODE:
                    left = service.recovery_codes_left(user)
                    flash(f"You signed in with a recovery code, which cannot be used again. You have {left} "
                          f"recovery code{'' if left == 1 else 's'} left: make new ones from Two-factor sign-in "
                          "at the bottom of the page.", "info")
                return response
    return render_template("auth/two_factor_sign_in.html", form=form)


# The account's Two-factor sign-in pages ---------------------------------------------------


@bp.get("/account/two-factor")
@roles(*EVERYONE)
def two_factor():
    """Whether two-factor sign-in is on, and what you can do about it."""
    user = current_user
    left = service.recovery_codes_left(user) if user.two_factor_on else None
    return render_template("auth/two_factor.html", start_form=StartTwoFactorForm(), required=_required(user),
                           recovery_codes_left=left)


@bp.post("/account/two-factor/start")
@roles(*EVERYONE)
def two_factor_start():
    """Make a new secret for an authenticator app, then show it."""
    if not StartTwoFactorForm().validate_on_submit():
        return redirect(url_for("auth.two_factor"), code=303)
    service.start_set_up(current_user)
    return redirect(url_for("auth.two_factor_set_up"), code=303)


@bp.route("/account/two-factor/set-up", methods=["GET", "POST"])
@roles(*EVERYONE)
def two_factor_set_up():
    """Scan the QR code (or type the secret), then confirm with a code: only then is it on."""
    user = current_user
    if not service.set_up_started(user):
        return redirect(url_for("auth.two_factor"), code=303)
    form = ConfirmAuthenticatorForm()
    if form.validate_on_submit():
        codes = service.confirm_set_up(user, form.code.data)
        if codes is None:
            form.code.errors.append("Enter the code your authenticator app shows now. Check your phone's time is "
                                    "set automatically")
        else:
            once.hold("recovery-codes", user.id, "\n".join(codes))
            flash("Two-factor sign-in is on. You will need a code from your app each time you sign in.", "success")
            return redirect(url_for("auth.recovery_codes"), code=303)
    issuer = f"{current_app.config['SERVICE_NAME']} ({current_app.config['ORGANISATION_NAME']})"
    return render_template("auth/two_factor_set_up.html", form=form,
                           qr_code=service.qr_code_svg(service.provisioning_uri(user, issuer)),
                           secret=service.grouped_secret(user.totp_secret))


@bp.get("/account/two-factor/recovery-codes")
@roles(*EVERYONE)
def recovery_codes():
    """The recovery codes just made, shown this once (only their hashes are kept)."""
    codes = once.take("recovery-codes", current_user.id)
    return render_template("auth/recovery_codes.html", codes=codes.split("\n") if codes else None)


def _password_checked(form: PasswordCheckForm) -> bool:
    """The form's password is the person's own; a wrong one counts as a failed sign-in."""
    if not form.validate_on_submit():
        return False
    address = request.remote_addr or "unknown"
    if is_throttled(current_user.email, address, throttle()):
        form.password.errors.append(TOO_MANY_PASSWORDS)
        return False
    if not password_matches(current_user.password_hash, form.password.data):
        record_failure(current_user.email, address, throttle())
        form.password.errors.append("Enter your password correctly")
        return False
    return True


@bp.route("/account/two-factor/recovery-codes/new", methods=["GET", "POST"])
@roles(*EVERYONE)
def new_recovery_codes():
    """Ten new recovery codes, after the password: the old ones stop working."""
    if not current_user.two_factor_on:
        return redirect(url_for("auth.two_factor"), code=303)
    form = PasswordCheckForm()
    form.submit.label.text = "Make new recovery codes"
    if _password_checked(form):
        codes = service.new_recovery_codes(current_user)
        once.hold("recovery-codes", current_user.id, "\n".join(codes))
        flash("You have new recovery codes. Your old ones no longer work.", "success")
        return redirect(url_for("auth.recovery_codes"), code=303)
    return render_template("auth/two_factor_password.html", form=form, title="Make new recovery codes",
                           intro="Your old recovery codes will stop working, whether or not you have used them.")


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@roles(*EVERYONE)
def two_factor_turn_off():
    """Turn two-factor sign-in off, after the password (a coordinator who must use it then sets it up again)."""
    if not current_user.two_factor_on:
        return redirect(url_for("auth.two_factor"), code=303)
    form = PasswordCheckForm()
    form.submit.label.text = "Turn off two-factor sign-in"
    if _password_checked(form):
        service.turn_off(current_user, current_user)
        flash("Two-factor sign-in is off." if _required(current_user) else
              "Two-factor sign-in is off. You will sign in with your email address and password only.", "success")
        return redirect(url_for("auth.two_factor"), code=303)
    if _required(current_user):
        intro = ("Your recovery codes will stop working. Coordinators must use two-factor sign-in, so you will "
                 "set it up again straight away, for example with an app on a new phone.")
    else:
        intro = ("You will sign in with your email address and password only, and your recovery codes will stop "
                 "working.")
    return render_template("auth/two_factor_password.html", form=form, title="Turn off two-factor sign-in",
                           intro=intro)
