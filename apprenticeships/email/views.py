"""Pages about email: problems for coordinators, and the development mailbox.

The mailbox (/dev/mailbox) shows every message in the outbox, with its content when the `log`
backend kept it, so a person trying the app sees what would be sent. It is registered only
outside production (APP_ENV=production has no such address at all), and only coordinators may
open it: the messages are about other people (an invitation to someone who has no account
yet, a reset link for someone who cannot sign in), so "your own messages" would show the
reader nothing useful, and coordinators are the ones who would send those links by hand.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import db
from ..models import OutboxMessage, Role, User
from ..permissions import roles
from ..services.pagination import paginate
from . import problems as email_problems
from .templates import templates

PAGE_SIZE = 25
_LINK = re.compile(r"(https?://\S+)")

bp = Blueprint("emails", __name__, url_prefix="/emails")
mailbox = Blueprint("mailbox", __name__, url_prefix="/dev/mailbox")


@bp.get("/problems")
@roles(Role.COORDINATOR)
def problems():
    """Emails that could not be sent, or are waiting to be tried again, newest first, with who they were for."""
    query = (
        sa.select(OutboxMessage, User)
        .outerjoin(User, User.email == OutboxMessage.recipient)
        .where(email_problems.HAS_PROBLEM)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    page = paginate(query, request.args.get("page", 1, type=int), PAGE_SIZE, rows=True)
    return render_template("email/problems.html", page=page, descriptions=_descriptions(),
                           cause=email_problems.cause, still_trying=email_problems.still_trying)


@mailbox.get("")
@roles(Role.COORDINATOR)
def index():
    """Every message in the outbox, newest first (development only)."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = paginate(query, request.args.get("page", 1, type=int), PAGE_SIZE)
    return render_template("email/mailbox.html", page=page, descriptions=_descriptions(),
                           backend=current_app.config["EMAIL_BACKEND"])


@mailbox.get("/<int:message_id>")
@roles(Role.COORDINATOR)
def show(message_id: int):
    """One message as its recipient would read it, its links ready to follow (development only)."""
    message = db.get_or_404(OutboxMessage, message_id)
    template = templates().get(message.template)
    if template is None:
        abort(404)
    rendered = template.render(message.personalisation) if message.personalisation else None
    paragraphs = []
    if rendered is not None:
        for paragraph in rendered.body.strip().split("\n\n"):
            paragraphs.append([_LINK.split(line) for line in paragraph.split("\n")])
    return render_template("email/message.html", message=message, template=template, rendered=rendered,
                           backend=current_app.config["EMAIL_BACKEND"],
                           paragraphs=paragraphs)


def _descriptions() -> dict[str, str]:
    return {name: template.description for name, template in templates().items()}
