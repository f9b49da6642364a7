"""Per-view tightening of the security headers Talisman sets for every response."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

NO_REFERRER_ATTR = "_no_referrer"


def no_referrer(view: Callable) -> Callable:
    """Send `Referrer-Policy: no-referrer`, so a secret link in the address never leaks onward."""
    setattr(view, NO_REFERRER_ATTR, True)
    return view


def register(app: Flask) -> None:
    """Call before Talisman is set up: Flask runs after-request hooks in reverse, so this one runs after it."""

    @app.after_request
    def tighten(response):
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        if getattr(view, NO_REFERRER_ATTR, False):
            response.headers["Referrer-Policy"] = "no-referrer"
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response
