"""The audit page: every event, filtered and a page at a time, and the same events as a spreadsheet."""

from __future__ import annotations

import tempfile
from datetime import date

from flask import render_template, request, send_file
from flask_login import current_user

from ..models import Role
from ..permissions import roles
from ..services import audit
from ..services.spreadsheets import csv_text
from ..transactions import records_a_view
from . import bp
from .forms import FiltersForm

PAGE_SIZE = 50


@bp.get("")
@records_a_view
@roles(Role.COORDINATOR)
def index():
    """Who looked at, exported or changed what, newest first; for one apprentice, their record's trail."""
    form = FiltersForm(request.args)
    if form.errors:
        return render_template("audit/index.html", form=form, page=None, person=form.chosen_apprentice)
    filters = form.filters()
    page = audit.events(filters, PAGE_SIZE)
    if form.chosen_apprentice is not None:  # reading who looked at someone's record is looking at it too
        audit.viewed(current_user, "apprentice.audit_viewed", form.chosen_apprentice)
    return render_template("audit/index.html", form=form, page=page, person=form.chosen_apprentice,
                           args=form.args(page=None))


@bp.get("/events.csv")
@records_a_view
@roles(Role.COORDINATOR)
def export():
    """Every event the filters find, as CSV (cells that a spreadsheet would run as formulas are made safe)."""
    form = FiltersForm(request.args)
    if form.errors:  # the page says what is wrong
        return index()
    filters = form.filters()
    audit.exported(current_user, form.chosen_apprentice, form.used())
    lines = audit.csv_lines(filters)
    name = f"apprentice-{filters.apprentice_id}-" if filters.apprentice_id else ""
    filename = f"audit-events-{name}{date.today().isoformat()}.csv"
    # Written out here, inside the request, to a file that spills to disk past 1 MB: memory stays small
    # however long the log, and no request context is held open while a client reads slowly.
    spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)
    for line in lines:
        spool.write(csv_text([line]).encode())
    spool.seek(0)
    return send_file(spool, mimetype="text/csv", as_attachment=True, download_name=filename)
