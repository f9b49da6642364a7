"""Email: one way to send a message, whatever carries it.

    from apprenticeships.email import send
    send("password_reset", user.email, {"name": user.name, "link": link})

`send` adds the message to the outbox (models/outbox.py) in the current transaction, like any
other change: if the request rolls back, the message goes with it and nothing is sent. Once
the transaction commits, the background worker is asked to send it (worker.py), through the
backend EMAIL_BACKEND names (backends.py): GOV.UK Notify, an SMTP server, or `log`, which
keeps it for the development mailbox (/dev/mailbox, never registered in production).

Each message has a plain-text template in templates/emails/ (templates.py); the
personalisation must fill exactly its placeholders, and `service_name` and
`organisation_name` are filled in from the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..models import OutboxMessage
from . import outbox
from .backends import configuration_problem


def send(template: str, to: str, personalisation: Mapping[str, str]) -> OutboxMessage:
    """Queue `template` for `to` in the current transaction; it is sent once that commits."""
    return outbox.queue(template, to, personalisation)


@event.listens_for(Session, "after_commit")
def _send_what_was_committed(session: Session) -> None:
    message_ids = session.info.pop(outbox.NEW_MESSAGES, None)
    if message_ids and has_app_context():
        from .worker import trigger

        trigger(current_app._get_current_object(), message_ids)


@event.listens_for(Session, "after_rollback")
def _forget_what_was_rolled_back(session: Session) -> None:
    session.info.pop(outbox.NEW_MESSAGES, None)


def init_app(app: Flask) -> None:
    """Check the backend's settings, and add the pages and the `worker` command."""
    from .. import ConfigurationError
    from . import views, worker

    problem = configuration_problem(app.config)
    if problem:
        raise ConfigurationError(problem)
    if app.config["EMAIL_BACKEND"] == "log" and app.config["ENV_NAME"] == "production":
        app.logger.warning("EMAIL_BACKEND is log: no email leaves this server. Set notify or smtp.")
    app.register_blueprint(views.bp)
    if app.config["ENV_NAME"] != "production":
        app.register_blueprint(views.mailbox)
    worker.register_cli(app)


def mailbox_enabled(app: Flask) -> bool:
    return "mailbox" in app.blueprints
