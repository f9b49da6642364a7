"""Shareable cohort summaries: coordinators make links; anyone with one reads the summary."""

from flask import Blueprint

bp = Blueprint("summaries", __name__)

from . import views  # noqa: E402,F401
