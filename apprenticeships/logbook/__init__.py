"""The learning log: apprentices add entries; mentors and coordinators verify them."""

from flask import Blueprint

bp = Blueprint("logbook", __name__)

from . import views  # noqa: E402,F401
