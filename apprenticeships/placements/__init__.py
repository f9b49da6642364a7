"""Placements: posting (employers), approval and matching (coordinators), browsing (apprentices)."""

from flask import Blueprint

bp = Blueprint("placements", __name__)

from . import views  # noqa: E402,F401
