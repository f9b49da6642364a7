"""Cohorts: the list, adding, editing and archiving, and a cohort's table of apprentices."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

from . import views  # noqa: E402,F401
