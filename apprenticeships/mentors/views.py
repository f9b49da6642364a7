"""Mentors: caseloads against capacity, adding and editing."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import Mentor, Role
from ..permissions import roles
from ..services import mentors
from . import bp
from .forms import MentorForm


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """Each mentor's mentees and caseload against capacity."""
    return render_template("mentors/index.html", page=mentors.caseloads(request.args.get("page", 1, type=int)))


@bp.route("/new", methods=["GET", "POST"], defaults={"mentor_id": None})
@bp.route("/<int:mentor_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def form(mentor_id: int | None):
    """Add or edit a mentor."""
    mentor = db.get_or_404(Mentor, mentor_id) if mentor_id else Mentor()
    form = MentorForm(obj=mentor, mentor_id=mentor_id)
    if form.validate_on_submit():
        mentors.save(current_user, mentor, form.values())
        flash(f"{mentor.name} saved.", "success")
        return redirect(url_for("mentors.index"), code=303)
    return render_template("form_page.html", form=form, back=url_for("mentors.index"),
                           title=f"Edit {mentor.name}" if mentor_id else "Add a mentor",
                           field_params={"capacity": {"params": {"classes": "govuk-input--width-3",
                                                                 "inputmode": "numeric"}}})
