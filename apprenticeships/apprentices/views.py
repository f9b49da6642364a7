"""Apprentices: their page, adding and editing, choosing a mentor, and status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ..extensions import db
from ..ids import is_id, parse_id
from ..models import ApprenticeStatus, Cohort, EpaOutcome, Mentor, ProgrammeSettings, Role
from ..permissions import apprentice_or_404, roles
from ..services import apprentices, audit, importing, levy_funding, mentors, profiles
from ..templating import render_page_or_block, requested_block
from ..transactions import records_a_view
from ..versioning import conflict_shown_on
from . import bp
from .forms import (
    ApprenticeForm,
    CompleteForm,
    EndBreakForm,
    EpaForm,
    GatewayForm,
    ImportConfirmForm,
    ImportUploadForm,
    MentorChoiceForm,
    StartBreakForm,
    WithdrawForm,
)

MENTOR_SECTION = "mentor-section"
PICKER_SLOT = "mentor-picker-slot"
PICKER_OPTIONS = "mentor-options"  # the list a search in the picker replaces
NO_MENTOR = "none"


@bp.get("/<int:apprentice_id>")
@records_a_view
@roles(Role.COORDINATOR, Role.MENTOR)
def show(apprentice_id: int):
    """Details, mentor, placements, status history, progress and reviews."""
    apprentice = apprentice_or_404(apprentice_id, current_user, *profiles.DETAILS)
    if requested_block({MENTOR_SECTION: "mentor_section"}):
        # The mentor picker's Cancel: the section of the page already open (whose view was recorded),
        # closed again. Its mentor's name is all it shows: not another look at the record.
        return render_block("apprentices/show.html", "mentor_section", apprentice=apprentice)
    audit.viewed(current_user, "apprentice.viewed", apprentice)
    profile = profiles.load(apprentice, date.today(), ProgrammeSettings.current())
    coordinating = current_user.role == Role.COORDINATOR
    return render_template("apprentices/show.html", profile=profile, apprentice=apprentice, today=date.today(),
                           actions=apprentices.available_actions(apprentice) if coordinating else [],
                           status_actions=STATUS_ACTIONS,
                           levy=levy_funding.for_apprentice(apprentice) if coordinating else None)


@bp.route("/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new():
    """Add an apprentice."""
    form = ApprenticeForm()
    if request.method == "GET" and is_id(request.args.get("cohort")):
        form.cohort_id.data = request.args["cohort"]
    if form.validate_on_submit():
        apprentice = apprentices.create(current_user, form.values())
        flash(f"{apprentice.full_name} added.", "success")
        return redirect(url_for("apprentices.show", apprentice_id=apprentice.id), code=303)
    return _form_page(form, "Add an apprentice", url_for("cohorts.index"))


@bp.route("/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_upload():
    """Import apprentices from a CSV: upload it, and see every row's problems before anything is added."""
    form = ImportUploadForm()
    # Opened from a cohort's page: rows with no cohort are for that one, and the way back is to it.
    cohort = _import_cohort(request.args.get("cohort"))
    if form.validate_on_submit():
        text = importing.decode(form.file.data.read())
        if text is None:
            form.file.errors.append("The selected file must be a CSV saved as UTF-8 text")
        else:
            return render_template("apprentices/import_preview.html",
                                   preview=importing.preview(text, cohort.name if cohort else None), cohort=cohort,
                                   confirm=ImportConfirmForm(content=text, cohort=cohort.id if cohort else ""))
    return render_template("apprentices/import.html", form=form, columns=importing.COLUMNS, cohort=cohort)


def _import_cohort(value: str | None) -> Cohort | None:
    cohort_id = parse_id(value)
    return db.session.get(Cohort, cohort_id) if cohort_id else None


@bp.post("/import/confirm")
@roles(Role.COORDINATOR)
def import_confirm():
    """Add every row of a checked file, or none if anything has changed since it was checked."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    cohort = _import_cohort(form.cohort.data)
    result = importing.commit(current_user, form.content.data or "", cohort.name if cohort else None)
    if not result.ok:
        return render_template("apprentices/import_preview.html", preview=result, confirm=form, cohort=cohort)
    flash(f"Imported the file: {result.count('new')} added, {result.count('update')} updated, "
          f"{result.count('unchanged')} unchanged.", "success")
    # Most files are one cohort's intake: land on that cohort to see them.
    cohort_ids = result.cohort_ids
    if len(cohort_ids) == 1:
        return redirect(url_for("cohorts.show", cohort_id=cohort_ids.pop()), code=303)
    return redirect(url_for("cohorts.index"), code=303)


@bp.get("/import/template.csv")
@roles(Role.COORDINATOR)
def import_template():
    """A CSV with the columns the import expects and one example row."""
    return Response(importing.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="apprentices-template.csv"'})


@bp.route("/<int:apprentice_id>/edit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def edit(apprentice_id: int):
    """Change an apprentice's details."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    apprentices.refuse_if_anonymised(apprentice)
    form = ApprenticeForm(apprentice=apprentice)
    if form.validate_on_submit():
        with conflict_shown_on(form, apprentice, "apprentice"):
            changed = apprentices.update(current_user, apprentice, form.values(), version=form.seen_version())
            flash("Details saved." if changed else "Nothing changed.", "success")
            return redirect(url_for("apprentices.show", apprentice_id=apprentice.id), code=303)
    return _form_page(form, f"Edit {apprentice.full_name}’s details",
                      url_for("apprentices.show", apprentice_id=apprentice.id))


def _form_page(form: ApprenticeForm, title: str, back: str):
    narrow = {"params": {"classes": "govuk-input--width-10"}}
    return render_template("form_page.html", form=form, title=title, back=back, field_params={
        "uln": narrow, "contracted_minutes_per_week": {"params": {"classes": "govuk-input--width-5",
                                                                  "inputmode": "decimal"}}})


@bp.route("/<int:apprentice_id>/mentor", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def mentor(apprentice_id: int):
    """Choose a mentor, seeing each one's caseload against capacity."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    search = request.args.get("q", "").strip()[:100]
    form = MentorChoiceForm()
    if request.method == "GET":
        form.mentor_id.data = str(apprentice.mentor_id) if apprentice.mentor_id else NO_MENTOR
    if form.validate_on_submit():
        chosen = None if form.mentor_id.data == NO_MENTOR else db.session.get(Mentor, int(form.mentor_id.data))
        already = chosen is not None and apprentice.mentor_id == chosen.id
        had_none = chosen is None and apprentice.mentor_id is None
        load = mentors.caseload(chosen) if chosen else None
        if not (already or had_none):
            mentors.assign(current_user, apprentice, chosen)
        if already or had_none:  # saved as it was: nothing to record, and say so rather than announce a change
            message = (f"{chosen.name} is already {apprentice.first_name}’s mentor. Nothing changed." if already
                       else f"{apprentice.first_name} has no mentor. Nothing changed.")
        else:
            message = f"{chosen.name} is now {apprentice.first_name}’s mentor." if chosen else "Mentor removed."
        if load is not None and not already and load.count + 1 > chosen.capacity:
            message += f" They are now over their capacity of {chosen.capacity}."
        if block := requested_block({MENTOR_SECTION: "mentor_section"}):
            return render_block("apprentices/show.html", block, apprentice=apprentice, message=message)
        flash(message, "success")
        return redirect(url_for("apprentices.show", apprentice_id=apprentice.id) + "#mentor", code=303)
    caseloads, matches = mentors.for_picker(search, apprentice.mentor_id)
    context = {"apprentice": apprentice, "form": form, "caseloads": caseloads, "matches": matches, "search": search,
               # inside the apprentice's page (its mentor section), not on a page of its own
               "inline": requested_block({MENTOR_SECTION: "picker", PICKER_SLOT: "picker"}) is not None}
    response = render_page_or_block("apprentices/mentor.html",
                                    {MENTOR_SECTION: "picker", PICKER_SLOT: "picker",
                                     PICKER_OPTIONS: "options_update"}, **context)
    if requested_block({MENTOR_SECTION: "picker"}):  # a post with errors: show them in the picker, keep the section
        response.headers.update({"HX-Retarget": "#mentor-picker", "HX-Reswap": "outerHTML"})
    return response


@dataclass(frozen=True)
class StatusAction:
    title: str
    link_text: str
    form: type
    statuses: tuple[ApprenticeStatus, ...]
    button: str = "Save"


STATUS_ACTIONS = {
    "start_break": StatusAction("Start a break in learning", "Start a break in learning", StartBreakForm,
                                (ApprenticeStatus.ACTIVE,), "Start the break"),
    "end_break": StatusAction("Return from a break in learning", "Record their return from the break", EndBreakForm,
                              (ApprenticeStatus.BREAK_IN_LEARNING,), "Record the return"),
    "withdraw": StatusAction("Withdraw from the programme", "Withdraw", WithdrawForm,
                             ApprenticeStatus.CURRENT, "Withdraw"),
    "gateway": StatusAction("Record gateway", "Record gateway", GatewayForm, (ApprenticeStatus.ACTIVE,),
                            "Record gateway"),
    "epa": StatusAction("Record the end-point assessment result", "Record the end-point assessment result",
                        EpaForm, (ApprenticeStatus.ACTIVE,), "Record the result"),
    "complete": StatusAction("Mark as completed", "Mark as completed", CompleteForm, (ApprenticeStatus.ACTIVE,),
                             "Mark as completed"),
}


def _apply(action: str, apprentice, form) -> str:
    """Carry out a validated status action; returns the message to show."""
    who = apprentice.full_name
    if action == "start_break":
        apprentices.start_break(current_user, apprentice, form.start_date.data, form.expected_return_date.data,
                                form.reason.data.strip())
        return f"{who} is on a break in learning."
    if action == "end_break":
        days = apprentices.end_break(current_user, apprentice, form.returned_on.data)
        return f"{who} is back in learning. Their planned end date moved out by {days} days."
    if action == "withdraw":
        apprentices.withdraw(current_user, apprentice, form.withdrawal_date.data, form.reason.data.strip())
        return f"{who} has been withdrawn."
    if action == "gateway":
        apprentices.record_gateway(current_user, apprentice, form.gateway_date.data)
        return f"Gateway recorded for {who}. Off-the-job hours after the gateway date do not count."
    if action == "epa":
        apprentices.record_epa(current_user, apprentice, form.epa_date.data, EpaOutcome(form.outcome.data))
        return f"End-point assessment result recorded for {who}."
    apprentices.complete(current_user, apprentice, form.completion_date.data)
    return f"{who} has completed their apprenticeship."


@bp.route("/<int:apprentice_id>/status/<action>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def change_status(apprentice_id: int, action: str):
    """A guided status change: break, return, withdrawal, gateway, end-point assessment, completion."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    if action not in STATUS_ACTIONS:
        abort(404)
    spec = STATUS_ACTIONS[action]
    if action not in apprentices.available_actions(apprentice):
        flash(f"You cannot do that now: {apprentice.full_name} is {apprentice.status.in_a_sentence}.", "error")
        return redirect(url_for("apprentices.show", apprentice_id=apprentice.id) + "#status", code=303)
    form = spec.form(apprentice)
    form.submit.label.text = spec.button
    if form.validate_on_submit():
        flash(_apply(action, apprentice, form), "success")
        return redirect(url_for("apprentices.show", apprentice_id=apprentice.id) + "#status", code=303)
    return render_template("form_page.html", form=form, title=spec.title, caption=apprentice.full_name,
                           back=url_for("apprentices.show", apprentice_id=apprentice.id) + "#status")


