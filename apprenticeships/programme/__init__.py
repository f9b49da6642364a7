"""Training providers and apprenticeship standards."""

from flask import Blueprint

bp = Blueprint("programme", __name__)

from . import views  # noqa: E402,F401
