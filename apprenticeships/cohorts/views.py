"""Cohort pages."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..models import ApprenticeStatus, Cohort, ProgrammeSettings, Role, ServiceArea
from ..permissions import roles
from ..services import cohorts
from ..templating import render_page_or_block, requested_block
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .forms import CohortForm

TABLE_TARGET = "cohort-table"
ROWS_TARGET = "cohort-rows"  # a search or filter through htmx, the table showing rows: the rows alone


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """All cohorts, current first."""
    return render_template("cohorts/index.html", page=cohorts.all_cohorts(request.args.get("page", 1, type=int)))


@bp.route("/new", methods=["GET", "POST"], defaults={"cohort_id": None})
@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def form(cohort_id: int | None):
    """Add a cohort, or change one's name, start date, description or intake target."""
    cohort = db.get_or_404(Cohort, cohort_id) if cohort_id else Cohort()
    form = CohortForm(obj=cohort, cohort_id=cohort_id)
    if form.validate_on_submit():
        with conflict_shown_on(form, cohort, "cohort"):
            cohorts.save(current_user, cohort, form.values(), version=form.seen_version())
            flash("Cohort details saved." if cohort_id else f"{cohort.name} added.", "success")
            return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    return render_template("cohorts/form.html", form=form, cohort=cohort if cohort_id else None)


@bp.route("/<int:cohort_id>/archive", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def archive(cohort_id: int):
    """Ask to confirm, then archive: the cohort leaves the dashboard, nothing is deleted."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        cohorts.set_archived(current_user, cohort, archived=cohort.archived_at is None)
        flash(f"{cohort.name} {'archived' if cohort.archived_at else 'is current again'}.", "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort.id), code=303)
    archiving = cohort.archived_at is None
    return render_template(
        "confirm_page.html", warning=archiving, back=url_for("cohorts.show", cohort_id=cohort.id),
        title=f"Archive {cohort.name}?" if archiving else f"Make current again: {cohort.name}",
        confirm="Yes, archive it" if archiving else "Yes, make it current",
        explanation=["The cohort leaves the dashboard and the at-risk list. Nothing is deleted: its apprentices, "
                     "logs and reviews stay, and you can make it current again."] if archiving else
        ["The cohort comes back onto the dashboard and the at-risk list."])


@bp.get("/<int:cohort_id>")
@roles(Role.COORDINATOR)
def show(cohort_id: int):
    """A cohort's apprentices: filter, search, sort and page through them."""
    cohort = db.get_or_404(Cohort, cohort_id)
    filters = cohorts.TableFilters.from_args(request.args)
    context = {
        "cohort": cohort, "filters": filters, "today": date.today(),
        "page": cohorts.table(cohort, filters, date.today(), ProgrammeSettings.current()),
    }
    context["described"] = cohorts.filters_in_words(filters)  # after the rows: their standards are loaded
    found = context["page"].total
    blocks = {TABLE_TARGET: "table_update", ROWS_TARGET: "rows" if found else "table_update"}
    response = render_page_or_block(
        "cohorts/show.html", blocks, **context,
        page_context=lambda: {"options": cohorts.filter_options(cohort),
                              "statuses": [(s.value, s.label) for s in ApprenticeStatus],
                              "service_areas": [(s.value, s.label) for s in ServiceArea]})
    if requested_block(blocks):
        # The address the browser shows (and a bookmark keeps) has only the settings made, not the form's
        # empty fields.
        response.headers["HX-Push-Url"] = url_for("cohorts.show", cohort_id=cohort.id, **filters.args())
        if not found and requested_block({ROWS_TARGET: "rows"}):  # no rows: the table gives way to the message
            response.headers.update({"HX-Retarget": f"#{TABLE_TARGET}", "HX-Reswap": "outerHTML"})
    return response


@bp.get("/<int:cohort_id>/apprentices.csv")
@records_a_view
@roles(Role.COORDINATOR)
def export(cohort_id: int):
    """The table as CSV, with the same filters, every page of it."""
    cohort = db.get_or_404(Cohort, cohort_id)
    filters = cohorts.TableFilters.from_args(request.args)
    lines = cohorts.export_csv(current_user, cohort, filters, date.today(), ProgrammeSettings.current())
    filename = f"cohort-{cohort.id}-apprentices-{date.today().isoformat()}.csv"
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
