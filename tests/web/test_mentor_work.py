"""A mentor's daily work beyond the queue itself: an answered query leads to the entry in the queue and
is done once acted on; an entry's history reads in plain words; a mentee's record shows what each
entry was and leads to the whole log; the home page and the reviews page fit a phone and say only
what concerns a mentor."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    ActivityType,
    Apprentice,
    LogEntry,
    Notification,
    NotificationKind,
    User,
    VerificationStatus,
)
from apprenticeships.services import logbook

from ..helpers import DEMO_EMAILS, page, text_of
from .test_query_counts import counting

K = NotificationKind


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _answered_query(app) -> tuple[int, int]:
    """The demo mentor queries one of the demo apprentice's entries and the apprentice answers."""
    with app.app_context():
        mentor, apprentice = _user(DEMO_EMAILS["mentor"]), _user(DEMO_EMAILS["apprentice"])
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice.apprentice_id,
                                                            LogEntry.status == VerificationStatus.PENDING).limit(1))
        logbook.query(mentor, entry, "Which course was this?")
        logbook.answer(apprentice, entry, "The cloud course")
        db.session.commit()
        return entry.id, entry.apprentice_id


def _answered_notification_done(app, entry_id: int) -> bool:
    with app.app_context():
        return db.session.scalar(sa.select(Notification.done_at).where(
            Notification.kind == K.QUERY_ANSWERED, Notification.log_entry_id == entry_id)) is not None


def test_an_answered_query_leads_to_the_entry_in_the_queue_and_is_done_once_verified(app, mentor_client):
    entry_id, apprentice_id = _answered_query(app)
    listed = page(mentor_client.get("/notifications"))
    href = next(a["href"] for a in listed.find_all("a") if "has answered your query" in text_of(a))
    parts = urlsplit(href)
    assert parts.path == "/verification" and parts.fragment == f"entry-{entry_id}"
    assert parse_qs(parts.query) == {"apprentice": [str(apprentice_id)], "status": ["answered"]}
    queue = page(mentor_client.get(f"{parts.path}?{parts.query}"))
    row = queue.find(id=f"entry-{entry_id}")
    assert "They answered: The cloud course" in text_of(row)
    form = next(f for f in row.find_all("form") if text_of(f.find("button")).startswith("Verify"))
    assert not _answered_notification_done(app, entry_id)
    mentor_client.post(form["action"], data={"csrf_token": queue.find("input", attrs={"name": "csrf_token"})["value"],
                                             "version": form.find("input", attrs={"name": "version"})["value"]})
    assert _answered_notification_done(app, entry_id)


def _notifications_page_item(client, entry_id: int):
    """The mentor's notification that the apprentice answered their query about the entry, as listed."""
    listed = page(client.get("/notifications"))
    return next(li for li in listed.select(".app-notifications__item")
                if "has answered your query" in text_of(li) and f"entry-{entry_id}" in li.find("a")["href"])


def test_an_answered_query_is_done_once_verified_with_others_in_one_go(app, mentor_client):
    entry_id, apprentice_id = _answered_query(app)
    assert text_of(_notifications_page_item(mentor_client, entry_id)).startswith("New ")
    queue = page(mentor_client.get(f"/verification?apprentice={apprentice_id}"))
    chosen = [box["value"] for box in queue.select('input[name="entries"]')]
    assert any(value.startswith(f"{entry_id}:") for value in chosen) and len(chosen) > 1
    response = mentor_client.post(queue.find(id="queue-bulk")["action"], data={
        "csrf_token": queue.find("input", attrs={"name": "csrf_token"})["value"], "entries": chosen})
    assert response.status_code == 303
    assert _answered_notification_done(app, entry_id)
    item = _notifications_page_item(mentor_client, entry_id)
    assert text_of(item).startswith("Done ") and item.find("button") is None  # nothing left to mark


def test_an_answered_query_verified_by_someone_else_is_done_for_the_mentor_who_asked(app, coordinator_client,
                                                                                     mentor_client):
    entry_id, _ = _answered_query(app)
    queue = page(coordinator_client.get("/verification?status=answered"))
    form = queue.find(id=f"entry-{entry_id}").find("form")
    coordinator_client.post(form["action"], data={
        "csrf_token": queue.find("input", attrs={"name": "csrf_token"})["value"],
        "version": form.find("input", attrs={"name": "version"})["value"]})
    assert _answered_notification_done(app, entry_id)
    assert text_of(_notifications_page_item(mentor_client, entry_id)).startswith("Done ")


def test_verifying_a_query_answered_in_person_leaves_nothing_open_about_the_entry(app, mentor_client):
    entry_id, apprentice_id = _answered_query(app)
    with app.app_context():  # asked again; answered in person this time, so verified anyway
        logbook.query(_user(DEMO_EMAILS["mentor"]), db.session.get(LogEntry, entry_id), "And which module?")
        db.session.commit()
    queue = page(mentor_client.get(f"/verification?apprentice={apprentice_id}&status=queried"))
    form = queue.find(id=f"entry-{entry_id}").find("form")
    assert text_of(form.find("button")).startswith("Verify anyway")
    mentor_client.post(form["action"], data={
        "csrf_token": queue.find("input", attrs={"name": "csrf_token"})["value"],
        "version": form.find("input", attrs={"name": "version"})["value"], "anyway": "yes"})
    with app.app_context():
        assert db.session.get(LogEntry, entry_id).status == VerificationStatus.VERIFIED
        open_about_it = db.session.scalars(sa.select(Notification.kind).where(
            Notification.log_entry_id == entry_id, Notification.done_at.is_(None))).all()
    assert open_about_it == []  # neither the mentor's answer to read nor the apprentice's question
    assert text_of(_notifications_page_item(mentor_client, entry_id)).startswith("Done ")


def test_querying_again_marks_the_answer_done_and_asks_the_apprentice_again(app):
    entry_id, _ = _answered_query(app)
    with app.app_context():
        logbook.query(_user(DEMO_EMAILS["mentor"]), db.session.get(LogEntry, entry_id), "And how long was it?")
        db.session.commit()
        waiting = db.session.scalars(sa.select(Notification.kind).where(
            Notification.log_entry_id == entry_id, Notification.done_at.is_(None))).all()
    assert waiting == [K.ENTRY_QUERIED]  # the new question, for the apprentice; the mentor's answer is read


def test_an_entrys_history_reads_in_plain_words_with_a_way_back(app, mentor_client):
    entry_id, apprentice_id = _answered_query(app)
    history = page(mentor_client.get(f"/log/{entry_id}"))
    back = history.select_one(".govuk-back-link")
    assert back["href"] == f"/apprentices/{apprentice_id}#entries" and text_of(back).startswith("Back to ")
    status = next(row for row in history.select(".govuk-summary-list__row") if "Status" in text_of(row))
    assert text_of(status.select_one(".govuk-summary-list__value")) == "Waiting"
    changes = text_of(history.find("ol"))
    assert "Question: Which course was this?" in changes and "Answer: The cloud course" in changes
    assert "comment:" not in changes and "response:" not in changes
    to_queue = history.find("a", string=lambda s: s and s.startswith("Verify or query"))
    assert to_queue["href"] == f"/verification?apprentice={apprentice_id}#entry-{entry_id}"


def test_the_status_reads_the_same_on_every_page():
    assert [s.label for s in VerificationStatus] == ["Waiting", "Verified", "Queried"]


def _jordan(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Jordan"))


def test_a_mentees_record_shows_what_each_entry_was_and_leads_to_the_whole_log(app, mentor_client):
    jordan = _jordan(app)
    record = page(mentor_client.get(f"/apprentices/{jordan}"))
    latest = record.find(id="entries").find_next("table")
    # The table is named as its heading says (for screen readers: the heading already shows it).
    assert text_of(record.find(id="entries")) == text_of(latest.find("caption")) == "Latest entries"
    assert latest.find_parent(attrs={"role": "region"})["aria-label"] == "Latest entries"
    first = latest.select("tbody tr")[0]
    with app.app_context():
        newest = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == jordan)
                                   .order_by(LogEntry.activity_date.desc(), LogEntry.id.desc()).limit(1))
        total = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry)
                                  .where(LogEntry.apprentice_id == jordan))
        description = newest.description
    assert description in text_of(first) and first.find("a")["href"] == f"/log/{newest.id}"
    # Each description in full in the page (what shows without JavaScript); static/clamp.js cuts a long one to
    # three lines, with a button that shows it all: the same mechanism as the verification queue's.
    assert latest["data-clamp"] == "always"
    assert text_of(first.find(id=f"what-{newest.id}", class_="app-clamp")).endswith(description)
    assert record.find("script", src=lambda src: src and src.startswith("/static/clamp.js"))
    everything = record.find("a", string=lambda s: s and s.startswith("See all of Jordan"))
    log = page(mentor_client.get(everything["href"]))
    assert f"{total} entries, newest first" in text_of(log)
    assert len(log.select("tbody tr")) == min(total, 50)
    if total > 50:
        second = page(mentor_client.get(everything["href"] + "?page=2"))
        assert len(second.select("tbody tr")) == min(total - 50, 50)
    assert log.select_one(".govuk-back-link")["href"] == f"/apprentices/{jordan}#entries"


def test_the_whole_log_runs_the_same_number_of_statements_at_two_data_sizes(app, mentor_client):
    jordan = _jordan(app)
    path = f"/apprentices/{jordan}/log?page=2"
    mentor_client.get(path)
    with counting(app) as small:
        assert mentor_client.get(path).status_code == 200
    with app.app_context():
        apprentice = db.session.get(Apprentice, jordan)
        for n in range(150):  # one a day, before anything the demo logged
            db.session.add(LogEntry(apprentice=apprentice, activity_date=apprentice.start_date - timedelta(days=n + 1),
                                    activity_type=ActivityType.STUDY_TIME, minutes=60, description=f"Reading {n}",
                                    status=VerificationStatus.PENDING))
        db.session.commit()
    with counting(app) as large:
        soup = page(mentor_client.get(path))
    assert len(small) == len(large)
    assert len(soup.select("tbody tr")) == 50


def test_the_mentees_table_stacks_on_a_phone_with_each_cells_name(mentor_client):
    table = page(mentor_client.get("/mentor")).find("caption", string="Mentees").find_parent("table")
    assert "app-table--stacked" in table["class"]
    assert {td["data-label"] for td in table.select("tbody td")} == {"Apprenticeship", "Cohort", "Status",
                                                                      "Planned end"}


def test_the_reviews_page_asks_a_mentor_to_sign_only_where_the_programme_does(app, mentor_client,
                                                                               coordinator_client):
    assert "Waiting for your signature" not in text_of(page(mentor_client.get("/reviews")))
    assert "Waiting for your signature" in text_of(page(coordinator_client.get("/reviews")))
