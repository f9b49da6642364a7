"""An employer reads the past progress reviews of the apprentices it hosts: held reviews, from
the start of each placement (permissions.review_hosted_condition), 20 a page, in a fixed number
of statements.

In the demo the employer (Kestrel Logistics) hosts Jordan Ellis, on its warehouse placement
since 26 weeks ago; Jordan has reviews held before and since then.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    Placement,
    PlacementAssignment,
    ProgressReview,
    Rag,
    ReviewAction,
    User,
)
from apprenticeships.services import reviews

from ..helpers import DEMO_EMAILS, page, post_form, sql_statements, text_of


def _jordan(app) -> tuple[int, date]:
    """The demo apprentice's id, and the day their placement with the demo employer started."""
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        start = db.session.scalar(sa.select(PlacementAssignment.start_date).join(Placement).where(
            PlacementAssignment.apprentice_id == jordan.id, Placement.title == "Warehouse systems developer"))
        return jordan.id, start


def _held(app, apprentice_id: int, on: date, notes: str, **values) -> int:
    with app.app_context():
        review = ProgressReview(apprentice_id=apprentice_id, scheduled_date=on, held_date=on, rag=Rag.AMBER,
                                progress_notes=notes, **values)
        db.session.add(review)
        db.session.commit()
        return review.id


def _cards(soup) -> list[str]:
    return [text_of(card) for card in soup.select(".govuk-summary-card")]


def test_the_employer_reads_reviews_held_since_the_placement_started_and_no_others(app, employer_client):
    jordan, start = _jordan(app)
    before = _held(app, jordan, start - timedelta(days=3), "Held before the placement started.")
    since = _held(app, jordan, start + timedelta(days=3), "Settling in well on the warehouse team.")
    with app.app_context():
        db.session.add(ReviewAction(review_id=since, description="Pair with the lead on the stock API",
                                    owner="Sam Okafor", due_date=start + timedelta(weeks=4)))
        # Someone this employer does not host (Fatima Begum is with the health trust).
        fatima = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Fatima"))
        db.session.commit()
    _held(app, fatima, start + timedelta(days=3), "Fatima's review at the health trust.")
    with app.app_context():
        expected = db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReview).where(
            ProgressReview.apprentice_id == jordan, ProgressReview.held_date >= start))

    soup = page(employer_client.get("/employers/reviews"))
    text = text_of(soup)
    assert text_of(soup.h1) == "Reviews of the apprentices with you"
    assert f"Showing 1 to {min(expected, 20)} of {expected} review" in text
    cards = _cards(soup)
    assert len(cards) == min(expected, 20) and all(card.startswith("Jordan Ellis, held") for card in cards)
    mine = next(card for card in cards if "Settling in well on the warehouse team." in card)
    assert "Amber" in mine and "Pair with the lead on the stock API (Sam Okafor, by" in mine
    assert "0 of 3 signed" in mine or "0 of 4 signed" in mine
    assert "Held before the placement started." not in text and "Fatima" not in text
    # Each review opens on its own page; one from before the placement is not theirs to open.
    assert soup.find("a", href=f"/reviews/{since}") is not None
    assert soup.find("a", href=f"/reviews/{before}") is None
    assert employer_client.get(f"/reviews/{before}").status_code == 404
    # Not yet held: not a past review.
    with app.app_context():
        unheld = db.session.scalar(sa.select(ProgressReview.id).where(
            ProgressReview.apprentice_id == jordan, ProgressReview.held_date.is_(None)))
    assert unheld is not None and soup.find("a", href=f"/reviews/{unheld}") is None


def test_the_home_page_leads_to_past_reviews(employer_client):
    home = page(employer_client.get("/employer"))
    link = home.find("a", string="Reviews of the apprentices with you")
    assert link["href"] == "/employers/reviews"


def test_the_reviews_menu_leads_the_employer_to_the_reviews_held_too(employer_client, mentor_client):
    """Reviews, in the menu, is not only what waits for a signature: it says where the reviews held are."""
    held = page(employer_client.get("/reviews")).find(id="held-reviews")
    assert held.find("a", string="Reviews of the apprentices with you")["href"] == "/employers/reviews"
    # A mentor's are on each mentee's page, from their home.
    held = page(mentor_client.get("/reviews")).find(id="held-reviews")
    assert " ".join(held.get_text().split()) == "Each mentee’s past reviews are on their page: see your mentees."
    assert held.find("a")["href"] == "/mentor"


def test_past_reviews_come_20_a_page_in_a_fixed_number_of_statements(app, signed_in):
    jordan, start = _jordan(app)
    client = signed_in("employer")

    def statements(path: str) -> int:
        client.get(path)  # warm up: the session's own upkeep is not what is measured
        with sql_statements(app, lambda s: s not in ("BEGIN", "BEGIN IMMEDIATE")) as seen:
            assert client.get(path).status_code == 200
        return len(seen)

    small = statements("/employers/reviews")
    for n in range(30):  # the newest today
        _held(app, jordan, date.today() - timedelta(days=n), f"Weekly check {n}.")
    assert statements("/employers/reviews") == small
    first, second = page(client.get("/employers/reviews")), page(client.get("/employers/reviews?page=2"))
    assert len(_cards(first)) == 20
    assert "Weekly check 0." in _cards(first)[0]  # newest first
    assert _cards(second) and set(_cards(first)).isdisjoint(_cards(second))
    assert second.select_one(".govuk-pagination") is not None
    # A page past the end shows the last one.
    assert _cards(page(client.get("/employers/reviews?page=99999999999"))) == _cards(
        page(client.get(f"/employers/reviews?page={first.select('.govuk-pagination__item')[-1].get_text().strip()}")))


def test_only_employers_have_past_reviews_here(coordinator_client, mentor_client, apprentice_client):
    for client in (coordinator_client, mentor_client, apprentice_client):
        assert client.get("/employers/reviews").status_code == 403


def test_an_apprentice_accepted_onto_a_running_placement_brings_none_of_their_earlier_reviews(
        app, coordinator_client, employer_client):
    """Fleet data placement (the demo employer's) started 26 weeks ago; Ethan Clarke, proposed
    for it today, has reviews held before then and since. Accepted today, the employer hosts him
    from today: none of those reviews are theirs to read."""
    with app.app_context():
        fleet = db.session.scalar(sa.select(Placement).where(Placement.title == "Fleet data placement"))
        ethan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Ethan"))
        fleet_id, ethan_id, fleet_start = fleet.id, ethan.id, fleet.start_date
        earlier = list(db.session.scalars(sa.select(ProgressReview.id).where(
            ProgressReview.apprentice_id == ethan_id, ProgressReview.held_date >= fleet_start,
            ProgressReview.held_date < date.today())))
    assert fleet_start < date.today() and earlier  # held while the placement ran, before he joined it
    post_form(coordinator_client, f"/placements/{fleet_id}/propose/{ethan_id}", {"note": ""})
    with app.app_context():
        proposal = db.session.scalar(sa.select(PlacementAssignment.id).where(
            PlacementAssignment.placement_id == fleet_id, PlacementAssignment.apprentice_id == ethan_id))
    response = post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "accept"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/employer")
    assert "You accepted Ethan Clarke." in text_of(page(employer_client.get(response.headers["Location"])))
    with app.app_context():
        accepted = db.session.get(PlacementAssignment, proposal)
        assert accepted.start_date == date.today() and accepted.decided_at is not None

    text = text_of(page(employer_client.get("/employers/reviews")))
    assert "Ethan Clarke" not in text
    for review_id in earlier:
        assert employer_client.get(f"/reviews/{review_id}").status_code == 404
    # Held from today on, a review of Ethan is the employer's.
    today_review = _held(app, ethan_id, date.today(), "Ethan's first week on the fleet data team.")
    assert "Ethan's first week on the fleet data team." in text_of(page(employer_client.get("/employers/reviews")))
    assert employer_client.get(f"/reviews/{today_review}").status_code == 200


def test_reviews_held_before_the_employer_accepted_stay_hidden_whatever_the_start_date_says(app, employer_client):
    """An assignment stored with a start before its acceptance (as acceptances once were) still
    shows the employer nothing held before they accepted."""
    jordan, start = _jordan(app)
    accepted_on = start + timedelta(days=10)
    with app.app_context():
        assignment = db.session.scalar(sa.select(PlacementAssignment).join(Placement).where(
            PlacementAssignment.apprentice_id == jordan, Placement.title == "Warehouse systems developer"))
        assignment.decided_at = datetime(accepted_on.year, accepted_on.month, accepted_on.day, 12, tzinfo=UTC)
        db.session.commit()
    before = _held(app, jordan, accepted_on - timedelta(days=2), "Held before the employer accepted.")
    after = _held(app, jordan, accepted_on, "Held on the day the employer accepted.")
    text = text_of(page(employer_client.get("/employers/reviews")))
    assert "Held before the employer accepted." not in text and "Held on the day the employer accepted." in text
    assert employer_client.get(f"/reviews/{before}").status_code == 404
    assert employer_client.get(f"/reviews/{after}").status_code == 200


def test_the_home_page_says_which_reviews_wait_for_the_employers_signature(app, employer_client):
    jordan, start = _jordan(app)
    review = _held(app, jordan, date.today() - timedelta(days=1), "Ready for the employer to sign.")
    soup = page(employer_client.get("/employer"))
    heading = soup.find("h2", id="to-sign")
    assert text_of(heading) == "Reviews waiting for your signature"
    # At the top: before their placements and apprentices.
    assert text_of(soup.find_all("h2")[0]) == "Reviews waiting for your signature"
    listed = heading.find_next("ul")
    assert listed.find("a", href=f"/reviews/{review}") is not None
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["employer"]))
        total = reviews.waiting_for_signature(user).total
    assert f"{total} progress review{'s are' if total != 1 else ' is'} waiting for you to read and sign." \
        in text_of(soup)
    # Reviews from before the placement started are not theirs to sign.
    before = _held(app, jordan, start - timedelta(days=3), "Held before the placement started.")
    assert page(employer_client.get("/employer")).find("a", href=f"/reviews/{before}") is None


def test_a_review_signed_off_or_waiting_leads_the_employer_back_to_the_list_it_is_in(app, employer_client):
    jordan, start = _jordan(app)
    waiting = _held(app, jordan, start + timedelta(days=3), "Settling in.")
    with app.app_context():
        signed_off = db.session.scalar(sa.select(ProgressReview.id).where(
            ProgressReview.apprentice_id == jordan, ProgressReview.held_date >= start,
            ProgressReview.locked_at.is_not(None)).limit(1))
    listed = page(employer_client.get("/employers/reviews"))
    for review in (waiting, signed_off):
        shown = page(employer_client.get(f"/reviews/{review}"))
        back = shown.select_one(".govuk-back-link")
        # The link names the page it goes to, where this review is listed, signed off or not.
        assert (text_of(back), back["href"]) == ("Back to reviews of the apprentices with you", "/employers/reviews")
        assert text_of(back) == f"Back to {text_of(listed.h1)[0].lower()}{text_of(listed.h1)[1:]}"
        assert listed.find("a", href=f"/reviews/{review}") is not None
    assert "Waiting for signatures" in text_of(page(employer_client.get(f"/reviews/{waiting}")))
    assert "Signed off" in text_of(page(employer_client.get(f"/reviews/{signed_off}")))


def test_signing_says_who_still_needs_to_sign(app, employer_client):
    jordan, start = _jordan(app)
    review = _held(app, jordan, date.today() - timedelta(days=1), "Ready for the employer to sign.")
    signed = post_form(employer_client, f"/reviews/{review}/sign", {"comment": ""})
    assert signed.status_code == 303
    shown = text_of(page(employer_client.get(signed.headers["Location"])))
    assert "You signed the review. It still needs the apprentice and the coordinator." in shown
