"""GOV.UK-style error pages, and the one way a refused or clashing change is answered.

A service refuses what the rules do not allow by raising a ServiceError whose message is for
the person. Views do not catch it: `refuse` answers it once for the whole app. It undoes the
request's changes, drops any message this request flashed (a success message must never show
beside a refusal), shows the refusal, and sends the person back where they were: the address
the view named with `on_refusal_go_to`, else the page the form was on (only a page of this
site that can be shown), else their home page. htmx requests are told to load that page whole.
A change that clashes with another at the moment of saving (a unique rule, a stale version, a
lock that could not be had) is answered the same way, with a message that says so.

An address that only takes a form (a POST), opened as a page (a reload or a Back to the page a form
answered with, a copied address), is not "not found": it goes (303) to the page the form belongs to,
the one its view names with `reloads_to`, else the nearest page up its path (/log/7/answer: /log/7).
Any other method an address does not take is answered with a 405 page that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

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

    @app.errorhandler(MethodNotAllowed)
    def method_not_allowed(error: MethodNotAllowed):
        target = form_belongs_to() if request.method in ("GET", "HEAD") else None
        if target is not None:
            return redirect(target, code=303)
        headers = {"Allow": ", ".join(sorted(error.valid_methods))} if error.valid_methods else {}
        return render_template("errors/405.html"), 405, headers

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


F = TypeVar("F", bound=Callable)


def reloads_to(target: Callable[..., str]) -> Callable[[F], F]:
    """For a view that only takes a form (a POST): where its address goes when opened as a page,
    `target(**the address's values)` (the request's query string is there to read). Without it, the
    nearest page up the address's path (see `form_belongs_to`)."""
    def decorator(view: F) -> F:
        view.reloads_to = target
        return view

    return decorator


def form_belongs_to() -> str | None:
    """The page the form at this request's address belongs to, for a GET of an address that only
    takes a POST: its view's `reloads_to`, else the nearest page up the path, with the same query
    string (/verification/verify?page=2: /verification?page=2). None if it is not a form's address."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, values = adapter.match(method="POST", return_rule=True)
    except HTTPException:
        return None
    target = getattr(current_app.view_functions.get(rule.endpoint), "reloads_to", None)
    if target is not None:
        return target(**values)
    query = f"?{request.query_string.decode('latin-1')}" if request.query_string else ""
    path = request.path.rstrip("/")
    while path:
        path = path.rpartition("/")[0]
        if page := page_within_site((path or "/") + query):
            return page
    return None


# A refusal to be said at one place of the page it goes back to (`on_refusal_go_to(said_at=...)`), held
# in the session for that page's next view.
REFUSED_AT = "refused_at"


def on_refusal_go_to(url: str, *, said_at: str | None = None) -> None:
    """If a service refuses what this request asks, send the person to `url` (not back to the form's page).

    `said_at` names the element of that page where the refusal is said (an entry's row in a long list):
    without htmx the page opens there, with the message in it (`refusal_said_here`), rather than at a
    banner at its top, far from where the person was. With htmx it is a banner, as any refusal."""
    g.refusal_target = url
    g.refusal_said_at = said_at


def refusal_said_here() -> dict | None:
    """The refusal this page is to say at one place in it, once: {"at": the element's id, "text": ...}."""
    return session.pop(REFUSED_AT, None)


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
    message = message if message.endswith((".", "!", "?")) else f"{message}."
    target = g.get("refusal_target") or _page_came_from() or url_for("home.index")
    said_at = g.get("refusal_said_at") if g.get("refusal_target") else None
    if said_at and not request.headers.get("HX-Request"):
        session[REFUSED_AT] = {"at": said_at, "text": message}
        return redirect(f"{target.partition('#')[0]}#{said_at}", code=303)
    flash(message, "error")
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
