"""Records past their retention period: the list, the confirmation before anonymising, keeping a
record longer, and deleting a record added in error."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..errors import on_refusal_go_to
from ..ids import parse_id
from ..models import Apprentice, ApprenticeStatus, ProgrammeSettings, Role, StatusChange
from ..permissions import apprentice_or_404, roles
from ..services import retention
from ..versioning import conflict_shown_on
from . import bp
from .forms import AnonymiseForm, KeepLongerForm


@bp.get("/retention")
@roles(Role.COORDINATOR)
def index():
    """The records past their retention period, a page at a time, to choose which to anonymise; and
    those past it that are kept longer."""
    today = date.today()
    page = retention.due_page(today, request.args.get("page", 1, type=int))
    kept, kept_total = retention.kept_longer(today)
    return render_template("retention/index.html", page=page, kept=kept, kept_total=kept_total,
                           years=ProgrammeSettings.current().retention_years)


@bp.route("/retention/anonymise", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def anonymise():
    """Confirm, then anonymise, the records chosen on the list (those of them still past their period)."""
    today = date.today()
    sent = (request.form if request.method == "POST" else request.args).getlist("apprentice")
    ids = {i for i in (parse_id(value) for value in sent[:retention.PAGE_SIZE]) if i is not None}
    chosen = retention.due(today, ids) if ids else []
    if not chosen:
        flash("Select the records to anonymise" if request.method == "GET" or not ids else
              "None of the records chosen is past its retention period now, so nothing was anonymised.", "error")
        return redirect(url_for("retention.index"), code=303)
    form = AnonymiseForm()
    if form.validate_on_submit():
        done = retention.anonymise(current_user, [record.id for record in chosen], today)
        flash(f"{_records(len(done))} anonymised.", "success")
        return redirect(url_for("retention.index"), code=303)
    return render_template("retention/anonymise.html", form=form, chosen=chosen)


def _records(count: int) -> str:
    return "1 record" if count == 1 else f"{count} records"


@bp.route("/apprentices/<int:apprentice_id>/keep-longer", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def keep_longer(apprentice_id: int):
    """Mark a record to be kept past the retention period, with why (match-funded evidence...), or no longer."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    back = url_for("apprentices.show", apprentice_id=apprentice.id) + "#records"
    form = KeepLongerForm(data={"keep_longer": "yes" if apprentice.keep_longer else "no",
                                "reason": apprentice.keep_longer_reason, "version": apprentice.version})
    if form.validate_on_submit():
        with conflict_shown_on(form, apprentice, "apprentice"):
            keep, reason = form.values()
            changed = retention.keep_longer(current_user, apprentice, keep, reason, version=form.seen_version())
            flash(("This record will be kept past the retention period." if keep else
                   "This record will be listed for anonymising once its retention period ends.")
                  if changed else "Nothing changed.", "success")
            return redirect(back, code=303)
    years = ProgrammeSettings.current().retention_years
    return render_template(
        "form_page.html", form=form, title="Keep this record longer?", caption=apprentice.full_name, back=back,
        intro=f"Records are kept for {_years(years)} after the apprenticeship ends, then listed for a coordinator "
              "to anonymise. A record kept longer is not listed until this is changed back.")


def _years(years: int) -> str:
    return "1 year" if years == 1 else f"{years} years"


@bp.route("/apprentices/<int:apprentice_id>/delete", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def delete(apprentice_id: int):
    """Delete a record added in error, once confirmed; a record with anything in it says why it cannot be."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    if request.method == "POST":
        on_refusal_go_to(url_for("retention.delete", apprentice_id=apprentice.id))
        name, cohort_id = apprentice.full_name, apprentice.cohort_id
        retention.delete_created_in_error(current_user, apprentice)
        flash(f"{name}’s record has been deleted.", "success")
        return redirect(url_for("cohorts.show", cohort_id=cohort_id), code=303)
    back = url_for("apprentices.show", apprentice_id=apprentice.id) + "#records"
    blockers = retention.deletion_blockers(apprentice)
    if blockers:
        return render_template("retention/cannot_delete.html", apprentice=apprentice, blockers=blockers, back=back,
                               years=ProgrammeSettings.current().retention_years)
    return render_template(
        "confirm_page.html", title=f"Delete {apprentice.full_name}’s record?", back=back,
        explanation=[f"Only delete a record added in error. {apprentice.first_name} has nothing in it yet: no log "
                     "entries, reviews, placements or evidence.",
                     "Their record, their first review booking and any invitation not yet taken up are deleted. "
                     "This cannot be undone."],
        confirm="Delete this record", cancel="No, keep it")


def retention_of(apprentice: Apprentice, timeline: list[tuple[StatusChange, str | None]]) -> str:
    """How long the apprentice's page says their record is kept (the status history is the page's own)."""
    if apprentice.anonymised_at is not None:
        return f"This record was anonymised on {_long(apprentice.anonymised_at.date())}."
    if apprentice.keep_longer:
        return f"This record is kept past the retention period: {apprentice.keep_longer_reason}."
    years = ProgrammeSettings.current().retention_years
    ends = [change.effective_date for change, _ in timeline if change.to_status in retention.FINISHED]
    ended = max(ends) if ends else (apprentice.withdrawal_date or apprentice.completion_date)
    if apprentice.status in retention.FINISHED and ended is not None:
        left = "withdrew" if apprentice.status == ApprenticeStatus.WITHDRAWN else "completed"
        return (f"Kept until {_long(retention.kept_until(ended, years))}: {_years(years)} after "
                f"{apprentice.first_name} {left} on {_long(ended)}. Then it is listed for anonymising.")
    return (f"Kept while {apprentice.first_name} is on the programme, then for {_years(years)} after their "
            "apprenticeship ends. Then it is listed for anonymising.")


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
