"""Who sees which records: an employer the reviews from the time it hosts an apprentice, a mentor
their current mentees only, and an apprentice who has left their own record, read only, for a while."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    LogEntry,
    Placement,
    PlacementAssignment,
    ProgressReview,
    User,
    VerificationStatus,
)

from ..helpers import DEMO_EMAILS, csrf_token_from, page, post_form, sign_in, text_of


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _hosting(app) -> tuple[int, date, list[tuple[int, date]]]:
    """The demo employer's placement of the demo apprentice: its start, and the apprentice's reviews
    with the day each was held (or is scheduled for)."""
    with app.app_context():
        employer, apprentice = _user(DEMO_EMAILS["employer"]), _user(DEMO_EMAILS["apprentice"])
        start = db.session.scalar(
            sa.select(PlacementAssignment.start_date).join(Placement)
            .where(PlacementAssignment.apprentice_id == apprentice.apprentice_id,
                   Placement.employer_id == employer.employer_id))
        reviews = [(r.id, r.held_date or r.scheduled_date) for r in db.session.scalars(
            sa.select(ProgressReview).where(ProgressReview.apprentice_id == apprentice.apprentice_id)
            .order_by(ProgressReview.scheduled_date))]
        return apprentice.apprentice_id, start, reviews


def test_an_employer_sees_an_apprentices_reviews_only_from_the_start_of_its_placement(app, employer_client):
    _, start, reviews = _hosting(app)
    before = [rid for rid, on in reviews if on < start]
    since = [rid for rid, on in reviews if on >= start]
    assert before and since  # the demo has both
    for review_id in before:
        assert employer_client.get(f"/reviews/{review_id}").status_code == 404
        assert employer_client.post(f"/reviews/{review_id}/sign", data={
            "csrf_token": csrf_token_from(employer_client.get("/reviews").get_data(as_text=True))}).status_code == 404
    for review_id in since:
        soup = page(employer_client.get(f"/reviews/{review_id}"))
        assert "Jordan Ellis" in text_of(soup)
    # The reviews page links only to reviews the employer may open.
    listing = employer_client.get("/reviews").get_data(as_text=True)
    linked = {int(n) for n in re.findall(r'href="/reviews/(\d+)', listing)}
    assert not linked & set(before)


def test_a_review_from_before_the_placement_has_its_employer_part_signed_by_the_coordinator(app, signed_in):
    apprentice_id, start, _ = _hosting(app)
    with app.app_context():
        # A review held before the placement started, not yet signed by anyone.
        review = ProgressReview(apprentice_id=apprentice_id, scheduled_date=start - timedelta(days=10),
                                held_date=start - timedelta(days=10), progress_notes="Before the placement.")
        db.session.add(review)
        db.session.commit()
        review_id = review.id
    employer = signed_in("employer")
    assert employer.get(f"/reviews/{review_id}").status_code == 404
    assert "Before the placement" not in employer.get("/reviews").get_data(as_text=True)
    coordinator = signed_in("coordinator")
    for part in ("the coordinator", "the employer"):
        soup = page(coordinator.get(f"/reviews/{review_id}"))
        assert f"Sign off this review as {part}" in text_of(soup)
        response = post_form(coordinator, f"/reviews/{review_id}/sign", {"comment": ""}, page=f"/reviews/{review_id}")
        assert response.status_code == 303


def _former_mentee(app) -> tuple[int, int, int]:
    """One of the demo mentor's mentees who has completed: their id, a log entry and a review."""
    with app.app_context():
        mentor = _user(DEMO_EMAILS["mentor"])
        former = db.session.scalar(sa.select(Apprentice).where(
            Apprentice.mentor_id == mentor.mentor_id, Apprentice.status == ApprenticeStatus.COMPLETED).limit(1))
        entry = db.session.scalar(sa.select(LogEntry.id).where(LogEntry.apprentice_id == former.id).limit(1))
        review = db.session.scalar(sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == former.id)
                                   .limit(1))
        # Something for the mentor to do, were the mentee still theirs: an entry waiting for verification.
        pending = LogEntry(apprentice_id=former.id, activity_date=former.completion_date - timedelta(days=3),
                           activity_type=db.session.get(LogEntry, entry).activity_type, off_the_job=True,
                           minutes=60, description="Waiting entry of a former mentee",
                           status=VerificationStatus.PENDING)
        db.session.add(pending)
        db.session.commit()
        return former.id, pending.id, review


def test_a_mentor_cannot_open_a_former_mentee_their_pages_never_list(app, mentor_client, coordinator_client):
    former, entry, review = _former_mentee(app)
    with app.app_context():
        name = db.session.get(Apprentice, former).full_name
    # No page of the mentor's lists them...
    for path in ("/mentor", "/verification", "/reviews"):
        body = mentor_client.get(path).get_data(as_text=True)
        assert name not in body, path
        assert "Waiting entry of a former mentee" not in body
    # ...and every address of theirs is a 404, as if they did not exist.
    for path in (f"/apprentices/{former}", f"/log/{entry}", f"/log/{entry}/query", f"/reviews/{review}",
                 f"/reviews/{review}/record"):
        assert mentor_client.get(path).status_code == 404, path
    token = csrf_token_from(mentor_client.get("/mentor").get_data(as_text=True))
    assert mentor_client.post(f"/log/{entry}/verify", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        assert db.session.get(LogEntry, entry).status == VerificationStatus.PENDING
    # The coordinator still can open them.
    assert "Waiting entry of a former mentee" in text_of(page(coordinator_client.get(f"/log/{entry}")))
    assert name in page(coordinator_client.get(f"/apprentices/{former}")).h1.get_text()


def test_a_mentors_current_mentees_still_open_from_their_home_page(mentor_client):
    soup = page(mentor_client.get("/mentor"))
    links = {a.get_text(strip=True): a["href"] for a in soup.select('table a[href^="/apprentices/"]')}
    assert "Jordan Ellis" in links
    for name, href in links.items():
        assert name in page(mentor_client.get(href)).h1.get_text()


def _leave(app, status: ApprenticeStatus, days_ago: int) -> None:
    with app.app_context():
        apprentice = _user(DEMO_EMAILS["apprentice"]).apprentice
        apprentice.status = status
        ended = date.today() - timedelta(days=days_ago)
        if status == ApprenticeStatus.WITHDRAWN:
            apprentice.withdrawal_date, apprentice.withdrawal_reason = ended, "Left for another job"
        else:
            apprentice.completion_date = ended
        db.session.commit()


@pytest.mark.parametrize("status", [ApprenticeStatus.WITHDRAWN, ApprenticeStatus.COMPLETED])
def test_an_apprentice_who_has_left_reads_their_record_but_cannot_change_it(app, client, status):
    with app.app_context():
        apprentice = _user(DEMO_EMAILS["apprentice"]).apprentice
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice.id,
                                                            LogEntry.status == VerificationStatus.PENDING).limit(1))
        entry_id, minutes = entry.id, entry.minutes
        held = db.session.scalar(sa.select(ProgressReview).where(ProgressReview.apprentice_id == apprentice.id,
                                                                 ProgressReview.held_date.is_not(None)).limit(1))
        held.locked_at, held.signoffs = None, []  # a held review still waiting for signatures
        db.session.commit()
        held_id = held.id
    _leave(app, status, days_ago=30)
    assert sign_in(client, DEMO_EMAILS["apprentice"]).status_code == 303
    soup = page(client.get("/apprentice"))
    text = text_of(soup)
    assert "Your apprenticeship ended on" in text and "you cannot add to your log" in text
    assert "Your log" in text and soup.find(id="log-entries")  # the log is still there to read
    assert "next progress review is due" not in text and "On track" not in text and "Behind" not in text
    assert soup.find("form", action="/log") is None
    assert not soup.select('a[href$="/edit"], a[href$="/delete"]')
    # Reviews: readable, nothing to sign.
    review = page(client.get(f"/reviews/{held_id}"))
    assert "Sign off this review" not in text_of(review)
    reviews = page(client.get("/reviews"))  # listed among their past reviews, not as one to sign
    assert reviews.find("h2", string="Waiting for your signature") is None  # an empty section is not shown
    assert reviews.find(id="past-reviews").find("a", href=re.compile(rf"^/reviews/{held_id}\b"))
    # Every change is refused, with the reason.
    token = csrf_token_from(client.get("/apprentice").get_data(as_text=True))
    for path, data in [("/log", {"activity_date-day": "1", "activity_date-month": "1", "activity_date-year": "2026",
                                 "activity_type": "study_time", "off_the_job": "yes", "minutes": "2",
                                 "description": "After leaving"}),
                       (f"/log/{entry_id}/edit", {"minutes": "9"}), (f"/log/{entry_id}/delete", {}),
                       (f"/reviews/{held_id}/sign", {"comment": "Late"}), ("/opportunities/1", {"interested": "yes"})]:
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "Your apprenticeship has ended" in text_of(page(response, 403))
    # A page whose only use is a change (an old tab, a typed address) says so before anything is typed;
    # a placement's page still opens to read.
    for path in (f"/log/{entry_id}/edit", f"/log/{entry_id}/delete"):
        assert "Your apprenticeship has ended" in text_of(page(client.get(path), 403)), path
    assert client.get("/opportunities").status_code == 200
    with app.app_context():
        assert db.session.get(LogEntry, entry_id).minutes == minutes
        assert not db.session.get(ProgressReview, held_id).signoffs
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)
                                 .where(LogEntry.description == "After leaving")) == 0


@pytest.mark.parametrize("status", [ApprenticeStatus.WITHDRAWN, ApprenticeStatus.COMPLETED])
def test_an_apprentice_can_sign_in_for_a_year_after_leaving_and_not_after(app, client, status):
    _leave(app, status, days_ago=365)
    assert sign_in(client, DEMO_EMAILS["apprentice"]).status_code == 303  # the last day
    client.post("/sign-out", data={"csrf_token": csrf_token_from(client.get("/apprentice").get_data(as_text=True))})
    _leave(app, status, days_ago=366)
    response = sign_in(client, DEMO_EMAILS["apprentice"])
    soup = page(response)
    ended = date.today() - timedelta(days=1)
    message = text_of(soup.find(id="email-error"))
    assert "Your apprenticeship has ended and your access to this service ended on" in message
    assert f"{ended.day} {ended:%B %Y}" in message
    assert client.get("/apprentice").status_code == 303  # not signed in


def test_the_period_after_leaving_is_a_setting(app, client):
    app.config["APPRENTICE_ACCESS_AFTER_END"] = timedelta(days=30)
    _leave(app, ApprenticeStatus.COMPLETED, days_ago=31)
    assert "access to this service ended" in text_of(page(sign_in(client, DEMO_EMAILS["apprentice"])))
    _leave(app, ApprenticeStatus.COMPLETED, days_ago=30)
    assert sign_in(client, DEMO_EMAILS["apprentice"]).status_code == 303


def test_an_apprentice_on_the_programme_still_changes_their_record(apprentice_client):
    soup = page(apprentice_client.get("/apprentice"))
    assert soup.find("form", action="/log") is not None
    assert "Your apprenticeship ended" not in text_of(soup)
