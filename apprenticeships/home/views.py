"""Home pages: one per role."""

from datetime import date

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..email import problems as email_problems
from ..logbook import views as logbook_views
from ..models import AssignmentStatus, Placement, ProgrammeSettings, Role
from ..permissions import public, roles, visible_apprentices_condition
from ..services import dashboard, employers, levy_overview, logbook, overview, placements, reviews
from ..templating import uk_today
from ..transactions import records_a_view
from . import bp, home_url

COHORTS_SHOWN = 10  # the newest; the cohorts page has all of them


@bp.get("/")
@public
def index():
    """Send people to their role's home page, or to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return redirect(home_url(current_user))


@bp.get("/coordinator")
@roles(Role.COORDINATOR)
def coordinator():
    """The programme at a glance: who is where, who is at risk and why, what is coming up."""
    today, settings, everyone = date.today(), ProgrammeSettings.current(), visible_apprentices_condition(current_user)
    at_risk, at_risk_total = dashboard.at_risk("everyone", everyone, today, settings)
    cohorts, cohorts_total = overview.current_cohorts(limit=COHORTS_SHOWN)
    reviews_due, reviews_due_total = dashboard.reviews_due("everyone", everyone, today)
    placements_waiting, placements_waiting_total = dashboard.placements_awaiting_approval()
    proposals_waiting, proposals_waiting_total = dashboard.proposals_awaiting_employers()
    return render_template(
        "home/coordinator.html", cohorts=cohorts, cohorts_total=cohorts_total, at_risk=at_risk,
        at_risk_total=at_risk_total, reviews_due=reviews_due, reviews_due_total=reviews_due_total,
        placements_waiting=placements_waiting, placements_waiting_total=placements_waiting_total,
        proposals_waiting=proposals_waiting, proposals_waiting_total=proposals_waiting_total, today=today,
        entries_waiting=overview.entries_waiting(current_user),
        to_sign=overview.reviews_to_sign(current_user),
        email_problems=email_problems.count(), levy_expiring=levy_overview.expiring_soon(uk_today()),
    )


@bp.get("/mentor")
@roles(Role.MENTOR)
def mentor():
    """A mentor's mentees, what waits for their verification, and which of them are at risk and why."""
    today, settings, mine = date.today(), ProgrammeSettings.current(), visible_apprentices_condition(current_user)
    at_risk, at_risk_total = dashboard.at_risk(f"mentor:{current_user.mentor_id}", mine, today, settings)
    reviews_due, reviews_due_total = dashboard.reviews_due(f"mentor:{current_user.mentor_id}", mine, today)
    return render_template("home/mentor.html", mentor=current_user.mentor, at_risk=at_risk, at_risk_total=at_risk_total,
                           mentees=overview.current_mentees(current_user.mentor_id),
                           reviews_due=reviews_due, reviews_due_total=reviews_due_total, today=today,
                           to_sign=reviews.waiting_for_signature(current_user),
                           actions=reviews.action_counts(mine, today),
                           # What waits in the verification queue (one statement), each linked into it.
                           queue=logbook.queue_counts(current_user, logbook.QueueFilters()))


@bp.get("/employer")
@roles(Role.EMPLOYER)
def employer():
    """An employer partner's placements (the newest; the placements page has all of them) and the
    apprentices it hosts."""
    newest, placements_total = placements.newest(Placement.employer_id == current_user.employer_id)
    waiting, waiting_total = employers.awaiting_decision(current_user.employer_id)
    return render_template(
        "home/employer.html",
        employer=current_user.employer,
        placements=newest, placements_total=placements_total,
        hosted=employers.hosted(current_user.employer_id, date.today(), ProgrammeSettings.current(),
                                AssignmentStatus.PLACED),
        waiting=waiting, waiting_total=waiting_total,
        to_sign=reviews.waiting_for_signature(current_user), today=date.today(),
    )


@bp.get("/apprentice")
@records_a_view
@roles(Role.APPRENTICE)
def apprentice():
    """An apprentice's own progress, learning log, next review and placements."""
    return logbook_views.apprentice_home()
