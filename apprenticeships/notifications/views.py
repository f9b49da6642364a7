"""The Notifications page, marking items done, and the choice of how often to email."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..ids import parse_id
from ..models import EmailFrequency, Role
from ..permissions import roles
from ..services import notifications
from .forms import DoneForm, PreferencesForm

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
EVERYONE = (Role.COORDINATOR, Role.MENTOR, Role.EMPLOYER, Role.APPRENTICE)


@bp.get("")
@roles(*EVERYONE)
def index():
    """What needs the signed-in person, newest first, a page at a time."""
    page = notifications.page_for(current_user, request.args.get("page", 1, type=int))
    # What still needs doing, on any page of the list: "Mark everything as done" shows only then.
    return render_template("notifications/index.html", page=page, form=DoneForm(),
                           to_do=notifications.count_markable(current_user),
                           frequency=notifications.frequency_for(current_user))


@bp.post("/<int:notification_id>/done")
@roles(*EVERYONE)
def done(notification_id: int):
    """Mark one of the person's notifications done (someone else's is not found: nothing changes)."""
    form = DoneForm()
    if form.validate_on_submit():
        item = notifications.item_for(current_user, notification_id)
        if item is not None and item.waits_for:
            flash(f"This still needs you: {item.sentence} {item.waits_for}.", "error")
        elif item is not None and notifications.mark_done(current_user, notification_id):
            flash(f"Marked as done: {item.sentence}", "success")
    return redirect(_back(), code=303)


@bp.post("/done")
@roles(*EVERYONE)
def all_done():
    form = DoneForm()
    if form.validate_on_submit():
        changed = notifications.mark_done(current_user, None)
        waiting = notifications.count_for(current_user)  # what is left: still to do (a review to sign...)
        stays = "it stays until you have done what it asks" if waiting == 1 else \
            "they stay until you have done what they ask"
        left = f" {waiting} still {'needs' if waiting == 1 else 'need'} you, so {stays}." if waiting else ""
        flash((f"{changed} marked as done." if changed else "Nothing was waiting to be marked as done.") + left,
              "success")
    return redirect(_back(), code=303)


def _back() -> str:
    page = parse_id(request.args.get("page"))
    return url_for("notifications.index", page=page) if page and page > 1 else url_for("notifications.index")


@bp.route("/preferences", methods=["GET", "POST"])
@roles(*EVERYONE)
def preferences():
    """How often the person wants email about what needs them."""
    form = PreferencesForm()
    if form.validate_on_submit():
        notifications.choose_frequency(current_user, EmailFrequency(form.frequency.data))
        flash("Your email choice has been saved.", "success")
        return redirect(url_for("notifications.index"), code=303)
    if request.method == "GET":
        form.frequency.data = notifications.frequency_for(current_user).value
    return render_template(
        "form_page.html", form=form, title="How often we email you", back=url_for("notifications.index"),
        intro="We email you when something needs you: an entry queried, a placement proposed, a review to "
              "sign or due soon. You will always get emails about your account, like invitations and "
              "password resets, whatever you choose here.")
