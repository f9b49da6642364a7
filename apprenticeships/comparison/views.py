"""Councils side by side (coordinators), and the shared comparison behind a link (anyone with it)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import once
from ..extensions import db, limiter
from ..ids import parse_id
from ..models import Cohort, ComparisonLink, CouncilFile, Role
from ..permissions import public, roles
from ..security import no_referrer
from ..services import charts, comparison, sharing, summaries
from ..users.forms import ConfirmForm
from . import bp
from .forms import ComparisonLinkForm, CouncilFileForm


def _cohorts() -> list[tuple[int, str]]:
    """Every cohort, newest first, to choose whose figures are compared."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Cohort.id, Cohort.name).order_by(Cohort.start_date.desc(), Cohort.id.desc()))]


def _charts(published: dict) -> list[dict]:
    """A bar chart for starts, achievements and withdrawals and for each percentage, one bar for each
    council whose file has a figure. England's counts are in the table only: beside a council's they
    would leave the councils' bars too small to read."""
    found = []
    for row in published["headline"]:
        if row["name"] not in comparison.FIRST and row["unit"] != "%":
            continue
        items = [(source["name"], comparison.number(value), comparison.in_words(value, row["unit"]))
                 for source, value in zip(published["sources"], row["values"], strict=True)
                 if row["unit"] == "%" or source["kind"] != "england"]
        if any(value is not None for _, value, _ in items):
            found.append({"id": f"chart-{row['name']}", "label": row["label"], "charts": charts.bar_charts(items)})
    return found


def _page(template: str, published: dict, **context):
    return render_template(template, p=published, chart_list=_charts(published), in_words=comparison.in_words,
                           period_in_words=comparison.period_in_words, licence=summaries.LICENCE,
                           licence_url=summaries.LICENCE_URL, **context)


@bp.get("/comparison")
@roles(Role.COORDINATOR)
def index():
    """One of our cohorts' published figures beside other councils' and England's."""
    cohorts = _cohorts()
    chosen = parse_id(request.args.get("cohort"))
    cohort_id = chosen if chosen in {i for i, _ in cohorts} else (cohorts[0][0] if cohorts else None)
    files = comparison.files()
    if cohort_id is None:
        return render_template("comparison/index.html", p=None, files=files, cohorts=cohorts, cohort=None,
                               period_in_words=comparison.period_in_words)
    cohort = db.session.get(Cohort, cohort_id)
    published = comparison.build(cohort, sharing.current_figures(cohort, date.today()), files,
                                 current_app.config["ORGANISATION_NAME"])
    return _page("comparison/index.html", published, files=files, cohorts=cohorts, cohort=cohort)


@bp.route("/comparison/files/new", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
@roles(Role.COORDINATOR)
def add_file():
    """Add another council's (or England's) published file: checked whole, stored only if it is right."""
    form = CouncilFileForm()
    if form.validate_on_submit():
        field = form.address if form.address.data else form.files
        try:
            if form.address.data:
                pair = comparison.fetch(form.address.data)
            else:
                pair = comparison.from_files(form.files.read(comparison.max_bytes()))
            table = comparison.check(pair)
        except comparison.NotInTheFormat as refused:
            field.errors = list(refused.problems)
        else:
            file = comparison.add(current_user, pair, table, form.address.data or None)
            flash(f"Added the figures for {file.name}.", "success")
            return redirect(url_for("comparison.index"), code=303)
    return render_template("comparison/add.html", form=form, max_size=comparison.size_in_words(comparison.max_bytes()))


def _file_or_404(file_id: int) -> CouncilFile:
    return db.get_or_404(CouncilFile, file_id)


@bp.route("/comparison/files/<int:file_id>/remove", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def remove_file(file_id: int):
    """Ask to confirm, then remove a council's file from the comparison."""
    file = _file_or_404(file_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = file.name
        comparison.remove(current_user, file)
        flash(f"Removed the figures for {name}.", "success")
        return redirect(url_for("comparison.index"), code=303)
    period = comparison.period_in_words(file.time_period, file.time_identifier)
    return render_template(
        "confirm_page.html", title=f"Remove the figures for {file.name} ({period})?", confirm="Yes, remove them",
        back=url_for("comparison.index"),
        explanation=["They are no longer compared on this page. Share links already made keep the figures "
                     "they were made with. You can add the file again later."])


@bp.get("/comparison/links")
@roles(Role.COORDINATOR)
def links():
    """Share links to comparisons: who they are for, views, expiry; revoke any of them."""
    return render_template("comparison/links.html", links=comparison.links(), today=date.today())


@bp.route("/comparison/links/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new_link():
    """Make a share link to the comparison as it stands now (a snapshot); the link is shown once."""
    cohorts = _cohorts()
    form = ComparisonLinkForm(data={"cohort": request.args.get("cohort", "")} if request.method == "GET" else None)
    form.cohort.choices = [SelectChoice("", "Select a cohort")] + [SelectChoice(str(i), n) for i, n in cohorts]
    if form.validate_on_submit():
        cohort = db.session.get(Cohort, parse_id(form.cohort.data))
        link, token = comparison.create_link(current_user, cohort, form.label.data.strip(), form.expires_on.data,
                                             date.today(), current_app.config["ORGANISATION_NAME"])
        once.hold("comparison-link", link.id, token)
        return redirect(url_for("comparison.created", link_id=link.id), code=303)
    return render_template("form_page.html", form=form, title="Share this comparison",
                           intro="Anyone with the link can read the comparison without signing in. It shows the "
                                 "figures as they are now: the cohort’s published figures, with small numbers "
                                 "hidden, beside the other councils’ files.",
                           back=url_for("comparison.links"))


def _link_or_404(link_id: int) -> ComparisonLink:
    return db.get_or_404(ComparisonLink, link_id)


@bp.get("/comparison/links/<int:link_id>")
@roles(Role.COORDINATOR)
def created(link_id: int):
    """The link just made, shown this once; afterwards the page says so."""
    link = _link_or_404(link_id)
    token = once.take("comparison-link", link.id)
    return render_template("share_link_created.html", link=link, what="comparison", back=url_for("comparison.links"),
                           url=url_for("comparison.shared", token=token, _external=True) if token else None)


@bp.route("/comparison/links/<int:link_id>/revoke", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def revoke_link(link_id: int):
    """Ask to confirm, then stop the link working at once."""
    link = _link_or_404(link_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        comparison.revoke_link(current_user, link)
        flash(f"The link for {link.label} no longer works.", "success")
        return redirect(url_for("comparison.links"), code=303)
    return render_template(
        "confirm_page.html", title=f"Revoke the link for {link.label}?", confirm="Yes, revoke it",
        back=url_for("comparison.links"),
        explanation=["It stops working at once for everyone who has it. This cannot be undone."])


@bp.get("/c/<token>")
@limiter.limit("60/minute")
@no_referrer
@public
def shared(token: str):
    """A shared comparison: published figures only, small numbers hidden."""
    link = comparison.open_link(token, date.today())
    if link is None:
        abort(404)  # unknown, revoked and expired links all look the same
    return _page("comparison/public.html", link.published, link=link)
