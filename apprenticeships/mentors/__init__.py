"""Mentors and their caseloads."""

from flask import Blueprint

bp = Blueprint("mentors", __name__, url_prefix="/mentors")

from . import views  # noqa: E402,F401
