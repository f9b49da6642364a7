"""Daily work: what waits for an apprentice on their home page, every item of the coordinator's
dashboard leading to where it is acted on, and the calendar link page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    LogEntry,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    ProgrammeSettings,
    ProgressReview,
    ReviewAction,
    SignoffParty,
    VerificationStatus,
)
from apprenticeships.services import progress

from ..helpers import page, post_form, text_of


def jordan(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Apprentice.id).where(Apprentice.email == "apprentice@example.org"))


def query_entry(app, apprentice_id: int, *, nth_newest: int, question: str) -> int:
    """A mentor queries one of the apprentice's entries (the nth newest in their log)."""
    with app.app_context():
        entry = db.session.scalars(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice_id)
                                   .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc())
                                   .offset(nth_newest - 1).limit(1)).one()
        entry.status, entry.query_comment = VerificationStatus.QUERIED, question
        db.session.commit()
        return entry.id


def waiting(soup) -> str:
    banner = soup.find(id="waiting-for-you")
    return text_of(banner) if banner else ""


def test_nothing_waits_for_the_demo_apprentice_at_first(apprentice_client):
    assert waiting(page(apprentice_client.get("/apprentice"))) == ""


def test_queried_entries_are_listed_first_with_their_question_and_a_link_to_the_answer(app, apprentice_client):
    me = jordan(app)
    recent = query_entry(app, me, nth_newest=2, question="Which module was this?")
    old = query_entry(app, me, nth_newest=25, question="Was this the induction week?")  # on the log's 2nd page
    soup = page(apprentice_client.get("/apprentice"))
    text = waiting(soup)
    assert text.startswith("Waiting for you 2 log entries need your answer")
    assert text.index("Was this the induction week?") < text.index("Which module was this?")  # oldest first
    links = {a["href"] for a in soup.find(id="waiting-for-you").find_all("a")}
    assert links == {f"/apprentice#entry-{recent}", f"/apprentice?page=2#entry-{old}"}
    # Each link leads to the entry's answer form on that page of the log.
    second_page = page(apprentice_client.get("/apprentice?page=2"))
    assert second_page.find(id=f"entry-{old}").find_next_sibling("tr").find("textarea", id=f"response-{old}")
    post_form(apprentice_client, f"/log/{old}/answer", {"response": "Yes, the first week."}, page="/apprentice")
    assert waiting(page(apprentice_client.get("/apprentice"))).startswith(
        "Waiting for you 1 log entry needs your answer")


def unsign_latest_review(app, apprentice_id: int) -> tuple[int, date]:
    """The latest held review, waiting for the apprentice's signature again."""
    with app.app_context():
        review = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == apprentice_id, ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).first()
        review.locked_at = None
        review.signoffs = [s for s in review.signoffs if s.party != SignoffParty.APPRENTICE]
        db.session.commit()
        return review.id, review.held_date


def test_a_review_waiting_for_the_apprentices_signature_is_listed_first(app, apprentice_client):
    review_id, held = unsign_latest_review(app, jordan(app))
    soup = page(apprentice_client.get("/apprentice"))
    assert f"1 progress review is waiting for your signature Read and sign the review held on {held.day} " \
           f"{held:%B %Y}" in waiting(soup)
    assert soup.find(id="waiting-for-you").find("a")["href"] == f"/reviews/{review_id}#sign-offs"
    card = soup.select_one("#past-reviews .govuk-summary-card")  # the latest review says so too
    assert "Signed off Waiting for your signature" in text_of(card)


def held_reviews(app) -> list[tuple[str, str, list[str]]]:
    with app.app_context():
        held = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).all()
        return [(f"Review held on {r.held_date.day} {r.held_date:%B %Y}", r.rag.label,
                 [a.description for a in r.actions]) for r in held]


def cards(soup) -> list[tuple[str, str, list[str]]]:
    shown = []
    for card in soup.select("#past-reviews .govuk-summary-card"):
        rows = {text_of(row.dt): text_of(row.dd) for row in card.select(".govuk-summary-list__row")}
        actions = [text_of(li).split(" (")[0] for li in card.select(".govuk-summary-list__value li")]
        shown.append((text_of(card.h3), rows["Rating"], actions))
        assert rows["Signed off"] == "Yes, by everyone"
        assert card.find("a", href=re.compile(r"^/reviews/\d+$"))
    return shown


def test_the_latest_reviews_come_before_the_log_with_a_link_to_all(app, apprentice_client):
    expected = held_reviews(app)
    soup = page(apprentice_client.get("/apprentice"))
    reviews = soup.find(id="past-reviews")
    assert reviews.sourceline < soup.find(id="logbook").sourceline  # above the long log
    assert text_of(reviews.h2) == "Your progress reviews"
    assert cards(soup) == expected[:2]
    assert f"The latest 2 of {len(expected)} reviews held." in text_of(reviews)
    assert reviews.find("a", string="All your progress reviews")["href"] == "/reviews#past-reviews"


def test_the_reviews_page_lists_an_apprentices_reviews_held_a_page_at_a_time(app, apprentice_client):
    expected = held_reviews(app)
    assert len(expected) > 1
    shown, url = [], "/reviews"
    while url:
        soup = page(apprentice_client.get(url))
        shown += cards(soup)
        earlier = soup.select_one("#past-reviews .govuk-pagination__next a")
        url = earlier["href"] if earlier else None
    assert shown == expected


def test_an_agreed_action_past_its_date_and_not_done_is_overdue(app, apprentice_client):
    with app.app_context():
        review = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).first()
        late, done = review.actions[0], ReviewAction(description="Book the exam", owner="Jordan",
                                                     due_date=date.today() - timedelta(days=3),
                                                     completed_on=date.today() - timedelta(days=5))
        late.due_date, late.completed_on, description = date.today() - timedelta(days=1), None, late.description
        review.actions.append(done)
        db.session.commit()
    for url in ("/apprentice", "/reviews"):
        items = {text_of(li).split(" (")[0]: text_of(li) for li in page(apprentice_client.get(url)).select(
            "#past-reviews .govuk-summary-card")[0].select(".govuk-summary-list__value li")}
        assert "by " in items[description] and "overdue" in items[description]
        assert "overdue" not in items["Book the exam"] and ", done " in items["Book the exam"]


# The coordinator's dashboard ----------------------------------------------------------------

def test_every_dashboard_item_leads_to_where_the_coordinator_acts_on_it(app, coordinator_client):
    soup = page(coordinator_client.get("/coordinator"))
    with app.app_context():
        pending = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)
                                    .where(LogEntry.status == VerificationStatus.PENDING))
        submitted = db.session.scalars(sa.select(Placement).where(Placement.status == PlacementStatus.SUBMITTED)).all()
        proposals = db.session.scalars(sa.select(PlacementAssignment)
                                       .where(PlacementAssignment.status == AssignmentStatus.PROPOSED)).all()
        assert pending and submitted and proposals
        submitted_links = {f"/placements/{p.id}#review": f"{p.title} at {p.employer.name}" for p in submitted}
        proposal_links = {f"/placements/{p.placement_id}#apprentices":
                          f"{p.apprentice.full_name} proposed for {p.placement.title}" for p in proposals}
    links = {a["href"]: text_of(a) for a in soup.select("main a")}
    assert links["/verification"] == f"{pending} log entries to verify"
    assert submitted_links.items() <= links.items()
    assert proposal_links.items() <= links.items()
    # A count of a cohort's apprentices opens its table filtered to them.
    counts = soup.select("table tbody tr")[0].find_all("td")
    assert counts[1].a["href"].endswith("?status=active")
    assert text_of(counts[1].a) == "19 active in " + text_of(soup.select_one("table tbody tr th"))
    # Each review due leads to recording it: make one fall due in a week and follow its link.
    review_id, name = review_due_in_a_week(app)
    soup = page(coordinator_client.get("/coordinator"))
    due = soup.find("h2", string="Reviews due in the next 14 days").find_next("ul")
    assert due.find("a", href=f"/reviews/{review_id}/record", string=f"Record the review for {name}")


def review_due_in_a_week(app) -> tuple[int, str]:
    """An active apprentice whose last review was held so long ago that the next is due in 7 days;
    their booked review (id) and their name."""
    with app.app_context():
        settings = db.session.scalars(sa.select(ProgrammeSettings)).one()
        today = date.today()
        def has_review(held: bool):
            when = ProgressReview.held_date.is_not(None) if held else ProgressReview.held_date.is_(None)
            return sa.exists().where(ProgressReview.apprentice_id == Apprentice.id, when)
        apprentice = db.session.scalars(
            sa.select(Apprentice).where(Apprentice.status == ApprenticeStatus.ACTIVE, ~Apprentice.breaks.any(),
                                        Apprentice.gateway_date.is_(None), has_review(True), has_review(False))
            .order_by(Apprentice.id)).first()
        reviews = db.session.scalars(
            sa.select(ProgressReview).where(ProgressReview.apprentice_id == apprentice.id)).all()
        held = max((r for r in reviews if r.held_date), key=lambda r: r.held_date)
        # The interval counted back from a week today, by the programme's own rule.
        held_on = today + timedelta(days=7)
        while progress.review_due_after(held_on, settings) > today + timedelta(days=7):
            held_on -= timedelta(days=1)
        held.held_date = held_on
        booked = next(r for r in reviews if r.held_date is None)
        db.session.commit()
        return booked.id, apprentice.full_name


def test_a_review_to_sign_is_on_the_dashboard(app, coordinator_client):
    with app.app_context():
        review = db.session.scalars(sa.select(ProgressReview).where(ProgressReview.held_date.is_not(None))).first()
        review.locked_at = None
        review.signoffs = [s for s in review.signoffs if s.party != SignoffParty.COORDINATOR]
        db.session.commit()
    soup = page(coordinator_client.get("/coordinator"))
    assert soup.find("a", string="1 review to sign")["href"] == "/reviews"


# The calendar link page ---------------------------------------------------------------------

def test_the_calendar_link_can_be_copied_opened_in_an_app_or_added_by_hand(app, mentor_client):
    soup = page(post_form(mentor_client, "/reviews/calendar", {}))
    link = soup.find(id="calendar-url")
    assert link.has_attr("readonly")  # anyone can select it, with or without JavaScript
    address = link["value"]
    assert soup.find("a", string="Open in your calendar app")["href"] == "webcal://" + address.split("://", 1)[1]
    button = soup.find("button", string="Copy link")
    assert button.has_attr("hidden") and button["data-copy-from"] == "calendar-url"  # shown by the script
    assert soup.find(id=button["data-copy-status"])["aria-live"] == "polite"
    assert soup.find("script", src=re.compile(r"^/static/copy-link\.js"))
    guides = {text_of(d.summary): text_of(d) for d in soup.select("details.govuk-details")}
    assert "Subscribe from web" in guides["How to add it to Outlook"]
    assert "From URL" in guides["How to add it to Google Calendar"]
    # Shown once: the page without a new link has none of it.
    again = page(mentor_client.get("/reviews/calendar"))
    assert not again.find(id="calendar-url") and not again.find("button", string="Copy link")
