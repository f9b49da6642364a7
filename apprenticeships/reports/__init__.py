"""The public sector apprenticeship return: figures per financial year, drafted answers, outputs to file."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import views  # noqa: E402,F401
