"""Signing in and out, setting a password from an invite, and the session rules."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from htmx_flask import make_response

from ..extensions import login_manager
from ..services.sign_in import Throttle, live_session_user

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"


def throttle() -> Throttle:
    """How many failed sign-ins (passwords, and two-factor codes) an account and an address may have."""
    config = current_app.config
    return Throttle(config["SIGN_IN_FAILURES_PER_ACCOUNT"], config["SIGN_IN_FAILURES_PER_ADDRESS"],
                    config["SECRET_KEY"])


def init_app(app: Flask) -> None:
    login_manager.session_protection = None  # our server-side sessions do more than this
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str):
        token = session.get(SESSION_TOKEN_KEY)
        if not token or not user_id.isdigit():
            return None
        return live_session_user(
            token,
            int(user_id),
            absolute=current_app.config["SESSION_ABSOLUTE_LIFETIME"],
            idle=current_app.config["SESSION_IDLE_TIMEOUT"],
        )

    @login_manager.unauthorized_handler
    def unauthorized():
        target = url_for("auth.sign_in", next=request.full_path.rstrip("?"))
        if request.headers.get("HX-Request"):
            # htmx would swap a redirect's page into a fragment: send the whole page instead.
            response = make_response("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, code=303)

    two_factor.init_app(app)


from . import two_factor, views  # noqa: E402,F401  (registers the routes on bp)
