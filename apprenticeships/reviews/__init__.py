"""Progress reviews: recording them, signing them off, and each role's reviews to do."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from . import views  # noqa: E402,F401
