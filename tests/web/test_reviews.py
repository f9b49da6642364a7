"""Progress reviews: recorded by a coordinator or mentor, signed by all three (or four, with the
mentor), then locked."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AuditEvent,
    ProgressReview,
    Rag,
    ReviewReopening,
    User,
)

from ..helpers import page, post_form, sign_in, text_of
from .test_apprentices import errors

TODAY = date.today()


def long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def d(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def scheduled(app, first_name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(ProgressReview.id).join(Apprentice).where(
            Apprentice.first_name == first_name, ProgressReview.held_date.is_(None)))


def review_data(**changes) -> dict:
    values = {"held_date": d(TODAY), "attendees": "Jordan, Priya (mentor), Sam (Kestrel), Alex (coordinator)",
              "rag": "amber", "progress_notes": "Good progress; behind on the databases module.",
              "ksb_progress": "S3 evidence building.", "action_1": "Finish the databases module", "owner_1": "Jordan",
              "due_1": d(TODAY + timedelta(weeks=4)), "action_2": "", "owner_2": "", "due_2": ["", "", ""],
              "action_3": "", "owner_3": "", "due_3": ["", "", ""], "next_review_date": d(TODAY + timedelta(weeks=12))}
    return {**values, **changes}


def test_recording_a_review_fills_in_the_hours_and_schedules_the_next(app, mentor_client):
    review = scheduled(app, "Jordan")
    form = page(mentor_client.get(f"/reviews/{review}/record"))
    inset = text_of(form.select_one(".govuk-inset-text"))
    figures = re.match(r"From the learning log: ([\d.]+ hours?) of off-the-job training verified, of [\d.]+ hours? "
                       r"expected by now \([\d.]+ hours? more waiting for verification\)\.", inset)
    assert figures, inset
    response = post_form(mentor_client, f"/reviews/{review}/record", review_data())
    assert response.status_code == 303
    soup = page(mentor_client.get(response.headers["Location"]))
    # The hours saved with the review, written the same way.
    hours = soup.find("dt", string=re.compile("Off-the-job hours verified by then")).find_next("dd")
    assert text_of(hours) == figures.group(1)
    assert "Waiting for signatures" in text_of(soup) and "0 of 3 signed" in text_of(soup)
    assert "Finish the databases module (Jordan, by" in text_of(soup)
    with app.app_context():
        held = db.session.get(ProgressReview, review)
        assert held.rag == Rag.AMBER and held.otj_minutes_at_review > 0
        next_one = db.session.scalar(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == held.apprentice_id, ProgressReview.held_date.is_(None)))
        assert next_one.scheduled_date == TODAY + timedelta(weeks=12)


def test_review_validation(app, coordinator_client):
    review = scheduled(app, "Jordan")
    soup = page(post_form(coordinator_client, f"/reviews/{review}/record", review_data(
        held_date=d(TODAY + timedelta(days=1)), rag="", progress_notes="", owner_1="",
        action_2="", owner_2="Someone", next_review_date=d(TODAY - timedelta(days=3)))))
    assert errors(soup) == {
        "held_date": "Date held must be today or in the past",
        "rag": "Select a rating",
        "progress_notes": "Enter the progress against the training plan",
        "owner_1": "Enter who will do action 1",
        "action_2": "Enter action 2, or leave its owner and date empty",
        "next_review_date": "Next review date must be after the date held",
    }


def test_three_sign_offs_lock_the_review_and_reopening_needs_a_reason(app, signed_in):
    review = scheduled(app, "Jordan")
    post_form(signed_in("mentor"), f"/reviews/{review}/record", review_data())
    apprentice, employer, coordinator = signed_in("apprentice"), signed_in("employer"), signed_in("coordinator")
    for client, name in ((apprentice, "Your review held"), (employer, "Jordan Ellis"), (coordinator, "Jordan Ellis")):
        listed = text_of(page(client.get("/reviews")).find("h2", string="Waiting for your signature").find_next())
        assert name in listed
    post_form(apprentice, f"/reviews/{review}/sign", {"comment": "I agree with the actions."},
              page=f"/reviews/{review}")
    post_form(employer, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")
    response = post_form(coordinator, f"/reviews/{review}/sign", {"comment": "Agreed."}, page=f"/reviews/{review}")
    soup = page(coordinator.get(response.headers["Location"]))
    assert "Everyone has signed: the review is locked." in text_of(soup)
    assert "I agree with the actions." in text_of(soup)
    # Locked: it cannot be changed or signed again.
    locked = signed_in("mentor").get(f"/reviews/{review}/record")
    assert locked.status_code == 303
    assert "Signed off" in text_of(page(apprentice.get(f"/reviews/{review}")))
    assert post_form(apprentice, f"/reviews/{review}/sign", {}, page=f"/reviews/{review}").status_code == 403
    soup = page(post_form(coordinator, f"/reviews/{review}/reopen", {"reason": ""}))
    assert errors(soup)["reason"] == "Enter why the review needs reopening"
    post_form(coordinator, f"/reviews/{review}/reopen", {"reason": "The hours figure was wrong."})
    with app.app_context():
        stored = db.session.get(ProgressReview, review)
        assert stored.locked_at is None and stored.signoffs == []
        assert db.session.scalar(sa.select(ReviewReopening.reason)) == "The hours figure was wrong."
        actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.subject_type == "progress_reviews",
                                                                       AuditEvent.subject_id == review,
                                                                       AuditEvent.action != "review.viewed")).all()
        assert actions == ["review.recorded", "review.signed", "review.signed", "review.signed", "review.locked",
                           "review.reopened"]


def test_without_a_host_employer_the_coordinator_signs_both_parts(app, signed_in):
    review = scheduled(app, "Liam")  # not on a placement
    mentor = signed_in("mentor")
    response = post_form(mentor, f"/reviews/{review}/record", review_data(attendees="Liam, Priya"))
    assert ("It now needs signing by the apprentice, the employer and the coordinator. Liam had no host employer "
            "at the time of this review, so the coordinator signs for the employer as well."
            in text_of(page(mentor.get(response.headers["Location"]))))
    coordinator = signed_in("coordinator")
    said = "Liam had no host employer at the time of this review, so you sign for the employer as well."
    assert said in text_of(page(coordinator.get(f"/reviews/{review}")).find(id="no-host-employer"))
    post_form(coordinator, f"/reviews/{review}/sign", {}, page=f"/reviews/{review}")
    soup = page(coordinator.get(f"/reviews/{review}"))
    assert "Sign off this review as the employer" in text_of(soup) and said in text_of(soup)
    post_form(coordinator, f"/reviews/{review}/sign", {}, page=f"/reviews/{review}")
    with app.app_context():
        assert {s.party.value for s in db.session.get(ProgressReview, review).signoffs} == {"coordinator", "employer"}


def test_a_review_with_a_host_employer_does_not_say_the_coordinator_signs_for_them(app, signed_in):
    review = scheduled(app, "Jordan")  # placed with the demo employer
    response = post_form(signed_in("mentor"), f"/reviews/{review}/record", review_data())
    shown = text_of(page(signed_in("mentor").get(response.headers["Location"])))
    assert "no host employer" not in shown
    assert "no host employer" not in text_of(page(signed_in("coordinator").get(f"/reviews/{review}")))


def test_hours_verified_by_the_review_are_in_hours_or_not_recorded(app, coordinator_client):
    review = scheduled(app, "Jordan")
    post_form(coordinator_client, f"/reviews/{review}/record", review_data())

    def hours_shown() -> str:
        soup = page(coordinator_client.get(f"/reviews/{review}"))
        return text_of(soup.find("dt", string=re.compile("Off-the-job hours verified by then")).find_next("dd"))

    for minutes, shown in ((20625, "343.75 hours"), (60, "1 hour"), (0, "0 hours"), (None, "Not recorded")):
        with app.app_context():
            db.session.get(ProgressReview, review).otj_minutes_at_review = minutes
            db.session.commit()
        assert hours_shown() == shown, minutes


def test_reviews_are_only_seen_by_those_concerned(app, signed_in):
    callum = scheduled(app, "Callum")
    jordan = scheduled(app, "Jordan")
    assert signed_in("apprentice").get(f"/reviews/{callum}").status_code == 404
    assert signed_in("mentor").get(f"/reviews/{callum}").status_code == 404
    assert signed_in("employer").get(f"/reviews/{callum}").status_code == 404
    assert signed_in("employer").get(f"/reviews/{jordan}").status_code == 200
    yusuf = scheduled(app, "Yusuf")  # only proposed to the employer, not placed with them
    assert signed_in("employer").get(f"/reviews/{yusuf}").status_code == 404
    assert signed_in("apprentice").get(f"/reviews/{jordan}/record").status_code == 403


def test_the_coordinators_reviews_page_lists_overdue_ones(app, coordinator_client):
    soup = page(coordinator_client.get("/reviews"))
    overdue = text_of(soup.find("h2", string="Overdue").find_next())
    assert "Ella Robinson" in overdue
    # Each name leads to recording the review booked, or with none booked to the apprentice's reviews.
    link = soup.find("h2", string="Overdue").find_next("ul").find("a", string="Ella Robinson")
    booked = scheduled(app, "Ella")
    with app.app_context():
        ella = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Ella"))
    assert link["href"] == (f"/reviews/{booked}/record" if booked else f"/apprentices/{ella}#reviews")


def due_shown(client, apprentice_id: int) -> tuple[str, date]:
    """The apprentice page's sentence about the next review, and the due date it gives."""
    shown = text_of(page(client.get(f"/apprentices/{apprentice_id}")).find(id="next-review"))
    day = re.search(r"due by (\d+ \w+ \d{4})", shown).group(1)
    return shown, datetime.strptime(day, "%d %B %Y").date()


def test_a_break_moves_the_due_date_and_the_booked_review_later_by_its_length(app, coordinator_client):
    liam = scheduled(app, "Liam")
    with app.app_context():
        liam_id = db.session.get(ProgressReview, liam).apprentice_id
    _, due = due_shown(coordinator_client, liam_id)
    start, back = TODAY - timedelta(days=14), TODAY + timedelta(weeks=4)  # since his last review
    post_form(coordinator_client, f"/apprentices/{liam_id}/status/start_break",
              {"start_date": d(start), "expected_return_date": d(back), "reason": "Agreed break"})
    shown, moved = due_shown(coordinator_client, liam_id)
    assert moved == due + (back - start) and "never overdue" in shown
    with app.app_context():
        assert db.session.get(ProgressReview, liam).scheduled_date == moved  # booked for the day it is due
    # Back today, sooner than expected: the review is due 14 days (the break's length) later than before.
    post_form(coordinator_client, f"/apprentices/{liam_id}/status/end_break", {"returned_on": d(TODAY)})
    assert due_shown(coordinator_client, liam_id)[1] == due + timedelta(days=14)
    with app.app_context():
        assert db.session.get(ProgressReview, liam).scheduled_date == due + timedelta(days=14)


def test_a_personal_calendar_feed_behind_a_secret_link_that_can_be_reset(app, mentor_client):
    assert "You do not have a calendar link yet." in text_of(page(mentor_client.get("/reviews/calendar")))
    soup = page(post_form(mentor_client, "/reviews/calendar", {}, follow_redirects=True))
    link = soup.find(id="calendar-url")["value"]
    path = link.removeprefix("http://localhost")
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert feed.headers["Referrer-Policy"] == "no-referrer"
    body = feed.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Progress review: Jordan Ellis" in body  # a mentee, with a review booked
    assert "Callum" not in body  # not a mentee
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # A new link is asked for first: the old one stops working, and calendars subscribed to it stop updating.
    calendar_page = page(mentor_client.get("/reviews/calendar"))
    assert calendar_page.find("button", string=re.compile("calendar link")) is None  # one tap does nothing
    new = calendar_page.find("a", string=re.compile("Make a new calendar link"))
    assert new["href"] == "/reviews/calendar/new"
    confirm = page(mentor_client.get(new["href"]))
    assert confirm.h1.get_text(strip=True) == "Make a new calendar link?"
    assert ("Your old link will stop working: any calendar that subscribed to it will stop updating."
            in text_of(confirm))
    yes = confirm.find("button", string=re.compile("Yes, make a new link"))
    assert yes.find_parent("form")["action"] == "/reviews/calendar"
    assert confirm.find("a", string="No, keep my link")["href"] == "/reviews/calendar"
    assert anonymous.get(path).status_code == 200  # asking changes nothing
    answer = page(post_form(mentor_client, "/reviews/calendar", {}, page="/reviews/calendar/new",
                              follow_redirects=True))
    assert answer.find(id="calendar-url")["value"] != link
    assert anonymous.get(path).status_code == 404
    # The new link is shown after a redirect: a refresh shows the page again and makes no other link.
    newest = answer.find(id="calendar-url")["value"].removeprefix("http://localhost")
    refreshed = page(mentor_client.get("/reviews/calendar"))
    assert refreshed.find(id="calendar-url") is None
    assert anonymous.get(newest).status_code == 200
    assert anonymous.get("/calendar/not-a-real-token.ics").status_code == 404


def test_the_calendar_event_is_on_the_day_booked_and_says_when_it_is_due(app, mentor_client):
    review = scheduled(app, "Jordan")
    with app.app_context():
        booked = db.session.get(ProgressReview, review)
        apprentice_id = booked.apprentice_id
    due = due_shown(mentor_client, apprentice_id)[1]
    with app.app_context():
        db.session.get(ProgressReview, review).scheduled_date = due + timedelta(days=5)
        db.session.commit()
    made = page(post_form(mentor_client, "/reviews/calendar", {}, follow_redirects=True))
    link = made.find(id="calendar-url")["value"]
    body = app.test_client().get(link.removeprefix("http://localhost")).get_data(as_text=True).replace("\r\n ", "")
    event = next(e for e in body.split("BEGIN:VEVENT")[1:] if "Jordan Ellis" in e)
    assert f"DTSTART;VALUE=DATE:{due + timedelta(days=5):%Y%m%d}" in event
    assert "SUMMARY:Progress review: Jordan Ellis" in event
    assert f"DESCRIPTION:Is due by {long(due)}. Booked after it is due." in event.replace("\\,", ",")
    # With nothing booked, the event is on the day it is due.
    with app.app_context():
        db.session.delete(db.session.get(ProgressReview, review))
        db.session.commit()
    body = app.test_client().get(link.removeprefix("http://localhost")).get_data(as_text=True).replace("\r\n ", "")
    event = next(e for e in body.split("BEGIN:VEVENT")[1:] if "Jordan Ellis" in e)
    assert f"DTSTART;VALUE=DATE:{due:%Y%m%d}" in event and "SUMMARY:Progress review due: Jordan Ellis" in event


def test_a_booked_day_gone_by_without_the_review_recorded_is_said_in_the_past(app, signed_in):
    coordinator = signed_in("coordinator")
    review = scheduled(app, "Jordan")
    past = TODAY - timedelta(days=3)
    with app.app_context():
        db.session.get(ProgressReview, review).scheduled_date = past
        apprentice = db.session.get(ProgressReview, review).apprentice
        apprentice_id, cohort_id = apprentice.id, apprentice.cohort_id
        db.session.commit()
    shown, due = due_shown(coordinator, apprentice_id)
    assert f"It was scheduled for {long(past)} but has not been recorded." in shown
    assert "It is scheduled" not in shown
    row = next(tr for tr in page(coordinator.get(f"/cohorts/{cohort_id}")).select("#cohort-table tbody tr")
               if "Jordan Ellis" in tr.get_text())
    assert f"Scheduled for {long(past)} but not recorded" in text_of(row)
    home = text_of(page(signed_in("apprentice").get("/apprentice")).find(id="next-review"))
    assert f"It was scheduled for {long(past)} but has not been recorded." in home
    shown_on_review = text_of(page(coordinator.get(f"/reviews/{review}")))
    assert f"It was scheduled for {long(past)} but has not been recorded." in shown_on_review
    assert shown_on_review.lower().count("scheduled for") == 1  # said once, beside when it was due


def test_date_held_starts_empty_and_an_empty_next_date_books_the_review_when_it_is_due(app, mentor_client):
    review = scheduled(app, "Jordan")
    form = page(mentor_client.get(f"/reviews/{review}/record"))
    for name in ("held_date", "next_review_date"):
        assert [i.get("value", "") for i in form.select(f"input[name={name}]")] == ["", "", ""], name
    assert "Leave it empty to book it for the day it is due: 12 weeks after the date held" in text_of(form)
    held = TODAY - timedelta(days=2)
    response = post_form(mentor_client, f"/reviews/{review}/record",
                         review_data(held_date=d(held), next_review_date=["", "", ""]))
    assert response.status_code == 303
    with app.app_context():
        apprentice_id = db.session.get(ProgressReview, review).apprentice_id
        assert db.session.get(ProgressReview, review).next_review_date == held + timedelta(weeks=12)
        assert db.session.get(ProgressReview, scheduled(app, "Jordan")).scheduled_date == held + timedelta(weeks=12)
    shown, due = due_shown(mentor_client, apprentice_id)
    assert due == held + timedelta(weeks=12)
    assert f"It is scheduled for {long(due)}." in shown and "after it is due" not in shown


def test_a_review_booked_after_it_is_due_is_flagged_wherever_the_date_is_shown(app, signed_in):
    coordinator = signed_in("coordinator")
    review = scheduled(app, "Jordan")
    late = TODAY + timedelta(weeks=14)
    post_form(coordinator, f"/reviews/{review}/record", review_data(next_review_date=d(late)))
    due = TODAY + timedelta(weeks=12)
    with app.app_context():
        jordan = db.session.get(ProgressReview, review).apprentice
        apprentice_id, cohort_id = jordan.id, jordan.cohort_id
    shown, shown_due = due_shown(coordinator, apprentice_id)
    assert shown_due == due
    assert f"It is scheduled for {long(late)}, after it is due." in shown and "Scheduled late" in shown
    row = next(tr for tr in page(coordinator.get(f"/cohorts/{cohort_id}")).select("#cohort-table tbody tr")
               if "Jordan Ellis" in tr.get_text())
    assert f"{long(due)} Scheduled late Scheduled for {long(late)}, after it is due" in text_of(row)
    booked = page(coordinator.get(f"/reviews/{scheduled(app, 'Jordan')}"))
    assert f"It is scheduled for {long(late)}, after it is due." in text_of(booked)
    assert text_of(booked).lower().count("scheduled for") == 1  # said once, beside when it is due
    assert f"due by {long(due)}" in text_of(booked.find(id="next-review"))
    home = page(signed_in("apprentice").get("/apprentice")).find(id="next-review")
    assert f"Your next progress review is due by {long(due)}" in text_of(home)
    assert "after it is due" in text_of(home)


def test_mentors_sign_as_a_fourth_party_when_the_programme_asks_them_to(app, signed_in):
    coordinator, mentor = signed_in("coordinator"), signed_in("mentor")
    review = scheduled(app, "Jordan")
    # Off by default: three signatures, and the mentor has nothing to sign.
    soup = page(coordinator.get("/settings"))
    assert soup.find("input", attrs={"name": "mentors_sign_reviews", "value": "no"}).has_attr("checked")
    post_form(coordinator, "/settings", {"review_interval": "12-weeks", "mentors_sign_reviews": "yes",
                                         "disclosure_threshold": "5"})
    response = post_form(mentor, f"/reviews/{review}/record", review_data())
    soup = page(mentor.get(response.headers["Location"]))
    assert ("It now needs signing by the apprentice, the employer, the coordinator and the mentor."
            in text_of(soup))
    assert "0 of 4 signed" in text_of(soup)
    assert [th.get_text(strip=True) for th in soup.select("#sign-offs ~ div tbody th")] == [
        "The apprentice", "The employer", "The coordinator", "The mentor"]
    # Named once, by its heading (no caption saying it again); on a phone each party's row stacks.
    table = soup.select_one("#sign-offs ~ div table")
    assert table.find("caption") is None and table["aria-labelledby"] == "sign-offs"
    assert "app-table--stacked" in table["class"]
    assert {td["data-label"] for td in table.select("tbody td[data-label]")} == {"Signed"}  # no comments yet
    assert "Sign off this review as the mentor" in text_of(soup)
    # Another mentor neither sees it nor signs it.
    with app.app_context():
        other = db.session.scalar(sa.select(User).where(User.email == "daniel.hughes@northmoor.example"))
        assert other.role.value == "mentor"
    daniel = app.test_client()
    sign_in(daniel, "daniel.hughes@northmoor.example")
    assert daniel.get(f"/reviews/{review}").status_code == 404
    for client in (signed_in("apprentice"), signed_in("employer"), coordinator):
        post_form(client, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")
    assert "3 of 4 signed" in text_of(page(coordinator.get(f"/reviews/{review}")))
    # Jordan moves to another mentor: the mentor at the time of the review still signs it.
    with app.app_context():
        jordan = db.session.get(ProgressReview, review).apprentice
        jordan.mentor = db.session.get(User, other.id).mentor
        db.session.commit()
    home = page(mentor.get("/mentor"))
    waiting = text_of(home.find("h2", string="Reviews waiting for your signature").find_next("ul"))
    assert "Jordan Ellis" in waiting and "3 of 4 signed" in waiting
    # ...but the record is no longer theirs to correct: that is for Jordan's mentor now.
    assert "Correct this review" not in text_of(page(mentor.get(f"/reviews/{review}")))
    assert mentor.get(f"/reviews/{review}/record").status_code == 404
    assert "Correct this review" in text_of(page(daniel.get(f"/reviews/{review}")))
    response = post_form(mentor, f"/reviews/{review}/sign", {"comment": "Agreed with the actions."},
                         page=f"/reviews/{review}")
    soup = page(mentor.get(response.headers["Location"]))
    assert "Everyone has signed: the review is locked." in text_of(soup) and "Signed off" in text_of(soup)
    assert "Agreed with the actions." in text_of(soup)
    assert "Reviews waiting for your signature" not in text_of(page(mentor.get("/mentor")))
    with app.app_context():
        stored = db.session.get(ProgressReview, review)
        assert stored.locked_at is not None and stored.signing_mentor_id is not None
        assert {s.party.value for s in stored.signoffs} == {"apprentice", "employer", "coordinator", "mentor"}
        mentor_user = db.session.scalar(sa.select(User.id).where(User.email == "mentor@example.org"))
        signed = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == "review.signed", AuditEvent.subject_id == review)).all()
        assert {(e.actor_id, e.details["party"]) for e in signed if e.details["party"] == "mentor"} == {
            (mentor_user, "mentor")}
    # Turned off again, a new review needs three signatures.
    post_form(coordinator, "/settings", {"review_interval": "12-weeks", "mentors_sign_reviews": "no",
                                         "disclosure_threshold": "5"})
    liam = scheduled(app, "Liam")
    post_form(mentor, f"/reviews/{liam}/record", review_data(attendees="Liam, Priya"))
    assert "0 of 3 signed" in text_of(page(mentor.get(f"/reviews/{liam}")))


def test_correcting_a_held_review_says_so_and_leads_back_to_it(app, signed_in):
    coordinator = signed_in("coordinator")
    review = scheduled(app, "Jordan")
    first = page(coordinator.get(f"/reviews/{review}/record"))
    assert first.h1.get_text(strip=True) == "Record a progress review"
    post_form(coordinator, f"/reviews/{review}/record", review_data())
    again = page(coordinator.get(f"/reviews/{review}/record"))
    assert again.h1.get_text(strip=True) == "Correct this progress review"
    assert again.find(class_="govuk-back-link")["href"] == f"/reviews/{review}"
    corrected = post_form(coordinator, f"/reviews/{review}/record", review_data())
    assert "Review corrected. It now needs signing by" in text_of(page(coordinator.get(corrected.headers["Location"])))
