"""Employer partner pages: the directory and each partner, for coordinators; the reviews of the apprentices
they host, for employers."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import EmployerContact, EmployerPartner, PartnershipStatus, Placement, ProgrammeSettings, Role
from ..permissions import roles
from ..services import accounts, employers, placements
from ..templating import render_page_or_block
from ..users.forms import ConfirmForm
from ..users.views import show_invitation
from ..versioning import conflict_shown_on
from . import bp
from .forms import ActivityForm, ContactForm, EmployerForm

TABLE_TARGET = "employer-table"


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """The directory of employer partners: search, and filter by status and sector."""
    filters = employers.DirectoryFilters.from_args(request.args)
    return render_page_or_block(
        "employers/index.html", {TABLE_TARGET: "table"}, filters=filters, page=employers.directory(filters),
        page_context=lambda: {"sectors": employers.sectors(), "statuses": PartnershipStatus.choices()})


@bp.get("/reviews")
@roles(Role.EMPLOYER)
def hosted_reviews():
    """Progress reviews held for the apprentices with this employer, since each placement started."""
    return render_template("employers/reviews.html", employer=current_user.employer,
                           page=employers.hosted_reviews(current_user.employer_id,
                                                         request.args.get("page", 1, type=int) or 1))


@bp.route("/new", methods=["GET", "POST"], defaults={"employer_id": None})
@bp.route("/<int:employer_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def form(employer_id: int | None):
    """Add an employer partner, or change their details."""
    employer = db.get_or_404(EmployerPartner, employer_id) if employer_id else EmployerPartner()
    form = EmployerForm(employer=employer)
    if form.validate_on_submit():
        with conflict_shown_on(form, employer, "employer partner"):
            employers.save(current_user, employer, form.values(), version=form.seen_version())
            flash(f"{employer.name} saved.", "success")
            return redirect(url_for("employers.show", employer_id=employer.id), code=303)
    return render_template("form_page.html", form=form, title=f"Edit {employer.name}" if employer_id
                           else "Add an employer partner",
                           back=url_for("employers.show", employer_id=employer_id) if employer_id
                           else url_for("employers.index"))


@bp.route("/<int:employer_id>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def show(employer_id: int):
    """An employer partner: contacts, placements, apprentices with them, and the activity log."""
    employer = db.get_or_404(EmployerPartner, employer_id)
    activity_form = ActivityForm()
    if activity_form.validate_on_submit():
        employers.add_activity(current_user, employer, activity_form.values())
        flash("Added to the activity log.", "success")
        return redirect(url_for("employers.show", employer_id=employer.id) + "#activity", code=303)
    return render_template(
        "employers/show.html", employer=employer, contacts=employers.contacts(employer),
        placements=placements.listing(Placement.employer_id == employer.id,
                                      page=request.args.get("page", 1, type=int) or 1),
        hosted=employers.hosted(employer.id, date.today(), ProgrammeSettings.current()),
        activities=employers.activities(employer), activity_form=activity_form, confirm=ConfirmForm(),
        today=date.today())


def _contact_or_404(employer_id: int, contact_id: int) -> EmployerContact:
    contact = db.get_or_404(EmployerContact, contact_id)
    if contact.employer_id != employer_id:
        abort(404)
    return contact


@bp.route("/<int:employer_id>/contacts/new", methods=["GET", "POST"], defaults={"contact_id": None})
@bp.route("/<int:employer_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def contact_form(employer_id: int, contact_id: int | None):
    """Add or edit a contact at an employer partner."""
    employer = db.get_or_404(EmployerPartner, employer_id)
    contact = _contact_or_404(employer_id, contact_id) if contact_id else EmployerContact(employer_id=employer.id)
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        employers.save_contact(current_user, contact, form.values())
        flash(f"{contact.name} saved.", "success")
        return redirect(url_for("employers.show", employer_id=employer.id) + "#contacts", code=303)
    return render_template("form_page.html", form=form, caption=employer.name,
                           title=f"Edit {contact.name}" if contact_id else "Add a contact",
                           back=url_for("employers.show", employer_id=employer.id) + "#contacts")


@bp.post("/<int:employer_id>/contacts/<int:contact_id>/invite")
@roles(Role.COORDINATOR)
def invite_contact(employer_id: int, contact_id: int):
    """Invite a contact to sign in as an employer user; shows the one-time link."""
    contact = _contact_or_404(employer_id, contact_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if contact.user_id is not None or accounts.email_taken(contact.email):
        flash(f"Someone already has an account with {contact.name}'s email address.", "error")
        return redirect(url_for("employers.show", employer_id=employer_id) + "#contacts", code=303)
    user, token = accounts.invite(current_user, contact.name, contact.email, Role.EMPLOYER,
                                  employer=contact.employer, valid_for=current_app.config["INVITE_VALID_FOR"])
    contact.user_id = user.id
    return show_invitation(user, token)
