"""The subject access download."""

from __future__ import annotations

from flask import send_file
from flask_login import current_user

from ..models import Role
from ..permissions import roles, subject_access_or_404
from ..services import subject_access
from ..transactions import records_a_view
from . import bp


@bp.get("/apprentices/<int:apprentice_id>/subject-access.zip")
@records_a_view  # its audit event is saved before the file is sent
@roles(Role.COORDINATOR, Role.APPRENTICE, Role.MENTOR, Role.EMPLOYER)
def download(apprentice_id: int):
    """Everything held about one apprentice, as a ZIP: for a coordinator, or the apprentice themself
    (a mentor or employer is answered 404, as for a record that does not exist)."""
    apprentice = subject_access_or_404(apprentice_id, current_user)
    export = subject_access.export(current_user, apprentice)
    # Sent from its temporary file a piece at a time; the file is deleted once sent.
    return send_file(export.file, mimetype="application/zip", as_attachment=True, download_name=export.filename,
                     conditional=False, etag=False, max_age=None)
