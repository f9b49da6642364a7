"""Progress review pages."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import once
from ..errors import on_refusal_go_to
from ..extensions import limiter
from ..ids import parse_id
from ..models import ProgrammeSettings, Role, SignoffParty
from ..permissions import (
    may_mark_actions_done,
    may_record_review,
    public,
    review_host,
    review_or_404,
    roles,
    visible_apprentices_condition,
)
from ..security import no_referrer
from ..services import audit, calendar, logbook, overview, reviews
from ..templating import requested_block, uk_today
from ..transactions import records_a_view
from ..users.forms import ConfirmForm
from ..versioning import conflict_shown_on
from . import bp
from .forms import ACTION_ROWS, RecordReviewForm, ReopenForm, SignForm

EVERYONE = (Role.COORDINATOR, Role.MENTOR, Role.EMPLOYER, Role.APPRENTICE)
HELD_REVIEWS_PAGE_SIZE = 10


def _to_review(review):
    return redirect(url_for("reviews.show", review_id=review.id), code=303)


@bp.get("/reviews")
@roles(*EVERYONE)
def index():
    """Reviews to do: overdue, due in the next 14 days, and waiting for your signature; for an
    apprentice, their reviews held too, and for a mentor their mentees' agreed actions not done,
    each a page at a time."""
    held = next_review = actions = action_counts = None
    page = request.args.get("page", 1, type=int)
    if current_user.role == Role.APPRENTICE:
        held = overview.past_reviews(current_user.apprentice_id, page, HELD_REVIEWS_PAGE_SIZE)
        next_review = reviews.next_review_of(current_user.apprentice_id, date.today())
    elif current_user.role == Role.MENTOR:
        # The mentees' agreed actions not done yet, overdue first: the mentor marks them done here.
        actions, action_counts = reviews.open_actions(visible_apprentices_condition(current_user), date.today(), page)
    return render_template("reviews/index.html", todo=reviews.to_do(current_user, date.today()), held=held,
                           next_review=next_review, actions=actions, action_counts=action_counts,
                           today=date.today())


@bp.get("/reviews/<int:review_id>")
@records_a_view
@roles(*EVERYONE)
def show(review_id: int, evidence_form=None):
    """A review: what was agreed, its sign-offs and its files (`evidence_form`: an upload with errors)."""
    review = review_or_404(review_id, current_user)
    audit.viewed(current_user, "review.viewed", review)
    host = review_host(review)
    return render_template("reviews/show.html", review=review, signers=reviews.signers(review),
                           evidence_form=evidence_form,
                           my_party=reviews.party_for(current_user, review, host), sign_form=SignForm(),
                           may_record=may_record_review(current_user, review),
                           no_host=reviews.no_host_words(review, current_user, host),
                           reopenings=reviews.reopenings(review), next=reviews.booked_next(review, date.today()),
                           today=date.today())


@bp.route("/reviews/<int:review_id>/record", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.MENTOR)
def record(review_id: int):
    """Record a held review (or correct one not yet locked); the next review is scheduled from it."""
    review = review_or_404(review_id, current_user)
    if not may_record_review(current_user, review):
        abort(404)
    if review.locked_at is not None:
        flash("This review is signed off and locked. Reopen it to change it.", "error")
        return _to_review(review)
    settings, today = ProgrammeSettings.current(), date.today()
    apprentice = review.apprentice
    form = RecordReviewForm(apprentice, obj=review, settings=settings)
    if request.method == "GET":
        # "Date held" starts empty for a review not yet held: the person enters the day it really was.
        for n, action in zip(ACTION_ROWS, review.actions, strict=False):
            form[f"action_{n}"].data, form[f"owner_{n}"].data = action.description, action.owner
            form[f"due_{n}"].data = action.due_date
    totals = logbook.totals(apprentice, today, settings)
    if form.validate_on_submit():
        on_refusal_go_to(url_for("reviews.show", review_id=review.id))
        with conflict_shown_on(form, review, "review"):
            corrected = review.held_date is not None
            reviews.record(current_user, review, form.values(), form.actions(),
                           round(totals.verified_hours * 60), settings, today, version=form.seen_version())
            no_host = reviews.no_host_words(review, current_user)
            flash(f"Review {'corrected' if corrected else 'saved'}. It now needs signing by "
                  f"{reviews.who_signs(review)}."
                  + (f" {no_host}" if no_host else ""), "success")
            return _to_review(review)
    return render_template("reviews/record.html", form=form, review=review, apprentice=apprentice, totals=totals,
                           rows=ACTION_ROWS)


@bp.post("/reviews/<int:review_id>/sign")
@roles(*EVERYONE)  # mentors sign only when the programme asks them to (and the review names them)
def sign(review_id: int):
    """Add your comments and sign your part of the review."""
    review = review_or_404(review_id, current_user)
    host = review_host(review)
    party = reviews.party_for(current_user, review, host)
    if party is None:
        abort(403)
    form = SignForm()
    if not form.validate_on_submit():
        return render_template("reviews/show.html", review=review, signers=reviews.signers(review), my_party=party,
                               sign_form=form, reopenings=reviews.reopenings(review),
                               no_host=reviews.no_host_words(review, current_user, host), today=date.today())
    on_refusal_go_to(url_for("reviews.show", review_id=review.id))
    locked = reviews.sign(current_user, review, party, (form.comment.data or "").strip())
    flash("You signed the review. Everyone has signed: the review is locked." if locked
          else f"You signed the review. It still needs {_still_to_sign(review, host)}.", "success")
    return _to_review(review)


def _still_to_sign(review, host: int | None) -> str:
    """"the apprentice and the coordinator": whose signatures the review still needs."""
    signed = {s.party for s in review.signoffs}
    # With no host employer, a coordinator signs the employer's part (reviews.no_host_words).
    names = ["the coordinator for the employer" if p == SignoffParty.EMPLOYER and host is None else reviews.WHO[p]
             for p in review.parties if p not in signed]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@bp.app_template_global()
def may_mark_actions(review) -> bool:
    """For the pages that list a review's actions: whether the person reading may mark them done."""
    return may_mark_actions_done(current_user, review)


# Where "Mark as done" was pressed, so that (without JavaScript) the person comes back there, at the action.
ACTION_PAGES = {"home": "home.apprentice", "reviews": "reviews.index", "review": "reviews.show",
                "open-actions": "reviews.index"}


@bp.post("/reviews/<int:review_id>/actions/<int:action_id>/<any(done, undone):step>")
@roles(Role.COORDINATOR, Role.MENTOR, Role.APPRENTICE)
def mark_action(review_id: int, action_id: int, step: str):
    """Mark one of a review's agreed actions done, or not done again (a mistake): the apprentice, for
    their own, and whoever may record the review. With htmx the action changes in place; without,
    the page it was marked on again, at the action."""
    review = review_or_404(review_id, current_user)
    action = reviews.action_of(review, action_id)
    if action is None:
        abort(404)
    if not may_mark_actions_done(current_user, review):  # they read the review (its employer, say), no more
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = _action_page(review, action)
    on_refusal_go_to(back)
    reviews.mark_action(current_user, action, step == "done", uk_today())
    if requested_block({f"action-{action.id}": "action"}) is not None:
        from_page = request.form.get("back") if request.form.get("back") in ACTION_PAGES else None
        item = render_template("reviews/_action_item.html", action=action, review=review, today=date.today(),
                               marked=True, from_page=from_page, page_number=parse_id(request.form.get("page")))
        if from_page == "open-actions" and current_user.role == Role.MENTOR:  # the list's count changes too
            counts = reviews.action_counts(visible_apprentices_condition(current_user), date.today())
            item += render_template("reviews/_open_action_counts.html", action_counts=counts, oob=True)
        return item
    if request.form.get("back") == "open-actions" and step == "done":  # it leaves that list: say so, at the top
        flash(f"{review.apprentice.full_name}’s action marked as done: {action.description}", "success")
    return redirect(back, code=303)


def _action_page(review, action) -> str:
    """The page an action was marked on (the form says which: a review's own page unless it names
    another), at the action."""
    endpoint = ACTION_PAGES.get(request.form.get("back", ""), "reviews.show")
    if endpoint == "home.apprentice" and current_user.role != Role.APPRENTICE:
        endpoint = "reviews.show"
    values = {"review_id": review.id} if endpoint == "reviews.show" else {}
    page = parse_id(request.form.get("page"))
    if endpoint == "reviews.index" and page and page > 1:
        values["page"] = page
    return url_for(endpoint, **values, _anchor=f"action-{action.id}")


@bp.route("/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def reopen(review_id: int):
    """Reopen a locked review: the reason is kept and the sign-offs start again."""
    review = review_or_404(review_id, current_user)
    form = ReopenForm()
    if form.validate_on_submit():
        on_refusal_go_to(url_for("reviews.show", review_id=review.id))
        reviews.reopen(current_user, review, form.reason.data.strip())
        flash("Review reopened. It needs signing again once corrected.", "success")
        return _to_review(review)
    return render_template("form_page.html", form=form, title="Reopen this review",
                           caption=review.apprentice.full_name, back=url_for("reviews.show", review_id=review.id),
                           intro="Reopening unlocks the review so it can be corrected. The reason is kept with the "
                                 "review, and everyone signs it again.")


@bp.route("/reviews/calendar", methods=["GET", "POST"])
@roles(*EVERYONE)
def calendar_link():
    """Your calendar feed of upcoming reviews: make a new secret link (the old one stops working)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        # Shown once after a redirect (once.py): refreshing the page cannot make another link and
        # so break the one just added to a calendar.
        once.hold("calendar", current_user.id, calendar.reset_token(current_user))
        return redirect(url_for("reviews.calendar_link"), code=303)
    token = once.take("calendar", current_user.id)
    link = url_for("reviews.calendar_feed", token=token, _external=True) if token else None
    # The same address for calendar apps that subscribe when a webcal: link is opened.
    webcal = "webcal://" + link.split("://", 1)[1] if link else None
    return render_template("reviews/calendar.html", form=form, link=link, webcal=webcal,
                           has_feed=current_user.calendar_token_hash is not None)


@bp.get("/reviews/calendar/new")
@roles(*EVERYONE)
def new_calendar_link():
    """Asks before making a new calendar link: the old one stops working, and calendars subscribed to it with it."""
    return render_template("confirm_page.html", title="Make a new calendar link?", confirm="Yes, make a new link",
                           cancel="No, keep my link", warning=True, action=url_for("reviews.calendar_link"),
                           back=url_for("reviews.calendar_link"),
                           explanation=["Your old link will stop working: any calendar that subscribed to it will "
                                        "stop updating.",
                                        "You will need to add the new link to your calendar app again."])


@bp.get("/calendar/<token>.ics")
@limiter.limit("60/hour")
@no_referrer
@public
def calendar_feed(token: str):
    """The iCalendar feed behind a secret link: for calendar apps, no sign-in."""
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    events = calendar.upcoming(visible_apprentices_condition(user), date.today())
    body = calendar.ics(events, request.host, current_app.config["ORGANISATION_NAME"],
                        lambda review_id: url_for("reviews.show", review_id=review_id, _external=True))
    response = make_response(body)
    response.headers.update({"Content-Type": "text/calendar; charset=utf-8", "Cache-Control": "private, max-age=300"})
    return response
