"""Daily work: what waits for an apprentice on their home page, every item of the coordinator's
dashboard leading to where it is acted on, and the calendar link page."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from bs4 import BeautifulSoup

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
from apprenticeships.services import logbook, progress

from ..helpers import page, post_form, text_of
from .test_apprentices import errors


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


def test_at_first_only_the_demo_apprentices_latest_review_waits_for_them(app, apprentice_client):
    with app.app_context():  # the demo leaves it waiting for their signature (services/demo.py)
        held = db.session.scalar(sa.select(ProgressReview.held_date).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None),
            ProgressReview.locked_at.is_(None)))
    assert waiting(page(apprentice_client.get("/apprentice"))) == (
        f"Waiting for you 1 progress review is waiting for your signature Read and sign the review held on "
        f"{held.day} {held:%B %Y}")


def test_queried_entries_are_listed_first_with_their_question_and_a_link_to_the_answer(app, apprentice_client):
    me = jordan(app)
    recent = query_entry(app, me, nth_newest=2, question="Which module was this?")
    old = query_entry(app, me, nth_newest=25, question="Was this the induction week?")  # on the log's 2nd page
    soup = page(apprentice_client.get("/apprentice"))
    text = waiting(soup)
    assert text.startswith("Waiting for you 2 log entries need your answer")
    assert text.index("Was this the induction week?") < text.index("Which module was this?")  # oldest first
    links = {a["href"] for a in soup.find(id="waiting-for-you").find_all("a") if a["href"].startswith("/apprentice")}
    # Each link leads to the entry's answer box on that page of the log (static/page.js puts the cursor in it).
    assert links == {f"/apprentice#response-{recent}", f"/apprentice?page=2#response-{old}"}
    second_page = page(apprentice_client.get("/apprentice?page=2"))
    assert second_page.find(id=f"entry-{old}").find_next_sibling("tr").find("textarea", id=f"response-{old}")
    post_form(apprentice_client, f"/log/{old}/answer", {"response": "Yes, the first week."}, page="/apprentice")
    assert waiting(page(apprentice_client.get("/apprentice"))).startswith(
        "Waiting for you 1 log entry needs your answer")


def test_the_form_to_log_learning_comes_right_after_what_waits_for_an_answer(app, apprentice_client):
    query_entry(app, jordan(app), nth_newest=3, question="Which module was this?")
    soup = page(apprentice_client.get("/apprentice"))
    main = soup.find("main")
    parts = [main.find(id=name) for name in ("waiting-for-you", "logbook", "progress", "past-reviews", "log-list")]
    assert all(parts) and [p.sourceline for p in parts] == sorted(p.sourceline for p in parts)
    assert [text_of(h) for h in main.find_all("h2")][:4] == [
        "Waiting for you", "Log your learning", "Off-the-job hours", "Your progress reviews"]
    assert soup.find(id="logbook").find("form", action="/log")  # the form itself, not a link to it
    assert soup.find(id="logbook").find_previous_sibling() is parts[0]  # nothing in between
    # Before anything else, a way to each part further down the page.
    contents = soup.find(id="page-contents")
    assert contents.sourceline < parts[0].sourceline
    assert " ".join(contents.get_text().split()) == (
        "Log your learning, or go to your off-the-job hours, your reviews, your log or your data.")
    assert contents.find("a", string="Log your learning")["href"] == "#logbook"  # the form, however much waits
    for link in contents.find_all("a"):
        assert soup.find(id=link["href"].removeprefix("#"))


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


def held_reviews(app) -> list[tuple[str, str, list[str], str]]:
    with app.app_context():
        held = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).all()
        # The demo apprentice has not signed their latest review yet (services/demo.py).
        return [(f"Review held on {r.held_date.day} {r.held_date:%B %Y}", r.rag.label,
                 [a.description for a in r.actions],
                 "Yes, by everyone" if r.locked_at else "Waiting for your signature") for r in held]


def cards(soup) -> list[tuple[str, str, list[str], str]]:
    shown = []
    for card in soup.select("#past-reviews .govuk-summary-card"):
        rows = {text_of(row.dt): text_of(row.dd) for row in card.select(".govuk-summary-list__row")}
        actions = [text_of(li).split(" (")[0] for li in card.select(".govuk-summary-list__value li")]
        shown.append((text_of(card.h3), rows["Rating"], actions, rows["Signed off"]))
        assert card.find("a", href=re.compile(r"^/reviews/\d+$"))
    return shown


def test_the_latest_reviews_come_before_the_log_with_a_link_to_all(app, apprentice_client):
    expected = held_reviews(app)
    soup = page(apprentice_client.get("/apprentice"))
    reviews = soup.find(id="past-reviews")
    assert reviews.sourceline < soup.find(id="log-list").sourceline  # above the long log
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
    soup = page(post_form(mentor_client, "/reviews/calendar", {}, follow_redirects=True))
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


# The apprentice's log: where each action lands -------------------------------------------------

def entry_on_page_two(app) -> tuple[int, date]:
    """Jordan's 25th newest entry (on the 2nd page of 20), waiting for verification so it can be changed."""
    with app.app_context():
        entry = db.session.scalars(sa.select(LogEntry).where(LogEntry.apprentice_id == jordan(app)).order_by(
            LogEntry.activity_date.desc(), LogEntry.id.desc()).offset(24).limit(1)).one()
        entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.PENDING, None, None
        db.session.commit()
        return entry.id, entry.activity_date


def log_banners(soup) -> list[str]:
    return [text_of(b) for b in soup.select(".govuk-notification-banner--success")]


def test_the_log_pages_open_at_the_log_and_change_or_delete_come_back_to_the_same_page(app, apprentice_client):
    entry, day = entry_on_page_two(app)
    first = page(apprentice_client.get("/apprentice"))
    assert first.find(id="your-log").get_text() == "Your log"
    assert first.select_one("#log-list .govuk-pagination__next a")["href"] == "/apprentice?page=2#your-log"
    second = page(apprentice_client.get("/apprentice?page=2"))
    row = second.find(id=f"entry-{entry}")
    assert row.find("a", href=f"/log/{entry}/edit?page=2") and row.find("a", href=f"/log/{entry}/delete?page=2")
    assert second.select_one("#log-list .govuk-pagination__prev a")["href"] == "/apprentice?page=1#your-log"

    # Change, then save: back at the same page of the log, at the log, which says what was saved.
    form = page(apprentice_client.get(f"/log/{entry}/edit?page=2"))
    assert form.select_one(".govuk-back-link")["href"] == f"/apprentice?page=2#entry-{entry}"
    values = {"activity_date": [str(day.day), str(day.month), str(day.year)], "activity_type": "study_time",
              "off_the_job": "yes", "minutes": "1.5", "description": "Read about normal forms again."}
    saved = post_form(apprentice_client, f"/log/{entry}/edit?page=2", values)
    assert saved.status_code == 303 and saved.headers["Location"] == "/apprentice?page=2#log-message"
    soup = page(apprentice_client.get(saved.headers["Location"]))
    said = f"Entry of {day.day} {day:%B %Y} saved."
    assert log_banners(soup) == [f"Success {said}"]  # once, in the log: not at the top of the page
    assert soup.find(id="your-log").find_next(class_="govuk-notification-banner") is soup.find(id="log-message")
    assert soup.find(id="your-log").find_next("table") is soup.find(id="log-entries")
    assert "Read about normal forms again." in text_of(soup.find(id=f"entry-{entry}"))
    assert log_banners(page(apprentice_client.get("/apprentice?page=2"))) == []  # said once

    # Delete, then confirm: the same page of the log again.
    confirm = page(apprentice_client.get(f"/log/{entry}/delete?page=2"))
    assert confirm.select_one(".govuk-back-link")["href"] == f"/apprentice?page=2#entry-{entry}"
    assert confirm.find("a", string="No, keep it")["href"] == f"/apprentice?page=2#entry-{entry}"
    deleted = post_form(apprentice_client, f"/log/{entry}/delete?page=2", {})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/apprentice?page=2#log-message"
    soup = page(apprentice_client.get(deleted.headers["Location"]))
    assert log_banners(soup) == [f"Success Entry of {day.day} {day:%B %Y} deleted."]
    assert soup.find(id=f"entry-{entry}") is None


def test_an_entry_moved_to_another_page_by_its_new_date_is_shown_on_that_page(app, apprentice_client):
    entry, day = entry_on_page_two(app)
    yesterday = date.today() - timedelta(days=1)
    values = {"activity_date": [str(yesterday.day), str(yesterday.month), str(yesterday.year)],
              "activity_type": "study_time", "off_the_job": "yes", "minutes": "1", "description": "Moved."}
    saved = post_form(apprentice_client, f"/log/{entry}/edit?page=2", values)
    assert saved.headers["Location"] == "/apprentice#log-message"  # now among the newest, on the first page
    assert page(apprentice_client.get(saved.headers["Location"])).find(id=f"entry-{entry}")


def uk_today() -> date:
    return datetime.now(ZoneInfo("Europe/London")).date()


def test_the_date_of_a_new_entry_starts_as_today_in_the_uk(app, apprentice_client):
    today = uk_today()
    soup = page(apprentice_client.get("/apprentice"))
    form = soup.find("form", action="/log")
    assert [int(form.find(id=f"activity_date-{part}")["value"]) for part in ("day", "month", "year")] == [
        today.day, today.month, today.year]
    # Still required: emptied, it is an error as before; and the form after adding starts at today again.
    empty = post_form(apprentice_client, "/log", {"activity_date": ["", "", ""], "activity_type": "study_time",
                                                  "off_the_job": "yes", "minutes": "1", "description": "Read."},
                      page="/apprentice")
    assert text_of(page(empty).select_one(".govuk-error-summary")).endswith("Enter the date of the learning")
    added = post_form(apprentice_client, "/log", {"activity_date": [str(today.day), str(today.month),
                                                                    str(today.year)],
                                                  "activity_type": "study_time", "off_the_job": "yes",
                                                  "minutes": "1", "description": "Read."},
                      page="/apprentice", headers={"HX-Request": "true", "HX-Target": "logbook"})
    fragment = BeautifulSoup(added.get_data(as_text=True), "html.parser")
    assert int(fragment.find(id="activity_date-day")["value"]) == today.day
    # A change keeps the entry's own date.
    with app.app_context():
        old = db.session.scalars(sa.select(LogEntry).where(LogEntry.apprentice_id == jordan(app))
                                 .order_by(LogEntry.activity_date).limit(1)).one()
        old.status = VerificationStatus.PENDING
        db.session.commit()
        old_id, old_day = old.id, old.activity_date
    assert int(page(apprentice_client.get(f"/log/{old_id}/edit")).find(id="activity_date-day")["value"]) == \
        old_day.day


def test_negative_hours_are_more_than_0_not_not_a_number(apprentice_client):
    today = uk_today()
    soup = page(post_form(apprentice_client, "/log", {
        "activity_date": [str(today.day), str(today.month), str(today.year)], "activity_type": "study_time",
        "off_the_job": "yes", "minutes": "-2", "description": "Read."}, page="/apprentice"))
    assert errors(soup)["minutes"] == "Hours must be more than 0"


def figures(soup) -> dict[str, str]:
    return {text_of(f).split(" ", 1)[1]: f.find(class_="app-figure__number").get_text()
            for f in soup.select("#progress .app-figure")}


def test_queried_hours_are_shown_not_lost_from_the_figures(app, apprentice_client):
    before = figures(page(apprentice_client.get("/apprentice")))
    assert "hours queried, waiting for your answer" not in before  # nothing queried in the demo
    with app.app_context():
        waiting_entries = db.session.scalars(sa.select(LogEntry).where(
            LogEntry.apprentice_id == jordan(app), LogEntry.off_the_job.is_(True),
            LogEntry.status == VerificationStatus.PENDING).order_by(LogEntry.id).limit(2)).all()
        assert len(waiting_entries) == 2
        minutes = sum(e.minutes for e in waiting_entries)
        for e in waiting_entries:
            e.status, e.query_comment = VerificationStatus.QUERIED, "Which module?"
        db.session.commit()
    after = figures(page(apprentice_client.get("/apprentice")))
    assert float(after["hours queried, waiting for your answer"]) == minutes / 60
    waiting_before = float(before["hours waiting for verification"].replace(",", ""))
    assert float(after["hours waiting for verification"].replace(",", "")) == waiting_before - minutes / 60
    assert after["hours verified"] == before["hours verified"]
    # The same figure the service gives every page.
    with app.app_context():
        me = db.session.get(Apprentice, jordan(app))
        totals = logbook.totals(me, date.today(), ProgrammeSettings.current())
        assert totals.queried_hours == minutes / 60
        assert totals.pending_hours == waiting_before - minutes / 60


def test_queried_hours_after_gateway_do_not_count(demo_db):
    me = db.session.get(Apprentice, jordan(demo_db))
    older, newer = db.session.scalars(sa.select(LogEntry).where(
        LogEntry.apprentice_id == me.id, LogEntry.off_the_job.is_(True),
        LogEntry.status == VerificationStatus.PENDING).order_by(LogEntry.activity_date, LogEntry.id)).all()[-2:]
    assert older.activity_date < newer.activity_date
    for e in (older, newer):
        e.status, e.query_comment = VerificationStatus.QUERIED, "Which module?"
    db.session.flush()

    def queried_hours() -> float:
        return logbook.totals(me, date.today(), ProgrammeSettings.current()).queried_hours

    assert queried_hours() == (older.minutes + newer.minutes) / 60
    me.gateway_date = older.activity_date  # the newer entry's day is after gateway: its hours no longer count
    db.session.flush()
    assert queried_hours() == older.minutes / 60
    me.gateway_date = newer.activity_date  # the day of gateway itself still counts
    db.session.flush()
    assert queried_hours() == (older.minutes + newer.minutes) / 60


# Changing a password: errors in the order of the fields ---------------------------------------

def test_the_change_password_errors_follow_the_fields_order(apprentice_client):
    soup = page(post_form(apprentice_client, "/account/password", {}), 200)
    fields = [tag["id"] for tag in soup.select("form input[type=password]")]
    assert fields == ["current", "password", "confirm"]
    summary = [a["href"].removeprefix("#") for a in soup.select(".govuk-error-summary a")]
    assert summary == fields
    assert soup.title.get_text().startswith("Error: ")


def test_every_sign_in_and_password_form_lists_its_fields_in_the_order_declared():
    from apprenticeships.auth import forms

    for form_class, expected in ((forms.SignInForm, ["email", "password", "submit"]),
                                 (forms.SetPasswordForm, ["password", "confirm", "submit"]),
                                 (forms.ResetPasswordForm, ["password", "confirm", "submit"]),
                                 (forms.ChangePasswordForm, ["current", "password", "confirm", "submit"])):
        fields = sorted((field.creation_counter, name) for name, field in (
            (n, getattr(form_class, n)) for n in dir(form_class)) if hasattr(field, "creation_counter"))
        assert [name for _, name in fields] == expected, form_class


# The apprentice's reviews ---------------------------------------------------------------------

def test_the_reviews_page_shows_an_apprentice_their_next_review_and_only_sections_with_something_in_them(
        app, apprentice_client):
    soup = page(apprentice_client.get("/reviews"))
    headings = [text_of(h) for h in soup.select("main h2")]
    # Their latest review waits for their signature (services/demo.py); no sections about others.
    assert headings == ["Waiting for your signature", "Your reviews held"]
    assert "No reviews are" not in text_of(soup) and "Nothing is waiting" not in text_of(soup)
    # The next review, in the words of the home page (one rule).
    home = page(apprentice_client.get("/apprentice"))
    assert text_of(soup.find(id="next-review")) == text_of(home.find(id="next-review"))
    assert text_of(soup.find(id="next-review")).startswith("Your next progress review ")
    review_id, held = unsign_latest_review(app, jordan(app))
    soup = page(apprentice_client.get("/reviews"))
    assert [text_of(h) for h in soup.select("main h2")] == ["Waiting for your signature", "Your reviews held"]
    item = text_of(soup.find("h2", string="Waiting for your signature").find_next("li"))
    assert item.startswith(f"Your review held {held.day} {held:%B %Y}") and "Jordan" not in item
    assert soup.find("a", href=f"/reviews/{review_id}#sign-offs")


def test_the_mentor_still_sees_names_in_the_reviews_waiting_for_signature(app, coordinator_client):
    review_id, held = unsign_latest_review(app, jordan(app))
    with app.app_context():
        review = db.session.get(ProgressReview, review_id)
        review.signoffs = [s for s in review.signoffs if s.party != SignoffParty.COORDINATOR]
        db.session.commit()
    soup = page(coordinator_client.get("/reviews"))
    link = soup.find("a", href=f"/reviews/{review_id}")
    assert text_of(link) == "Jordan Ellis"
    # Signing, for each party, says what it does.
    review_page = page(coordinator_client.get(f"/reviews/{review_id}"))
    assert review_page.find("h3", string="Sign off this review as the coordinator")


def test_the_apprentice_signs_off_a_review_and_marks_its_actions_done(app, apprentice_client):
    review_id, _ = unsign_latest_review(app, jordan(app))
    soup = page(apprentice_client.get(f"/reviews/{review_id}"))
    assert soup.find("h3", string="Sign off this review")
    assert "Sign for yourself" not in text_of(soup)
    actions = soup.find("dt", string=re.compile("Actions")).find_next("dd").select("li")
    assert actions and all(re.match("^Mark as (not )?done", text_of(li.find("button"))) for li in actions)
    assert soup.find(id="actions-done") is None  # no note of who marks them: they do


def test_the_review_page_marks_the_same_actions_overdue_as_the_home_page(app, apprentice_client):
    with app.app_context():
        review = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).first()
        late = review.actions[0]
        late.due_date, late.completed_on = date.today() - timedelta(days=1), None
        review.actions.append(ReviewAction(description="Book the exam", owner="Jordan",
                                           due_date=date.today() - timedelta(days=3),
                                           completed_on=date.today() - timedelta(days=5)))
        db.session.commit()
        review_id, expected = review.id, {a.description: a.is_overdue(date.today()) for a in review.actions}

    def shown(items) -> dict[str, bool]:
        return {text_of(li).split(" (")[0]: "overdue" in text_of(li) for li in items}

    home = page(apprentice_client.get("/apprentice")).select("#past-reviews .govuk-summary-card")[0]
    review_page = page(apprentice_client.get(f"/reviews/{review_id}"))
    actions = review_page.find("dt", string=re.compile("Actions")).find_next("dd").select("li")
    assert shown(home.select(".govuk-summary-list__value li")) == shown(actions) == expected
    assert any(expected.values()) and not all(expected.values())
    assert review_page.select(".app-overdue")


# Placements, in the apprentice's words ---------------------------------------------------------

def test_a_placement_speaks_to_the_apprentice_and_their_interests_are_on_their_home(app, apprentice_client,
                                                                                  coordinator_client):
    with app.app_context():
        maintenance = db.session.scalar(sa.select(Placement.id).where(Placement.title == "Maintenance scheduling app"))
    soup = page(apprentice_client.get(f"/opportunities/{maintenance}"))
    keys = [text_of(dt) for dt in soup.select(".govuk-summary-list__key")]
    assert "What you will do" in keys and "What you will learn" in keys
    assert "What the apprentice will do" not in keys
    staff_keys = [text_of(dt) for dt in page(coordinator_client.get(f"/placements/{maintenance}")).select(
        ".govuk-summary-list__key")]
    assert "What the apprentice will do" in staff_keys and "What they will learn" in staff_keys

    assert page(apprentice_client.get("/apprentice")).find(id="placement-interests") is None
    post_form(apprentice_client, f"/opportunities/{maintenance}", {"interested": "yes"})
    home = page(apprentice_client.get("/apprentice"))
    said = home.find(id="placement-interests")
    assert text_of(said) == "You said you are interested in:"
    link = said.find_next("ul").find("a", href=f"/opportunities/{maintenance}")
    assert text_of(link) == "Maintenance scheduling app"
    post_form(apprentice_client, f"/opportunities/{maintenance}", {"interested": "no"})
    assert page(apprentice_client.get("/apprentice")).find(id="placement-interests") is None


def test_the_header_counts_what_the_home_page_lists_as_waiting(app, signed_in, mentor_client):
    """Two entries queried and the demo's review to sign: three things waiting, and the count says 3
    (a reminder to sign replaces the notice that the review was recorded, never adds to it)."""
    me = jordan(app)
    with app.app_context():
        pending = list(db.session.scalars(sa.select(LogEntry.id).where(
            LogEntry.apprentice_id == me, LogEntry.status == VerificationStatus.PENDING).limit(2)))
    for entry_id in pending:
        post_form(mentor_client, f"/log/{entry_id}/query", {"comment": "Which course was this?"})
    soup = page(signed_in("apprentice").get("/apprentice"))
    text = waiting(soup)
    assert "2 log entries need your answer" in text and "1 progress review is waiting for your signature" in text
    assert text_of(soup.find(id="header-notifications")) == "Notifications 3 need you"


def test_hours_expected_by_now_are_whole_hours_and_hours_logged_stay_exact(app, apprentice_client,
                                                                           coordinator_client):
    me = jordan(app)
    with app.app_context():
        totals = logbook.totals(db.session.get(Apprentice, me), date.today(), ProgrammeSettings.current())
    figures = {text_of(f).split(" hours ", 1)[1]: text_of(f).split(" ", 1)[0]
               for f in page(apprentice_client.get("/apprentice")).select("#progress .app-figure")}
    assert figures["expected by now"] == f"{round(totals.expected_hours):,d}"
    assert figures["verified"] == f"{round(totals.verified_hours, 2):,g}"
    record = page(coordinator_client.get(f"/apprentices/{me}"))
    expected = record.find("dt", string=re.compile("Expected by now")).find_next("dd")
    assert re.fullmatch(r"[\d,]+ hours?", text_of(expected))


def test_on_track_only_once_the_hours_expected_are_verified_and_the_same_words_on_every_page(
        app, apprentice_client, coordinator_client):
    """Within 10% under the figure expected by now is "Slightly behind" (not yet at risk), never "On
    track"; the apprentice's page and the cohort's table say it alike (services/otj.pace decides)."""
    from apprenticeships.models import ActivityType, User, utcnow
    from apprenticeships.services.otj import Pace

    days = iter(range(40, 400))

    def verify_minutes(minutes: float) -> None:
        """Verified hours added, in quarter hours, 4 hours a day on days gone by."""
        left = 15 * round(minutes / 15)
        with app.app_context():
            coordinator = db.session.scalar(sa.select(User.id).where(User.email == "coordinator@example.org"))
            while left > 0:
                db.session.add(LogEntry(
                    apprentice_id=jordan(app), activity_date=date.today() - timedelta(days=next(days)),
                    activity_type=ActivityType.STUDY_TIME, minutes=min(left, 240), description="Reading",
                    status=VerificationStatus.VERIFIED, verified_by_id=coordinator, verified_at=utcnow()))
                left -= 240
            db.session.commit()

    def totals() -> logbook.Totals:
        with app.app_context():
            return logbook.totals(db.session.get(Apprentice, jordan(app)), date.today(), ProgrammeSettings.current())

    def said() -> tuple[str, str]:
        home = text_of(page(apprentice_client.get("/apprentice")).find(id="otj-pace"))
        cohort = page(coordinator_client.get("/cohorts/1?q=ellis")).select_one("#cohort-table tbody tr")
        return home, text_of(cohort.find("td", attrs={"data-label": "Off-the-job hours"}))

    def unverify_minutes(minutes: float) -> None:
        """At least this many verified off-the-job minutes back to waiting, the newest entries first."""
        with app.app_context():
            newest_first = db.session.scalars(sa.select(LogEntry).where(
                LogEntry.apprentice_id == jordan(app), LogEntry.status == VerificationStatus.VERIFIED,
                LogEntry.off_the_job.is_(True)).order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()))
            for entry in newest_first:
                if minutes <= 0:
                    break
                entry.status, entry.verified_by_id, entry.verified_at = VerificationStatus.PENDING, None, None
                minutes -= entry.minutes
            db.session.commit()

    before = totals()
    if before.verified_hours >= 0.9 * before.expected_hours:
        # The demo's history is laid out back from today, so on some days Jordan is on track already:
        # start from 10% under (only verified hours count towards the figure expected).
        unverify_minutes((before.verified_hours - 0.9 * before.expected_hours) * 60)
        before = totals()
    assert before.verified_hours < 0.95 * before.expected_hours
    verify_minutes((0.95 * before.expected_hours - before.verified_hours) * 60)  # 5% under
    assert totals().pace is Pace.SLIGHTLY_BEHIND
    home, table = said()
    assert home.startswith("Slightly behind Your verified hours are about ")
    assert "under the figure expected by now. That is less than 10% short, so it does not count as behind" in home
    assert table.endswith("Slightly behind")

    verify_minutes(0.06 * before.expected_hours * 60)  # past the figure expected
    assert totals().pace is Pace.ON_TRACK
    home, table = said()
    assert home == "On track Your verified hours have reached the figure expected by now."
    assert "behind" not in table.lower()
