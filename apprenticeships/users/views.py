"""Users: list, invite, re-issue an invite link, deactivate and reactivate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import once
from ..email import mailbox_enabled
from ..email import problems as email_problems
from ..extensions import db
from ..models import Role, User
from ..permissions import roles
from ..services import accounts, audit, two_factor
from ..services.pagination import paginate
from ..transactions import records_a_view
from . import bp
from .forms import ROLE_HINTS, ConfirmForm, InviteForm, RoleForm

PAGE_SIZE = 50


def invite_url(token: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"]
    path = url_for("auth.accept_invite", token=token)
    return base + path if base else url_for("auth.accept_invite", token=token, _external=True)


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """Everyone who can sign in, filtered by role and whether they are active."""
    role = request.args.get("role", "")
    role_filter = Role(role) if role in Role._value2member_map_ else None
    query = sa.select(User).order_by(User.name, User.id)
    if role_filter:
        query = query.where(User.role == role_filter)
    page = paginate(query, request.args.get("page", 1, type=int), PAGE_SIZE)
    failed_emails = email_problems.count()
    return render_template("users/index.html", page=page, role=role_filter, role_choices=Role.choices(),
                           failed_emails=failed_emails, mailbox=mailbox_enabled(current_app))


@bp.get("/invite")
@roles(Role.COORDINATOR)
def invite():
    """Invite someone, step 1: their role (which decides what else is asked)."""
    form = RoleForm(request.args)
    # The form is a GET; "answered" tells a first visit from Continue pressed with no choice.
    answered = "answered" in request.args
    if answered and form.validate():
        return redirect(url_for("users.invite_details", role=form.role.data), code=303)
    return render_template("users/invite_role.html", form=form, hints=ROLE_HINTS, submitted=answered)


@bp.route("/invite/<role>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def invite_details(role: str):
    """Invite someone, step 2: who they are; then show a one-time link to set a password."""
    if role not in Role._value2member_map_:
        abort(404)
    form = InviteForm(Role(role))
    if form.validate_on_submit():
        user, token = accounts.invite(
            current_user, form.name.data, form.email.data, form.role,
            valid_for=current_app.config["INVITE_VALID_FOR"], **form.links(),
        )
        return show_invitation(user, token)
    return render_template("users/invite.html", form=form)


@bp.get("/<int:user_id>")
@records_a_view
@roles(Role.COORDINATOR)
def show(user_id: int):
    """One user's account: role, the record it acts for, and what can be done with it."""
    user = db.get_or_404(User, user_id)
    audit.viewed(current_user, "user.viewed", user)
    return render_template("users/show.html", user=user, form=ConfirmForm(),
                           invitation_email=accounts.invitation_email(user), cause=email_problems.cause)


@bp.post("/<int:user_id>/invite")
@roles(Role.COORDINATOR)
def reissue(user_id: int):
    """A new one-time link; the old link stops working."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit() or not user.active:
        abort(400)
    token = accounts.reissue_invite(current_user, user, current_app.config["INVITE_VALID_FOR"])
    return show_invitation(user, token)


def show_invitation(user: User, token: str):
    """After making an invitation: email its link, and go to the page that shows it once (only its hash is kept)."""
    accounts.email_invitation(user, invite_url(token))
    once.hold("invitation", user.id, token)
    return redirect(url_for("users.invitation", user_id=user.id), code=303)


@bp.get("/<int:user_id>/invitation")
@roles(Role.COORDINATOR)
def invitation(user_id: int):
    """The invitation link just made, shown this once; afterwards the page says so."""
    user = db.get_or_404(User, user_id)
    token = once.take("invitation", user.id)
    return render_template("users/invite_link.html", user=user, invite_url=invite_url(token) if token else None)


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def deactivate(user_id: int):
    """Ask to confirm, then stop the person signing in and end their sessions."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash("You cannot deactivate your own account.", "error")
        return redirect(url_for("users.show", user_id=user.id), code=303)
    return _after_confirming(
        user, lambda: accounts.deactivate(current_user, user), f"{user.name} can no longer sign in.",
        title=f"Deactivate {user.name}'s account?", confirm="Yes, deactivate",
        explanation=["They will be signed out everywhere and will not be able to sign in. Their records stay as "
                     "they are, and you can reactivate the account later."])


@bp.route("/<int:user_id>/two-factor/turn-off", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def turn_off_two_factor(user_id: int):
    """For someone who lost both their phone and their recovery codes: after a confirmation, they
    sign in with their password only (and set two-factor up again when they must)."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id or not user.two_factor_on:
        return redirect(url_for("users.show", user_id=user.id), code=303)
    return _after_confirming(
        user, lambda: two_factor.turn_off(user, current_user), f"Two-factor sign-in is off for {user.name}.",
        title=f"Turn off two-factor sign-in for {user.name}?", confirm="Yes, turn it off",
        explanation=["Do this only when they have lost both their authenticator app and their recovery codes, and "
                     "you are sure the request comes from them (call them on a number you already hold).",
                     "They will sign in with their email address and password only, until they set two-factor "
                     "sign-in up again. We will email them to say so."])


def _after_confirming(user: User, act, done: str, **page):
    """A change to someone's account: a confirmation page first, then the change and back to their account."""
    if ConfirmForm().validate_on_submit():
        act()
        flash(done, "success")
        return redirect(url_for("users.show", user_id=user.id), code=303)
    return render_template("confirm_page.html", back=url_for("users.show", user_id=user.id), **page)


@bp.post("/<int:user_id>/reactivate")
@roles(Role.COORDINATOR)
def reactivate(user_id: int):
    """Let a deactivated person sign in again."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    accounts.reactivate(current_user, user)
    flash(f"{user.name} can sign in again.", "success")
    return redirect(url_for("users.show", user_id=user.id), code=303)
