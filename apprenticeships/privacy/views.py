"""The privacy notice."""

from __future__ import annotations

from flask import current_app, render_template

from ..models import Role
from ..permissions import public
from ..services import retention
from . import bp

# Who sees an apprentice's records: each role as permissions.py lets it (visible_apprentices_condition,
# visible_reviews_condition, evidence_or_404), in words. The notice lists every role.
WHO_SEES = {
    Role.COORDINATOR: "Programme coordinators at the council see every apprentice’s records, to run the programme.",
    Role.MENTOR: "A mentor sees the records of the apprentices they currently mentor: their log, hours, "
                 "evidence and progress reviews. Once an apprentice leaves the programme or moves to another "
                 "mentor, their former mentor no longer sees them, except the reviews they were asked to sign.",
    Role.EMPLOYER: "An employer partner sees the apprentices proposed for or placed on its work placements, and "
                   "the progress reviews held since the placement started, with their files. It never sees "
                   "log entries.",
    Role.APPRENTICE: "Apprentices see their own records, and no one else’s.",
}


@bp.get("/privacy")
@public
def notice():
    """What is held, why, for how long and who sees it: from the programme's settings and the app's configuration."""
    return render_template("privacy/notice.html", periods=retention.periods(current_app.config),
                           who_sees=[WHO_SEES[role] for role in Role])
