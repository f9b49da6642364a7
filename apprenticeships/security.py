"""Per-view tightening of the security headers Talisman sets for every response."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request, session

NO_REFERRER_ATTR = "_no_referrer"


def no_referrer(view: Callable) -> Callable:
    """Send `Referrer-Policy: no-referrer`, so a secret link in the address never leaks onward."""
    setattr(view, NO_REFERRER_ATTR, True)
    return view


SANDBOXED_ATTR = "_sandboxed"
# A file someone uploaded: nothing in it may run, load anything or be taken for another type.
SANDBOX_POLICY = "sandbox; default-src 'none'"


def sandboxed(view: Callable) -> Callable:
    """Serve what the view answers (an uploaded file) under a sandboxing CSP that allows nothing,
    with `X-Content-Type-Options: nosniff`, whatever the app's own policy for pages is."""
    setattr(view, SANDBOXED_ATTR, True)
    return view


def register(app: Flask) -> None:
    """Call before Talisman is set up: Flask runs after-request hooks in reverse, so this one runs after it."""

    @app.after_request
    def tighten(response):
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, NO_REFERRER_ATTR, False):
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        if getattr(view, SANDBOXED_ATTR, False):
            response.headers["Content-Security-Policy"] = SANDBOX_POLICY
            response.headers["X-Content-Type-Options"] = "nosniff"
        if _is_signed_in_page(view, response):
            # Nothing a signed-in person saw is kept by the browser (or a proxy): Back after
            # signing out asks the server again, and is sent to sign in.
            response.headers["Cache-Control"] = "no-store"
        return response


def _is_signed_in_page(view: Callable | None, response) -> bool:
    """Every response of a view for signed-in roles (and of an unknown address), and any page a
    signed-in person is shown. Public files and downloads (static files, shared summaries, the
    calendar feed) keep their own caching."""
    from .permissions import PERMISSION_ATTR

    if view is None or getattr(view, PERMISSION_ATTR, None) != "public":
        return True
    # Pages read the session anyway (for their CSRF token); files are not made to.
    return request.endpoint != "static" and response.mimetype == "text/html" and "_user_id" in session
