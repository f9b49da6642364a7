"""Share links (coordinators) and the public summary behind them (anyone with the link)."""

from __future__ import annotations

import json
from datetime import date

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from .. import once
from ..extensions import db, limiter
from ..models import Cohort, Role, ShareLink
from ..permissions import public, roles
from ..security import no_referrer
from ..services import charts, open_data, sharing, spreadsheets, summaries
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from . import bp
from .forms import ShareLinkForm


def _link_or_404(cohort_id: int, link_id: int) -> ShareLink:
    link = db.get_or_404(ShareLink, link_id)
    if link.cohort_id != cohort_id:
        abort(404)
    return link


@bp.get("/cohorts/<int:cohort_id>/sharing")
@roles(Role.COORDINATOR)
def links(cohort_id: int):
    """A cohort's share links: who they are for, views, expiry; revoke any of them."""
    cohort = db.get_or_404(Cohort, cohort_id)
    return render_template("summaries/links.html", cohort=cohort, links=sharing.links_for(cohort), today=date.today(),
                           council_set=open_data.council_set(), open_data_period=summaries.open_data_period(cohort, {}),
                           in_words=summaries.academic_year_in_words)


def _zip_response(pair: open_data.OpenDataFile, as_of) -> object:
    response = make_response(open_data.as_zip(pair))
    response.headers.update({
        "Content-Type": "application/zip",
        "Content-Disposition": f'attachment; filename="{pair.stem}_as_of_{as_of.date().isoformat()}.zip"'})
    return response


@bp.get("/cohorts/<int:cohort_id>/sharing/open-data.zip")
@records_a_view(writes=True)  # it may publish a new version of the figures
@roles(Role.COORDINATOR)
def open_data_zip(cohort_id: int):
    """The figures a share link would publish today, as open data in DfE's format (a data file and its
    metadata, zipped); published like a link's, so the differencing rule holds across both."""
    cohort = db.get_or_404(Cohort, cohort_id)
    figures, as_of = sharing.download(current_user, cohort, date.today())
    return _zip_response(summaries.open_data_file(cohort, figures), as_of)


@bp.route("/cohorts/<int:cohort_id>/sharing/new", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def new(cohort_id: int):
    """Make a share link to the cohort's summary; the link is shown once."""
    cohort = db.get_or_404(Cohort, cohort_id)
    form = ShareLinkForm()
    if form.validate_on_submit():
        values = form.values()
        link, token = sharing.create(current_user, cohort, values["label"], values["expires_on"], values["mode"],
                                     values["narrative"], date.today())
        once.hold("share-link", link.id, token)
        return redirect(url_for("summaries.created", cohort_id=cohort.id, link_id=link.id), code=303)
    return render_template("form_page.html", form=form, title="Share this cohort's summary", caption=cohort.name,
                           intro="Anyone with the link can read the summary without signing in. It shows figures "
                                 "only, with small numbers hidden so that nobody can be identified.",
                           back=url_for("summaries.links", cohort_id=cohort.id),
                           field_params={"narrative": {"params": {"rows": 6}}})


@bp.get("/cohorts/<int:cohort_id>/sharing/<int:link_id>")
@roles(Role.COORDINATOR)
def created(cohort_id: int, link_id: int):
    """The link just made, shown this once; afterwards the page says so."""
    link = _link_or_404(cohort_id, link_id)
    token = once.take("share-link", link.id)
    return render_template("share_link_created.html", link=link, what="summary",
                           back=url_for("summaries.links", cohort_id=link.cohort_id),
                           url=url_for("summaries.summary", token=token, _external=True) if token else None)


@bp.route("/cohorts/<int:cohort_id>/sharing/<int:link_id>/revoke", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def revoke(cohort_id: int, link_id: int):
    """Ask to confirm, then stop the link working at once."""
    link = _link_or_404(cohort_id, link_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        sharing.revoke(current_user, link)
        flash(f"The link for {link.label} no longer works.", "success")
        return redirect(url_for("summaries.links", cohort_id=cohort_id), code=303)
    return render_template(
        "confirm_page.html", title=f"Revoke the link for {link.label}?", confirm="Yes, revoke it",
        back=url_for("summaries.links", cohort_id=cohort_id),
        explanation=["It stops working at once for everyone who has it. This cannot be undone."])


def _open_or_404(token: str) -> ShareLink:
    link = sharing.open_link(token, date.today())
    if link is None:
        abort(404)  # unknown, revoked and expired links all look the same
    return link


def _bars(cells: list[dict], threshold: int):
    def text(cell):  # short: the table under the chart says why a figure is not shown
        if cell["value"] is not None:
            return str(cell["value"])
        return f"fewer than {threshold}" if cell["hidden"] == "small" else "not shown"

    return charts.bar_charts([(c["label"], c["value"], text(c)) for c in cells])


@bp.get("/s/<token>")
@limiter.limit("60/minute")
@no_referrer
@public
def summary(token: str):
    """A cohort's published summary: figures only, small numbers hidden."""
    link = _open_or_404(token)
    figures = link.published_figures
    return render_template(
        "summaries/public.html", link=link, cohort=link.cohort, f=figures, token=token,
        narrative=sharing.narrative_html(link.narrative), named=summaries.named_apprentices(link.cohort),
        why_hidden=summaries.why_hidden(figures),
        why_cell_hidden=summaries.why_cell_hidden,
        open_data=open_data.council_set(), open_data_period=summaries.open_data_period(link.cohort, figures),
        in_words=summaries.academic_year_in_words,
        status_chart=_bars(figures["statuses"], figures["threshold"]),
        area_chart=_bars(figures["service_areas"], figures["threshold"]),
        licence=summaries.LICENCE, licence_url=summaries.LICENCE_URL)


def flat_rows(figures: dict) -> list[tuple[str, str, str]]:
    """Every published figure as (measure, category, value): the downloads hold exactly these, and
    say why a figure is not shown, as the page does."""
    rows, why = [], summaries.why_hidden(figures)
    for key, value in figures.items():
        if isinstance(value, list):
            for cell in value:
                shown = cell["value"] if cell["value"] is not None else summaries.why_cell_hidden(
                    cell, figures["threshold"])
                rows.append((key, cell["label"], str(shown)))
        elif key not in ("threshold", "hidden"):
            shown = value if value is not None else f"not shown: {why[key]}" if key in why else "not shown"
            rows.append((key, "", str(shown)))
    return rows


@bp.get("/s/<token>.csv")
@limiter.limit("60/minute")
@no_referrer
@public
def summary_csv(token: str):
    """The published figures as CSV, with the licence."""
    link = _open_or_404(token)
    response = make_response(spreadsheets.csv_text([
        ("measure", "category", "value"), *flat_rows(link.published_figures),
        ("licence", summaries.LICENCE, summaries.LICENCE_URL),
        ("as_of", "", link.figures_as_of.date().isoformat())]))
    response.headers.update({"Content-Type": "text/csv; charset=utf-8",
                             "Content-Disposition": f'attachment; filename="cohort-summary-{date.today()}.csv"'})
    return response


@bp.get("/s/<token>.json")
@limiter.limit("60/minute")
@no_referrer
@public
def summary_json(token: str):
    """The published figures as JSON, with the licence."""
    link = _open_or_404(token)
    body = {"cohort": link.cohort.name, "as_of": link.figures_as_of.date().isoformat(),
            "licence": {"name": summaries.LICENCE, "url": summaries.LICENCE_URL}, "figures": link.published_figures}
    response = make_response(json.dumps(body, indent=2))
    response.headers.update({"Content-Type": "application/json",
                             "Content-Disposition": f'attachment; filename="cohort-summary-{date.today()}.json"'})
    return response


@bp.get("/s/<token>/open-data.zip")
@records_a_view(writes=True)  # it may publish a new version of the figures
@limiter.limit("60/minute")
@no_referrer
@public
def summary_open_data(token: str):
    """The published figures as open data in DfE's format: a data file and its metadata, zipped."""
    link = _open_or_404(token)
    if not open_data.council_set():
        abort(404)  # the page offers it only once the council's codes are set
    return _zip_response(summaries.open_data_file(link.cohort, link.published_figures), link.figures_as_of)
