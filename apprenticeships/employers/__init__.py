"""Employer partners: the directory, each partner's page, contacts and activity log."""

from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/employers")

from . import views  # noqa: E402,F401
