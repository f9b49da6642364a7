"""Home pages: one per role."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..models import Role
from ..permissions import apprentice_or_404, public, roles
from ..services import overview
from . import bp, home_url


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
    """The programme at a glance: current cohorts and where their apprentices are."""
    return render_template("home/coordinator.html", cohorts=overview.current_cohorts())


@bp.get("/mentor")
@roles(Role.MENTOR)
def mentor():
    """A mentor's mentees."""
    return render_template("home/mentor.html", mentor=current_user.mentor,
                           mentees=overview.current_mentees(current_user.mentor_id))


@bp.get("/employer")
@roles(Role.EMPLOYER)
def employer():
    """An employer partner's placements and the apprentices it hosts."""
    return render_template(
        "home/employer.html",
        employer=current_user.employer,
        placements=overview.employer_placements(current_user.employer_id),
        assignments=overview.hosted_assignments(current_user.employer_id),
    )


@bp.get("/apprentice")
@roles(Role.APPRENTICE)
def apprentice():
    """An apprentice's own programme: who supports them and where they are placed."""
    me = apprentice_or_404(current_user.apprentice_id, current_user)
    return render_template("home/apprentice.html", apprentice=me,
                           assignments=overview.apprentice_placements(me.id))
