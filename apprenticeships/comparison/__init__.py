"""Councils side by side: other councils' open data files, the comparison page, and links to share it."""

from flask import Blueprint

bp = Blueprint("comparison", __name__)

from . import views  # noqa: E402,F401
