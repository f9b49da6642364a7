"""GOV.UK-style error pages, and the one way a refused or clashing change is answered.

A service refuses what the rules do not allow by raising a ServiceError whose message is for
the person. Views do not catch it: `refuse` answers it once for the whole app. It undoes the
request's changes, drops any message this request flashed (a success message must never show
beside a refusal), shows the refusal, and sends the person back where they were: the address
the view named with `on_refusal_go_to`, else the page the form was on (only a page of this
site that can be shown), else their home page. htmx requests are told to load that page whole.
A change that clashes with another at the moment of saving (a unique rule, a stale version, a
lock that could not be had) is answered the same way, with a message that says so.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.audit import VIEW_PENDING
from .services.errors import ServiceError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STALE = ("Someone else changed this record while you were working on it, so your change was not saved. "
         "Check what it says now and try again")
CLASHED = ("Your change was not saved because it clashed with another change made at the same moment. "
           "Check the page and try again")
BUSY = "The service was too busy to save your change. Try again"
# A page that reads a person's record is sent only with its audit event saved (services.audit.viewed).
UNRECORDED_VIEW = "The service was too busy to show that page. Try again"
# PostgreSQL: could not serialize, deadlock, lock not available. SQLite says "database is locked".
_RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/404.html",
    413: "errors/413.html",
    429: "errors/429.html",
    500: "errors/500.html",
}


def register(app: Flask) -> None:
    def handler(status: int):
        def handle(error):
            if status == 500:
                db.session.rollback()  # nothing half-written survives an error
            return render_template(PAGES[status]), status

        return handle

    for status in PAGES:
        app.register_error_handler(status, handler(status))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400

    @app.before_request
    def count_earlier_flashes():
        if request.method not in SAFE_METHODS:
            g.flashes_before = len(session.get("_flashes", ()))

    @app.errorhandler(ServiceError)
    def service_refused(error: ServiceError):
        return refuse(str(error))

    @app.errorhandler(IntegrityError)
    @app.errorhandler(StaleDataError)
    @app.errorhandler(OperationalError)
    def database_refused(error: SQLAlchemyError):
        message = clash_message(error)
        if message is None:
            raise error  # not a clash: a fault, answered as one (500)
        current_app.logger.warning("A change was refused by the database: %s", error)
        return refuse(UNRECORDED_VIEW if request.method in SAFE_METHODS and db.session.info.get(VIEW_PENDING)
                      else message)


def on_refusal_go_to(url: str) -> None:
    """If a service refuses what this request asks, send the person to `url` (not back to the form's page)."""
    g.refusal_target = url


def clash_message(error: BaseException) -> str | None:
    """What to tell the person when saving failed because of someone else's change at the same moment.

    None for any other failure: that is a fault in the app, not something to explain away.
    """
    if isinstance(error, ServiceError):
        return str(error)
    if isinstance(error, StaleDataError):
        return STALE
    if isinstance(error, IntegrityError):
        return CLASHED
    if isinstance(error, OperationalError):
        original = error.orig
        if getattr(original, "sqlstate", None) in _RETRYABLE_SQLSTATES or "database is locked" in str(original):
            return BUSY
    return None


def refuse(message: str):
    """Undo the request's changes and answer with `message` shown on the page the person goes back to."""
    db.session.rollback()
    before = g.get("flashes_before")
    if before is not None and "_flashes" in session:
        session["_flashes"] = session["_flashes"][:before]  # no success message beside a refusal
    flash(message if message.endswith((".", "!", "?")) else f"{message}.", "error")
    target = g.get("refusal_target") or _page_came_from() or url_for("home.index")
    if request.headers.get("HX-Request"):
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target  # the whole page, with the message
        return response
    return redirect(target, code=303)


def _page_came_from() -> str | None:
    """The Referer's path and query, if it is a page of this site that can be shown (never another host)."""
    return page_within_site(request.referrer)


def page_within_site(address: str | None) -> str | None:
    """`address` (a whole address or a path) as a path and query, if it is a page of this site that
    can be shown (never another host, never a form's POST-only address); None otherwise. For a
    "Back" link or a `next` that must not send anyone elsewhere."""
    if not address:
        return None
    parts = urlsplit(address)
    path = parts.path
    if (parts.scheme or parts.netloc) and (parts.scheme not in ("http", "https") or parts.netloc != request.host):
        return None
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return None
    try:
        current_app.url_map.bind_to_environ(request.environ).match(path, method="GET")
    except HTTPException:  # no such page, or one that only takes a form (a POST)
        return None
    return path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
