"""Retention: the coordinators' list of records past their retention period and its confirmation
step, keeping a record longer, and deleting a record added in error. The rules live in
services/retention.py; `flask --app app retention report|apply` is in cli.py."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("retention", __name__)

from . import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def retention_helpers():
        return {"retention_of": views.retention_of}
