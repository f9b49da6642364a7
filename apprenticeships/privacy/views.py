"""The privacy notice."""

from __future__ import annotations

from flask import current_app, render_template, url_for
from flask_login import current_user

from ..models import ProgrammeSettings, Role
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


# Who, outside the council, handles the records for this service: from how it is configured.
EMAIL_SENT_BY = {
    "notify": "GOV.UK Notify, run by the Government Digital Service, sends the service’s emails for us.",
    "smtp": "The council’s email server sends the service’s emails.",
}


def shared_outside(config) -> list[str]:
    """Who else handles personal data for this service, as it is set up now (never a list kept by hand)."""
    sentences = ["This service sends no one’s records to anyone outside the council. Funding returns to the "
                 "Department for Education are made by the training providers from their own records."]
    if config["EMAIL_BACKEND"] in EMAIL_SENT_BY:
        sentences.append(EMAIL_SENT_BY[config["EMAIL_BACKEND"]] + " It sees the address and the message, "
                         "and acts only on our instructions.")
    if config["EVIDENCE_STORAGE_URL"]:
        sentences.append("Evidence files are kept in object storage the council has chosen, which acts only on "
                         "our instructions.")
    return sentences


@bp.get("/privacy")
@public
def notice():
    """What is held, why, for how long and who sees it: from the programme's settings and the app's configuration."""
    config = current_app.config
    # A signed-in apprentice is given the link to download their own copy; anyone else is told where it is.
    own_copy = (url_for("subject_access.download", apprentice_id=current_user.apprentice_id)
                if current_user.is_authenticated and current_user.role == Role.APPRENTICE
                and current_user.apprentice_id is not None else None)
    return render_template("privacy/notice.html", periods=retention.periods(config),
                           who_sees=[WHO_SEES[role] for role in Role], own_copy=own_copy,
                           shared_outside=shared_outside(config),
                           round_to_five=ProgrammeSettings.current().round_to_five,
                           dpo_name=config["DATA_PROTECTION_OFFICER_NAME"],
                           dpo_email=config["DATA_PROTECTION_OFFICER_EMAIL"])
