"""The public sector return: choose a year, see its figures, enter headcounts and answers, submit, download."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..ids import parse_id
from ..models import ProgrammeSettings, Role
from ..permissions import roles
from ..services import importing, sector_return
from ..services import open_data as open_data_files
from ..services.errors import StaleRecord
from ..services.sector_return import PARTS, FinancialYear
from ..templating import uk_today
from . import bp
from .forms import (
    HEADCOUNT_FIELDS,
    AnswersForm,
    HeadcountForm,
    HeadcountImportForm,
    ReopenForm,
    SubmitReturnForm,
    field_name,
)

MAX_FILE_BYTES = 100 * 1024


def _year(year: int) -> FinancialYear:
    """The year in the address, or 404 if no return can be made for it."""
    chosen = sector_return.year_offered(year, uk_today())
    if chosen is None:
        abort(404)
    return chosen


def _to_return(year: FinancialYear, anchor: str = ""):
    return redirect(url_for("reports.show", year=year.year) + anchor, code=303)


def _refuse_if_submitted(year_return) -> Response | None:
    if year_return.submitted:
        flash(f"The {year_return.year.label} return has been submitted, so it cannot be changed. "
              "Reopen it first if it must change.", "error")
        return _to_return(year_return.year)
    return None


@bp.get("")
@roles(Role.COORDINATOR)
def index():
    """Every financial year a return can be made for, with where each one is."""
    return render_template("reports/index.html", years=sector_return.years_offered(uk_today()),
                           returns=sector_return.returns_by_year())


@bp.get("/<int:year>")
@roles(Role.COORDINATOR)
def show(year: int):
    """A year's figures per part of the council, the percentages with their working, and what to do next."""
    year_return = sector_return.load(_year(year))
    totals = year_return.total
    settings = ProgrammeSettings.current()
    return render_template("reports/show.html", r=year_return, parts=PARTS, totals=totals,
                           percentages={part: sector_return.percentages(year_return.parts[part]) for part in PARTS}
                           | {"total": sector_return.percentages(totals)},
                           questions=sector_return.QUESTIONS, answer_questions=sector_return.ANSWER_QUESTIONS,
                           open_data_ready=open_data_files.council_set(),
                           threshold=settings.disclosure_threshold, rounded=settings.round_to_five)


@bp.route("/<int:year>/employees", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def employees(year: int):
    """Enter both parts' employee headcounts (and full-time equivalents, if known)."""
    year_return = sector_return.load(_year(year))
    if refused := _refuse_if_submitted(year_return):
        return refused
    data = {"version": year_return.version or ""}
    for part in PARTS:
        for name in HEADCOUNT_FIELDS:
            data[field_name(part, name)] = getattr(year_return.parts[part], name)
    form = HeadcountForm(data=data)
    if form.validate_on_submit():
        changed = sector_return.save_headcounts(current_user, year_return.year, form.headcounts(),
                                                version=parse_id(form.version.data))
        flash("Employee numbers saved." if changed else "Nothing changed.", "success")
        return _to_return(year_return.year, "#figures")
    return render_template("reports/employees.html", form=form, r=year_return, parts=PARTS)


@bp.route("/<int:year>/employees/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_employees(year: int):
    """Import both parts' employee headcounts from an HR file: every row checked, nothing stored if any is wrong."""
    year_return = sector_return.load(_year(year))
    if refused := _refuse_if_submitted(year_return):
        return refused
    form = HeadcountImportForm(data={"version": year_return.version or ""})
    problems: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_FILE_BYTES + 1)
        text = importing.decode(raw) if len(raw) <= MAX_FILE_BYTES else None
        if text is None:
            form.file.errors.append("The selected file must be a CSV saved as UTF-8 text, 100 KB at most")
        else:
            checked = sector_return.read_headcounts(text)
            if checked.ok:
                sector_return.save_headcounts(current_user, year_return.year, checked.headcounts,
                                              version=parse_id(form.version.data), source="import")
                flash("Employee numbers imported for both parts of the council.", "success")
                return _to_return(year_return.year, "#figures")
            problems = checked.problems
            form.file.errors.append("The file has problems, so nothing was imported: see the list below")
    return render_template("reports/import.html", form=form, r=year_return, problems=problems,
                           columns=sector_return.HEADCOUNT_COLUMNS)


@bp.get("/employees-template.csv")
@roles(Role.COORDINATOR)
def employees_template():
    """A CSV with the columns the HR import expects and an example row for each part."""
    return Response(sector_return.headcount_template(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="employee-numbers-template.csv"'})


@bp.route("/<int:year>/answers", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def answers(year: int):
    """The narrative answers, drafted with the year's facts until the coordinator saves their own."""
    year_return = sector_return.load(_year(year))
    if refused := _refuse_if_submitted(year_return):
        return refused
    stored = year_return.answers()
    drafted = not any(stored.values())
    shown = sector_return.draft_answers(year_return) if drafted else stored
    form = AnswersForm(data={**shown, "version": year_return.version or ""})
    conflict = None
    if form.validate_on_submit():
        try:
            sector_return.save_answers(current_user, year_return.year, form.answers(),
                                       version=parse_id(form.version.data))
        except StaleRecord as error:
            db.session.rollback()
            conflict = str(error)  # what they typed stays on the page; saving again overwrites
            form.version.data = sector_return.load(year_return.year).version or ""
        else:
            flash("Answers saved.", "success")
            return _to_return(year_return.year, "#answers")
    return render_template("reports/answers.html", form=form, r=year_return, drafted=drafted, conflict=conflict)


@bp.route("/<int:year>/submit", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def submit(year: int):
    """Check the figures, then mark the year submitted: from then on they stay as filed."""
    year_return = sector_return.load(_year(year))
    if year_return.submitted:
        flash(f"The {year_return.year.label} return has already been submitted.", "error")
        return _to_return(year_return.year)
    form = SubmitReturnForm(data={"version": year_return.version or "", "figures": year_return.fingerprint()})
    if form.validate_on_submit():
        sector_return.submit(current_user, year_return.year, version=parse_id(form.version.data),
                             seen=form.figures.data or "", today=uk_today())
        flash(f"The {year_return.year.label} return is marked as submitted. Its figures and answers are now "
              "kept as filed.", "success")
        return _to_return(year_return.year)
    return render_template("reports/submit.html", form=form, r=year_return, parts=PARTS,
                           questions=sector_return.QUESTIONS, ended=year_return.year.ended(uk_today()))


@bp.route("/<int:year>/reopen", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def reopen(year: int):
    """Reopen a submitted year, after confirming: its figures come from the records again."""
    year_return = sector_return.load(_year(year))
    if not year_return.submitted:
        flash(f"The {year_return.year.label} return is not submitted, so there is nothing to reopen.", "error")
        return _to_return(year_return.year)
    form = ReopenForm(data={"version": year_return.version or ""})
    if form.validate_on_submit():
        if form.confirm.data != "yes":
            return _to_return(year_return.year)
        sector_return.reopen(current_user, year_return.year, version=parse_id(form.version.data))
        flash(f"The {year_return.year.label} return is reopened. Its apprentice figures come from the records "
              "again; the figures as filed are kept in the audit log.", "success")
        return _to_return(year_return.year)
    return render_template("reports/reopen.html", form=form, r=year_return)


@bp.get("/<int:year>/publish")
@roles(Role.COORDINATOR)
def publish(year: int):
    """The return as a page to publish on the council's website: figures and answers, no personal data."""
    year_return = sector_return.load(_year(year))
    return render_template("reports/publish.html", r=year_return, parts=PARTS,
                           percentages={part: sector_return.percentages(year_return.parts[part]) for part in PARTS},
                           answer_questions=sector_return.ANSWER_QUESTIONS)


def _download(content: str | bytes, filename: str, mimetype: str = "text/csv") -> Response:
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<int:year>/return.csv")
@roles(Role.COORDINATOR)
def return_csv(year: int):
    """The return's fields in the order of DfE's form, one row per part of the council, to copy into the form."""
    year_return = sector_return.load(_year(year))
    return _download(sector_return.return_csv(year_return),
                     f"public-sector-apprenticeship-return-{year_return.year.label}.csv")


@bp.get("/<int:year>/open-data.zip")
@roles(Role.COORDINATOR)
def open_data(year: int):
    """The return as open data in the EES standard, small apprentice counts suppressed: the data file and its
    `.meta.csv` in one ZIP, as the cohort summaries' (services/open_data.py `as_zip`). A draft's file says
    in its name that it is a draft, and of which day: its figures move until the year is submitted."""
    year_return = sector_return.load(_year(year))
    made = sector_return.open_data_file(year_return)
    name = made.stem if year_return.submitted else f"{made.stem}_draft_as_of_{uk_today().isoformat()}"
    return _download(open_data_files.as_zip(made), f"{name}.zip", "application/zip")
