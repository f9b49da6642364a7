"""Placement pages for employers, coordinators and apprentices."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

from ..errors import on_refusal_go_to, page_within_site
from ..models import Apprentice, Placement, PlacementStatus, Role, ServiceArea
from ..permissions import apprentice_or_404, assignment_or_404, placement_or_404, roles
from ..services import audit, matching, placements
from ..services.placements import EDITABLE
from ..templating import requested_block
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .forms import (
    AmendPlacementForm,
    DecisionForm,
    FinishForm,
    OpeningForm,
    PlacementForm,
    ProposeForm,
    ReviewForm,
    StartForm,
)

CANDIDATES_TARGET = "candidates"


@bp.app_template_global()
def placement_status(placement: Placement) -> tuple[str, str]:
    """For templates: the status a placement shows (its words and tag colour), as of today."""
    return placements.status_shown(placement, date.today())


@bp.app_template_global()
def places_words(placement: Placement, held: int | None = None, proposed: int | None = None) -> str:
    """For templates: what holds the placement's places, in words (counted here if not given)."""
    if held is None or proposed is None:
        held, proposed = placements.place_counts(placement)
    waiting_for = "you" if current_user.role == Role.EMPLOYER else "the employer"
    return placements.places_words(placement.places, held, proposed, waiting_for=waiting_for)


# What an employer is told after each change to their placement: one pattern, "<placement> has
# been <changed>." and what happens next, in the success banner every page shows (base.html).
_CHANGED = {
    "draft": "{title} has been saved as a draft. Submit it for approval when it is ready.",
    "submit": "{title} has been submitted for approval. Your programme coordinator will publish it or send it "
              "back to you with a comment.",
    "withdraw": "{title} has been withdrawn. Apprentices can no longer see it.",
    "close": "{title} has been closed. Apprentices can no longer apply for it.",
    "amend": "Your changes to {title} have been saved.",
}


def _back_to(placement: Placement, anchor: str = ""):
    return redirect(url_for("placements.show", placement_id=placement.id) + anchor, code=303)


def _refusals_back_to(placement: Placement, anchor: str = "") -> None:
    """If the service refuses, show why on the placement's page (not on the form that was posted)."""
    on_refusal_go_to(url_for("placements.show", placement_id=placement.id) + anchor)


@bp.get("/placements")
@roles(Role.COORDINATOR, Role.EMPLOYER)
def index():
    """Placements: an employer's own; for a coordinator, all of them, those waiting for approval first."""
    number = request.args.get("page", 1, type=int) or 1
    if current_user.role == Role.EMPLOYER:
        return render_template("placements/index.html", link_args={},
                               page=placements.listing(Placement.employer_id == current_user.employer_id,
                                                       page=number))
    status = request.args.get("status", "")
    if status not in PlacementStatus._value2member_map_:
        status = ""
    where = [Placement.status == status] if status else []
    waiting, waiting_total = placements.longest_waiting()
    return render_template("placements/index.html", page=placements.listing(*where, page=number), status=status,
                           link_args={"status": status} if status else {}, waiting=waiting,
                           waiting_total=waiting_total, statuses=PlacementStatus.choices())


@bp.route("/placements/new", methods=["GET", "POST"], defaults={"placement_id": None})
@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@roles(Role.EMPLOYER)
def form(placement_id: int | None):
    """Post a placement, or edit a draft or one sent back: save as a draft, or submit for approval."""
    placement = placement_or_404(placement_id, current_user) if placement_id else Placement()
    if placement_id and placement.status not in EDITABLE:
        flash("This placement can no longer be edited.", "error")
        return _back_to(placement)
    form = PlacementForm(current_user.employer_id, placement=placement)
    if form.validate_on_submit():
        placement.employer_id = current_user.employer_id
        submit = bool(form.submit.data)
        with conflict_shown_on(form, placement, "placement"):
            placements.save(current_user, placement, form.values(), form.standards(), submit=submit,
                            version=form.seen_version())
            flash(_CHANGED["submit" if submit else "draft"].format(title=placement.title), "success")
            return _back_to(placement)
    return render_template("placements/form.html", form=form, placement=placement if placement_id else None)


@bp.get("/placements/<int:placement_id>")
@roles(Role.COORDINATOR, Role.EMPLOYER)
def show(placement_id: int):
    """A placement: its details, state, and the apprentices proposed for or on it."""
    placement = placement_or_404(placement_id, current_user)
    assignments = placements.assignments_for(placement, withdrawn=current_user.role == Role.COORDINATOR)
    context = {"placement": placement, "confirm": ConfirmForm(), "places_left": placements.places_left(placement),
               "assignments": assignments, "expected_back": placements.expected_back(assignments),
               "amended": placements.last_amended(placement), "today": date.today(),
               "missing": placements.missing(placement) if placement.status in EDITABLE else []}
    if current_user.role == Role.COORDINATOR:
        context.update(_review_context(placement), review_form=ReviewForm())
    return render_template("placements/show.html", **context)


def _review_context(placement: Placement) -> dict:
    """What the coordinator's view of a placement shows besides its details."""
    return {"interested": placements.interested_in(placement),
            "publish_problem": placements.publish_problem(placement, date.today())
            if placement.status == PlacementStatus.SUBMITTED else None,
            **_candidates_context(placement)}


def _candidates_context(placement: Placement) -> dict:
    filters = matching.CandidateFilters.from_args(request.args)
    found, total = matching.candidates(placement, filters) if placement.status == PlacementStatus.PUBLISHED \
        else ([], 0)
    return {"filters": filters, "candidates": found, "candidate_total": total,
            "service_areas": ServiceArea.choices(), "placement": placement}


@bp.get("/placements/<int:placement_id>/candidates")
@roles(Role.COORDINATOR)
def candidates(placement_id: int):
    """Apprentices who could take the placement, filtered; each shows why they fit."""
    placement = placement_or_404(placement_id, current_user)
    context = {**_candidates_context(placement), "confirm": ConfirmForm(),
               "places_left": placements.places_left(placement)}
    if block := requested_block({CANDIDATES_TARGET: "candidates"}):
        return render_block("placements/show.html", block, **context)
    return redirect(url_for("placements.show", placement_id=placement.id, **request.args) + "#matching", code=303)


@bp.post("/placements/<int:placement_id>/<any(submit, withdraw, close):action>")
@roles(Role.EMPLOYER)
def change(placement_id: int, action: str):
    """An employer submits, withdraws or closes their placement."""
    placement = placement_or_404(placement_id, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _refusals_back_to(placement)
    getattr(placements, action)(current_user, placement)
    flash(_CHANGED[action].format(title=placement.title), "success")
    return _back_to(placement)


@bp.post("/placements/<int:placement_id>/review")
@roles(Role.COORDINATOR)
def review(placement_id: int):
    """Publish a submitted placement, or send it back with a comment the employer sees."""
    placement = placement_or_404(placement_id, current_user)
    form = ReviewForm()
    if form.validate_on_submit():
        _refusals_back_to(placement)
        if form.decision.data == "publish":
            placements.publish(current_user, placement)
            flash(f"{placement.title} is published.", "success")
        else:
            placements.send_back(current_user, placement, form.comment.data.strip())
            flash(f"{placement.title} was sent back to {placement.employer.name}.", "success")
        return _back_to(placement)
    assignments = placements.assignments_for(placement)
    return render_template("placements/show.html", review_form=form, confirm=ConfirmForm(),
                           assignments=assignments, expected_back=placements.expected_back(assignments),
                           today=date.today(),
                           places_left=placements.places_left(placement),
                           amended=placements.last_amended(placement), **_review_context(placement))


@bp.route("/placements/<int:placement_id>/amend", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.EMPLOYER)
def amend(placement_id: int):
    """Change a published placement: the coordinator its wording, closing date or number of places;
    its employer the closing date or number of places."""
    placement = placement_or_404(placement_id, current_user)
    if placement.status != PlacementStatus.PUBLISHED:
        flash("Only a published placement can be changed here.", "error")
        return _back_to(placement)
    employer = current_user.role == Role.EMPLOYER
    form = (OpeningForm if employer else AmendPlacementForm)(placement=placement,
                                                             held=placements.placed_count(placement))
    if form.validate_on_submit():
        _refusals_back_to(placement)
        with conflict_shown_on(form, placement, "placement"):
            changed = placements.amend(current_user, placement, form.values(), version=form.seen_version())
            flash(_CHANGED["amend"].format(title=placement.title) if changed else "Nothing was changed.", "success")
            return _back_to(placement)
    runs = (f"It runs from {placement.start_date.day} {placement.start_date:%B %Y} to "
            f"{placement.end_date.day} {placement.end_date:%B %Y}. Its dates and hours cannot change once it "
            "is published" + (": apprentices were proposed for them." if placements.any_proposed(placement) else "."))
    return render_template(
        "form_page.html", form=form, caption=placement.employer.name,
        title=f"Change the closing date or places of {placement.title}" if employer else f"Change {placement.title}",
        back=url_for("placements.show", placement_id=placement.id),
        intro=runs + (" To change how it is described, contact your programme coordinator." if employer else ""),
        field_params={name: {"params": {"rows": 3}} for name in ("description", "learning_outcomes", "skills")})


@bp.route("/placements/<int:placement_id>/propose/<int:apprentice_id>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def propose(placement_id: int, apprentice_id: int):
    """Propose an apprentice for a published placement, with a note to the employer; as a
    reserve when every place is held."""
    placement = placement_or_404(placement_id, current_user)
    apprentice = apprentice_or_404(apprentice_id, current_user)
    form = ProposeForm()
    if form.validate_on_submit():
        _refusals_back_to(placement, "#apprentices")
        placements.propose(current_user, placement, apprentice, reserve=form.as_reserve,
                           note=(form.note.data or "").strip() or None)
        flash(f"{apprentice.full_name} proposed to {placement.employer.name}"
              f"{' as a reserve' if form.as_reserve else ''}.", "success")
        return _back_to(placement, "#apprentices")
    if placement.status != PlacementStatus.PUBLISHED:
        flash("Apprentices can only be proposed for a published placement.", "error")
        return _back_to(placement)
    places_left = placements.places_left(placement)
    if request.method == "GET":
        form.reserve.data = "" if places_left else "yes"
    return render_template("placements/propose.html", form=form, placement=placement, apprentice=apprentice,
                           places_left=places_left, answerable=placements.someone_can_answer(placement.employer_id))


@bp.route("/placements/proposals/<int:assignment_id>", methods=["GET", "POST"])
@records_a_view
@roles(Role.EMPLOYER)
def decide(assignment_id: int):
    """The employer accepts or declines an apprentice proposed to them, seeing what they need to decide."""
    assignment = assignment_or_404(assignment_id, current_user)
    back = _decide_came_from()
    form = DecisionForm()
    if form.validate_on_submit():
        _refusals_back_to(assignment.placement, "#apprentices")
        accepted = form.decision.data == "accept"
        placements.decide(current_user, assignment, accepted, form.reason.data)
        name, first, starts = assignment.apprentice.full_name, assignment.apprentice.first_name, assignment.start_date
        flash(f"You accepted {name}. The coordinator has been told; {first} starts "
              f"{'today' if starts == date.today() else f'on {starts.day} {starts:%B %Y}'}. The coordinator will "
              f"confirm with you when {first} has started." if accepted
              else f"You declined {name}. The coordinator has been told.", "success")
        # Back where they came from (home by default, where any other proposals waiting for them are).
        return redirect(back, code=303)
    if request.method == "GET" and (problem := placements.undecided_problem(assignment)):
        flash(f"{problem}.", "error")
        return _back_to(assignment.placement, "#apprentices")
    places_left = placements.places_left(assignment.placement)
    audit.viewed(current_user, "placement.proposal_viewed", assignment)  # the apprentice's details, shown to decide
    # A reserve can be accepted only while a place is free: until then, declining is the only
    # answer offered (the service still refuses an acceptance if the place goes meanwhile).
    return render_template("placements/decide.html", form=form, assignment=assignment, places_left=places_left,
                           can_accept=not assignment.reserve or places_left > 0, back=back)


def _decide_came_from() -> str:
    """Where the proposal's page was opened from, for its Back link and for after the answer: the
    `next` it was given (kept through a form with errors) or the page that linked to it, if a page
    of this site other than this one; else home, where what waits for the employer is listed."""
    for address in (request.values.get("next"), request.referrer):
        if (path := page_within_site(address)) and urlsplit(path).path != request.path:
            return path
    return url_for("home.employer") + "#waiting"


@bp.route("/placements/proposals/<int:assignment_id>/withdraw", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def withdraw_proposal(assignment_id: int):
    """Ask "are you sure?", then take back a proposal the employer has not answered yet."""
    assignment = assignment_or_404(assignment_id, current_user)
    placement, name = assignment.placement, assignment.apprentice.full_name
    employer = placement.employer.name
    form = ConfirmForm()
    if form.validate_on_submit():
        _refusals_back_to(placement, "#apprentices")
        placements.withdraw_proposal(current_user, assignment)
        flash(f"The proposal of {name} was withdrawn.", "success")
        return _back_to(placement, "#apprentices")
    if problem := placements.withdrawal_problem(assignment):
        flash(f"{problem}.", "error")
        return _back_to(placement, "#apprentices")
    held = "It does not hold a place: it is a reserve." if assignment.reserve else \
        "The place it holds is freed for someone else."
    return render_template(
        "confirm_page.html", title=f"Are you sure you want to withdraw the proposal of {name}?",
        confirm="Yes, withdraw it", cancel="No, keep the proposal",
        back=url_for("placements.show", placement_id=placement.id) + "#apprentices",
        explanation=[f"{name} was proposed to {employer} for {placement.title}. {employer} has not answered yet.",
                     f"Once the proposal is withdrawn, {employer} will no longer see it. {held}",
                     f"You can propose {name} again later if the placement is still open."])


@bp.route("/placements/assignments/<int:assignment_id>/<any(start, finish):step>", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def progress(assignment_id: int, step: str):
    """Record that an apprentice started a placement, or that it ended (completed or early)."""
    assignment = assignment_or_404(assignment_id, current_user)
    form = StartForm() if step == "start" else FinishForm()
    if form.validate_on_submit():
        _refusals_back_to(assignment.placement, "#apprentices")
        if step == "start":
            placements.start(current_user, assignment, form.start_date.data)
        else:
            early = form.outcome.data == "ended_early"
            placements.finish(current_user, assignment, form.end_date.data,
                              form.reason.data.strip() if early else None)
        flash("Placement updated.", "success")
        return _back_to(assignment.placement, "#apprentices")
    return render_template("form_page.html", form=form, caption=assignment.apprentice.full_name,
                           title=f"{'Start' if step == 'start' else 'End'}: {assignment.placement.title}",
                           back=url_for("placements.show", placement_id=assignment.placement_id))


@bp.get("/opportunities")
@roles(Role.APPRENTICE)
def opportunities():
    """Published placements that suit the apprentice's standard."""
    me = apprentice_or_404(current_user.apprentice_id, current_user)
    suits = Placement.standards.any(id=me.standard_id)
    today = date.today()
    return render_template("placements/opportunities.html", apprentice=me, today=today,
                           page=placements.listing(placements.joinable(today), suits,
                                                   page=request.args.get("page", 1, type=int) or 1),
                           interests=placements.interests_of(me))


@bp.route("/opportunities/<int:placement_id>", methods=["GET", "POST"])
@roles(Role.APPRENTICE)
def opportunity(placement_id: int):
    """A published placement; the apprentice can register (or withdraw) their interest."""
    placement = placement_or_404(placement_id, current_user)
    me: Apprentice = apprentice_or_404(current_user.apprentice_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        interested = request.form.get("interested") == "yes"
        placements.register_interest(current_user, placement, me, interested, date.today())
        flash("Your interest is registered. Your coordinator will be in touch." if interested
              else "You are no longer marked as interested.", "success")
        return redirect(url_for("placements.opportunity", placement_id=placement.id), code=303)
    return render_template("placements/opportunity.html", placement=placement, form=form,
                           interested=placement.id in placements.interests_of(me),
                           closed=placements.why_not_joinable(placement, date.today()),
                           clash=placements.clashing_placement(me, placement))
