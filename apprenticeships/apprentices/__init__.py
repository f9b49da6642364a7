"""Apprentices: profiles, adding and editing, status changes."""

from flask import Blueprint

bp = Blueprint("apprentices", __name__, url_prefix="/apprentices")

from . import views  # noqa: E402,F401
