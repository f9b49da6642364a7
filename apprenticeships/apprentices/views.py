"""An apprentice's page."""

from datetime import date

from flask import render_template
from flask_login import current_user

from ..models import ProgrammeSettings, Role
from ..permissions import apprentice_or_404, roles
from ..services import profiles
from . import bp


@bp.get("/<int:apprentice_id>")
@roles(Role.COORDINATOR, Role.MENTOR)
def show(apprentice_id: int):
    """Details, mentor, placements, status history, progress and reviews."""
    apprentice = apprentice_or_404(apprentice_id, current_user)
    profile = profiles.load(apprentice, date.today(), ProgrammeSettings.current())
    return render_template("apprentices/show.html", profile=profile, apprentice=apprentice, today=date.today())
