"""The privacy notice: a public page that says what is held, why, for how long and who sees it,
written from the same settings and configuration the app runs by, so it is never out of date."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from . import views  # noqa: E402,F401
