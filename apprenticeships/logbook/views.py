"""Logging learning (apprentices), verifying it (mentors, coordinators), and each entry's history."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ..errors import on_refusal_go_to
from ..ids import parse_id
from ..models import ProgrammeSettings, Role, VerificationStatus
from ..permissions import apprentice_or_404, entry_or_404, roles, visible_apprentices_condition
from ..services import charts, logbook, overview
from ..services.logbook import DayIsFull
from ..templating import render_page_or_block, requested_block
from ..text import hours_in_words
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .forms import AnswerForm, LogEntryForm, QueryForm

LOGBOOK_TARGET = "logbook"
PROGRESS_TARGET = "progress"


def _me():
    return apprentice_or_404(current_user.apprentice_id, current_user)


def apprentice_home(form: LogEntryForm | None = None):
    """The apprentice's home: progress, chart, the log and its form. Parts refresh through htmx."""
    me, today = _me(), date.today()
    points = logbook.cumulative(me, today)
    chart = charts.line_chart([f"{p.day:%b %y}" for p in points],
                              {"logged": [p.logged_hours for p in points],
                               "expected": [p.expected_hours for p in points]},
                              every=max(1, -(-len(points) // 6)))
    context = {
        "apprentice": me, "form": form or LogEntryForm(me), "today": today, "chart": chart, "points": points,
        "totals": logbook.totals(me, today, ProgrammeSettings.current()),
        "entries": logbook.entries(me, request.args.get("page", 1, type=int)),
        "assignments": overview.apprentice_placements(me.id), "answer_form": AnswerForm(),
    }
    return render_page_or_block("home/apprentice.html", {LOGBOOK_TARGET: "logbook", PROGRESS_TARGET: "progress"},
                                **context)


@bp.post("/log")
@roles(Role.APPRENTICE)
def add():
    """Add an entry to the log: with htmx it appears in place and the totals and chart refresh."""
    me = _me()
    form = LogEntryForm(me)
    if not form.validate_on_submit():
        return _refused_entry(form)
    try:
        entry = logbook.add(current_user, me, form.values(), form.ksbs())
    except DayIsFull as error:  # another entry for the day got in between the form's check and this save
        form.minutes.errors.append(str(error))
        return _refused_entry(form)
    message = f"Added {hours_in_words(entry.hours)} on {entry.activity_date.day} {entry.activity_date:%B %Y}."
    if block := requested_block({LOGBOOK_TARGET: "logbook"}):
        response = make_response(render_block(
            "home/apprentice.html", block, apprentice=me, form=LogEntryForm(me, formdata=None),
            entries=logbook.entries(me, 1), message=message, answer_form=AnswerForm()))
        response.headers["HX-Trigger"] = "log-changed"
        return response
    flash(message, "success")
    return redirect(url_for("home.apprentice") + "#logbook", code=303)


def _refused_entry(form: LogEntryForm):
    """A new entry with errors: with htmx, the log's form in place; without, the form on a page of its
    own, so the error summary is at the top of the page rather than far below the progress figures."""
    if requested_block({LOGBOOK_TARGET: "logbook"}):
        return apprentice_home(form)
    return render_template("logbook/form.html", form=form, title="Add to your log")


@bp.route("/log/<int:entry_id>/edit", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def edit(entry_id: int):
    """Change one of your entries until it is verified."""
    entry = entry_or_404(entry_id, current_user)
    if entry.status == VerificationStatus.VERIFIED:
        flash("A verified entry cannot be changed.", "error")
        return redirect(url_for("home.apprentice") + "#logbook", code=303)
    on_refusal_go_to(url_for("home.apprentice") + "#logbook")
    form = LogEntryForm(entry.apprentice, entry=entry)
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        with conflict_shown_on(form, entry, "entry"):
            try:
                logbook.edit(current_user, entry, form.values(), form.ksbs(), version=form.seen_version())
            except DayIsFull as error:
                form.minutes.errors.append(str(error))
                return render_template("logbook/form.html", form=form, entry=entry)
            flash("Entry saved.", "success")
            return redirect(url_for("home.apprentice") + "#logbook", code=303)
    return render_template("logbook/form.html", form=form, entry=entry)


@bp.route("/log/<int:entry_id>/delete", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def delete(entry_id: int):
    """Ask to confirm, then delete one of your entries (not once verified)."""
    entry = entry_or_404(entry_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        on_refusal_go_to(url_for("home.apprentice") + "#logbook")
        logbook.delete(current_user, entry)
        flash("Entry deleted.", "success")
        return redirect(url_for("home.apprentice") + "#logbook", code=303)
    return render_template(
        "confirm_page.html", title="Delete this log entry?", confirm="Yes, delete it", cancel="No, keep it",
        back=url_for("home.apprentice") + "#logbook",
        explanation=[f"{entry.activity_date.day} {entry.activity_date:%B %Y}, {entry.activity_type.label.lower()}, "
                     f"{hours_in_words(entry.hours)}: {entry.description}",
                     "It will no longer count towards your hours. This cannot be undone."])


@bp.post("/log/<int:entry_id>/answer")
@roles(Role.APPRENTICE)
def answer(entry_id: int):
    """Answer a query about an entry; it goes back for verification."""
    entry = entry_or_404(entry_id, current_user)
    form = AnswerForm()
    if not form.validate_on_submit():
        flash(form.response.errors[0] if form.response.errors else "Enter your answer.", "error")
    else:
        on_refusal_go_to(url_for("home.apprentice") + f"#entry-{entry.id}")
        logbook.answer(current_user, entry, form.response.data.strip())
        flash("Answer sent. The entry is waiting for verification again.", "success")
    return redirect(url_for("home.apprentice") + f"#entry-{entry.id}", code=303)


@bp.get("/log/<int:entry_id>")
@roles(Role.APPRENTICE, Role.MENTOR, Role.COORDINATOR)
def history(entry_id: int):
    """An entry and every change made to it: who, when, what."""
    entry = entry_or_404(entry_id, current_user)
    return render_template("logbook/history.html", entry=entry, revisions=logbook.revisions(entry))


@bp.get("/verification")
@roles(Role.MENTOR, Role.COORDINATOR)
def queue():
    """Entries waiting for verification: a mentor's mentees, or everyone's for a coordinator."""
    page = logbook.queue(visible_apprentices_condition(current_user), request.args.get("page", 1, type=int))
    return render_template("logbook/queue.html", page=page, confirm=ConfirmForm())


@bp.post("/log/<int:entry_id>/verify")
@roles(Role.MENTOR, Role.COORDINATOR)
def verify(entry_id: int):
    """Verify an entry: its hours count towards the off-the-job total."""
    entry = entry_or_404(entry_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    logbook.verify(current_user, entry, parse_id(request.form.get("version")))
    flash(f"Verified {hours_in_words(entry.hours)} for {entry.apprentice.full_name}.", "success")
    return redirect(url_for("logbook.queue"), code=303)


@bp.route("/log/<int:entry_id>/query", methods=["GET", "POST"])
@roles(Role.MENTOR, Role.COORDINATOR)
def query(entry_id: int):
    """Ask the apprentice about an entry before verifying it."""
    entry = entry_or_404(entry_id, current_user)
    form = QueryForm(obj=entry)
    if form.validate_on_submit():
        on_refusal_go_to(url_for("logbook.queue"))
        logbook.query(current_user, entry, form.comment.data.strip(), form.seen_version())
        flash(f"Query sent to {entry.apprentice.full_name}.", "success")
        return redirect(url_for("logbook.queue"), code=303)
    return render_template("form_page.html", form=form, title="Query this entry", caption=entry.apprentice.full_name,
                           intro=f"{entry.activity_date.day} {entry.activity_date:%B %Y}, {entry.activity_type.label}, "
                                 f"{hours_in_words(entry.hours)}: {entry.description}",
                           back=url_for("logbook.queue"))
