"""Notifications: the list of what needs the signed-in person, the count in the header, how
often they want email, and the daily job (`flask --app app reminders`). The rules live in
services/notifications.py and services/reminders.py."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask
from flask_login import current_user

from ..extensions import db
from ..services import notifications, reminders
from .views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def notification_count():
        # A function, so that only a page that shows the header asks the database (one statement).
        def count() -> int:
            return notifications.count_for(current_user) if current_user.is_authenticated else 0
        return {"notification_count": count}

    @app.cli.command("reminders")
    @click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                  help="The day to run for, YYYY-MM-DD (today when not given).")
    def reminders_command(on) -> None:
        """Make the day's reminders (each once) and send the daily emails: what the worker does each morning."""
        today = on.date() if on else date.today()
        counts = reminders.run(today)
        db.session.commit()
        made = ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in counts.items())
        click.echo(f"Reminders for {today:%d %B %Y}: {made}.")
