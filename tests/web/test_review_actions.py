"""Agreed actions marked done: by the apprentice for their own, by their mentor and by coordinators,
from wherever actions are listed (the apprentice's home, their reviews, a review's page), and not
done again after a mistake; each change audited once, a double click changing nothing more; and a
correction of the review keeping what was done of the actions it keeps."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    AuditEvent,
    ProgressReview,
    ReviewAction,
    User,
)
from apprenticeships.services import reviews

from ..helpers import DEMO_EMAILS, csrf_token_from, page, text_of
from .test_concurrency import TIMEOUT, at_once, copies, form_fields, hidden_fields, server, signed_in  # noqa: F401

TODAY = date.today()


def jordan(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.apprentice_id).where(User.email == DEMO_EMAILS["apprentice"]))


def latest_review(app, apprentice_id: int) -> ProgressReview:
    """The apprentice's latest review held, with one action not done and due in a week (the others removed)."""
    with app.app_context():
        review = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == apprentice_id, ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date.desc())).first()
        review.actions = [ReviewAction(description="Finish the data module", owner="Jordan",
                                       due_date=TODAY + timedelta(days=7))]
        db.session.commit()
        db.session.refresh(review)
        db.session.expunge_all()
        return review


def action_id(app, review_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(ReviewAction.id).where(ReviewAction.review_id == review_id))


def completed_on(app, action: int) -> date | None:
    with app.app_context():
        return db.session.scalar(sa.select(ReviewAction.completed_on).where(ReviewAction.id == action))


def audited(app, action: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "review_actions", AuditEvent.subject_id == action).order_by(AuditEvent.id)))


def said(element: BeautifulSoup) -> str:
    """An element's text as it reads (a visually hidden part joined to the words before it)."""
    return " ".join(element.get_text().split())


def page_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def item(soup: BeautifulSoup, action: int) -> BeautifulSoup:
    return soup.find(id=f"action-{action}")


def press(client, soup: BeautifulSoup, action: int, **kwargs):
    """Press the action's button: post its form as a browser would."""
    form = item(soup, action).find("form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    return client.post(form["action"], data=data, **kwargs)


def test_the_apprentice_marks_an_action_done_on_their_home_and_comes_back_to_it(app, apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    home = page(apprentice_client.get("/apprentice"))
    shown = item(home, action)
    assert shown.find_parent(id="past-reviews")
    assert said(shown.find("button")) == "Mark as done: Finish the data module"
    response = press(apprentice_client, home, action)
    assert response.status_code == 303 and response.headers["Location"] == f"/apprentice#action-{action}"
    assert completed_on(app, action) == TODAY
    after = item(page(apprentice_client.get("/apprentice")), action)
    assert f"done {TODAY.day} {TODAY:%B %Y}" in text_of(after)
    assert said(after.find("button")) == "Mark as not done: Finish the data module"
    assert audited(app, action) == ["review_action.done"]
    with app.app_context():  # the audit names whose record it is, and copies none of its words
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.subject_type == "review_actions",
                                                              AuditEvent.subject_id == action))
        assert event.apprentice_id == review.apprentice_id and "Finish" not in str(event.details)

    # A mistake: not done again, and (past its date) overdue again.
    with app.app_context():
        db.session.execute(sa.update(ReviewAction).where(ReviewAction.id == action)
                           .values(due_date=TODAY - timedelta(days=1)))
        db.session.commit()
    home = page(apprentice_client.get("/apprentice"))
    assert press(apprentice_client, home, action).status_code == 303
    assert completed_on(app, action) is None
    again = item(page(apprentice_client.get("/apprentice")), action)
    assert "overdue" in text_of(again) and text_of(again.find("button")).startswith("Mark as done")
    assert audited(app, action) == ["review_action.done", "review_action.not_done"]


def test_from_the_reviews_page_it_comes_back_to_the_same_page_of_reviews(app, apprentice_client):
    with app.app_context():
        oldest = db.session.scalars(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan(app), ProgressReview.held_date.is_not(None))
            .order_by(ProgressReview.held_date)).first()
        oldest.actions.append(ReviewAction(description="Shadow the DBA", owner="Jordan", due_date=TODAY))
        db.session.commit()
        action, held = oldest.actions[-1].id, db.session.scalar(sa.select(sa.func.count()).where(
            ProgressReview.apprentice_id == oldest.apprentice_id, ProgressReview.held_date.is_not(None)))
    last = -(-held // 10)
    url = "/reviews" + (f"?page={last}" if last > 1 else "")
    listed = page(apprentice_client.get(url))
    response = press(apprentice_client, listed, action)
    assert response.status_code == 303 and response.headers["Location"] == f"{url}#action-{action}"
    assert "done " in text_of(item(page(apprentice_client.get(url)), action))


def test_on_a_reviews_page_htmx_changes_the_action_alone_and_puts_the_focus_on_its_new_button(app,
                                                                                               apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    shown = page(apprentice_client.get(f"/reviews/{review.id}"))
    form = item(shown, action).find("form")
    assert form["hx-post"] == form["action"] and form["hx-target"] == f"#action-{action}"
    response = press(apprentice_client, shown, action, headers={"HX-Request": "true", "HX-Target": f"action-{action}"})
    assert response.status_code == 200 and "HX-Target" in response.headers["Vary"]
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert part.find("html") is None and part.find("li")["id"] == f"action-{action}"
    assert "done " in text_of(part) and part.find("button").has_attr("autofocus")
    assert text_of(part.find("button")).startswith("Mark as not done")
    # The item posts back to the review's own page, as it did (no other page named).
    assert part.find("input", attrs={"name": "back"})["value"] == "review"


def test_pressed_twice_at_once_it_is_done_once_and_audited_once(app, apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    home = page(apprentice_client.get("/apprentice"))
    for _ in range(2):  # a double click: the second finds it done already, and changes nothing
        assert press(apprentice_client, home, action).status_code == 303
    assert completed_on(app, action) == TODAY and audited(app, action) == ["review_action.done"]
    # The same in the service, the UPDATE deciding: done only if not done yet.
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["apprentice"]))
        stored = reviews.action_of(db.session.get(ProgressReview, review.id), action)
        assert reviews.mark_action(user, stored, True, TODAY + timedelta(days=1)) is False
        assert stored.completed_on == TODAY  # the first date kept
        assert reviews.mark_action(user, stored, False, TODAY) is True
        assert reviews.mark_action(user, stored, False, TODAY) is False
        db.session.commit()
    assert audited(app, action) == ["review_action.done", "review_action.not_done"]


def test_two_presses_at_the_same_instant_change_it_once(app, server):  # noqa: F811 (the fixture)
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    browsers = copies(signed_in(server, DEMO_EMAILS["apprentice"]), 4)
    forms = [hidden_fields(b.get(f"{server}/apprentice", timeout=TIMEOUT).text, f"/actions/{action}/done")
             for b in browsers]  # each browser with the page open
    responses = at_once([lambda b=b, f=f: b.post(f"{server}/reviews/{review.id}/actions/{action}/done", data=f,
                                                 allow_redirects=False, timeout=TIMEOUT)
                         for b, f in zip(browsers, forms, strict=True)])
    assert [r.status_code for r in responses] == [303] * 4  # none refused, none broken
    assert completed_on(app, action) == TODAY and audited(app, action) == ["review_action.done"]


def test_the_mentor_and_a_coordinator_mark_actions_on_the_review_page_the_employer_only_reads(
        app, mentor_client, coordinator_client, employer_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    for client, step in ((mentor_client, "done"), (coordinator_client, "undone")):
        shown = page(client.get(f"/reviews/{review.id}"))
        assert urlsplit(item(shown, action).find("form")["action"]).path.endswith(f"/{step}")
        response = press(client, shown, action)
        assert response.status_code == 303 and response.headers["Location"] == f"/reviews/{review.id}#action-{action}"
    assert audited(app, action) == ["review_action.done", "review_action.not_done"]
    hosted = page(employer_client.get(f"/reviews/{review.id}"))
    assert item(hosted, action).find("form") is None
    assert text_of(hosted.find(id="actions-done")) == \
        "Only the apprentice, their mentor or the programme coordinator can mark actions as done."
    token = csrf_token_from(str(hosted))
    assert employer_client.post(f"/reviews/{review.id}/actions/{action}/done",
                                data={"csrf_token": token}).status_code == 403
    assert completed_on(app, action) is None


def test_an_action_done_says_who_marked_it_done_wherever_it_is_listed(
        app, mentor_client, coordinator_client, employer_client, apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    with app.app_context():
        mentor, apprentice = (db.session.scalar(sa.select(User.name).where(User.email == DEMO_EMAILS[role]))
                              for role in ("mentor", "apprentice"))
    on = f"{TODAY.day} {TODAY:%B %Y}"
    assert press(mentor_client, page(mentor_client.get(f"/reviews/{review.id}")), action).status_code == 303
    for client, url in ((mentor_client, f"/reviews/{review.id}"), (coordinator_client, f"/reviews/{review.id}"),
                        (employer_client, f"/reviews/{review.id}"), (apprentice_client, "/apprentice")):
        assert f"done {on} by {mentor}, mentor)" in said(item(page(client.get(url)), action)), url
    # Marked not done again, it names no one; then marked done by the apprentice, it names them.
    shown = page(coordinator_client.get(f"/reviews/{review.id}"))
    assert press(coordinator_client, shown, action).status_code == 303
    shown = item(page(coordinator_client.get(f"/reviews/{review.id}")), action)
    assert "done" not in said(shown).split(")")[0] and mentor not in said(shown)
    with app.app_context():
        assert db.session.scalar(sa.select(ReviewAction.completed_by_id).where(ReviewAction.id == action)) is None
    # With htmx the item that comes back says it at once.
    home = page(apprentice_client.get("/apprentice"))
    form = item(home, action).find("form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input") if i.get("name")}
    swapped = apprentice_client.post(form["action"], data=data, headers={"HX-Request": "true",
                                                                        "HX-Target": f"action-{action}"})
    assert f"done {on} by {apprentice}, apprentice)" in said(page_of(swapped.get_data(as_text=True)))


def test_no_one_else_marks_an_action(app, signed_in, apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    with app.app_context():  # another apprentice's review, and a mentor who is not theirs
        other = db.session.scalars(sa.select(ProgressReview).join(Apprentice).where(
            Apprentice.id != review.apprentice_id, Apprentice.mentor_id.is_not(None),
            Apprentice.mentor_id != db.session.get(Apprentice, review.apprentice_id).mentor_id,
            ProgressReview.held_date.is_not(None))).first()
        other.actions.append(ReviewAction(description="Read the style guide", owner="Them", due_date=TODAY))
        db.session.commit()
        theirs = other.actions[-1].id
        other_id = other.id
    token = csrf_token_from(apprentice_client.get("/apprentice").get_data(as_text=True))
    assert apprentice_client.post(f"/reviews/{other_id}/actions/{theirs}/done",
                                  data={"csrf_token": token}).status_code == 404
    # An action named through another review's address is not found either.
    assert apprentice_client.post(f"/reviews/{review.id}/actions/{theirs}/done",
                                  data={"csrf_token": token}).status_code == 404
    mentor = signed_in("mentor")
    token = csrf_token_from(mentor.get("/mentor").get_data(as_text=True))
    assert mentor.post(f"/reviews/{other_id}/actions/{theirs}/done", data={"csrf_token": token}).status_code == 404
    assert completed_on(app, theirs) is None and completed_on(app, action) is None


def test_an_apprentice_who_has_left_reads_their_actions_but_marks_nothing(app, apprentice_client):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    with app.app_context():
        apprentice = db.session.get(Apprentice, review.apprentice_id)
        apprentice.status, apprentice.withdrawal_date = ApprenticeStatus.WITHDRAWN, TODAY
        db.session.commit()
    shown = item(page(apprentice_client.get(f"/reviews/{review.id}")), action)
    assert "Finish the data module" in text_of(shown) and shown.find("form") is None
    token = csrf_token_from(apprentice_client.get("/apprentice").get_data(as_text=True))
    assert apprentice_client.post(f"/reviews/{review.id}/actions/{action}/done",
                                  data={"csrf_token": token}).status_code == 403
    assert completed_on(app, action) is None


def test_the_mentor_finds_their_mentees_open_actions_overdue_first_and_marks_them_done(app, mentor_client):
    review = latest_review(app, jordan(app))
    soon = action_id(app, review.id)
    with app.app_context():  # the demo's other actions done; two more: one overdue, one done already
        db.session.execute(sa.update(ReviewAction).where(ReviewAction.review_id != review.id)
                           .values(completed_on=TODAY))
        stored = db.session.get(ProgressReview, review.id)
        stored.actions.append(ReviewAction(description="Book the exam", owner="Jordan",
                                           due_date=TODAY - timedelta(days=3)))
        stored.actions.append(ReviewAction(description="Read the brief", owner="Jordan",
                                           due_date=TODAY - timedelta(days=9), completed_on=TODAY))
        db.session.commit()
        late = stored.actions[1].id
        name = stored.apprentice.full_name
    home = page(mentor_client.get("/mentor"))
    line = home.find(id="actions-due")
    assert said(line) == "1 action agreed at reviews is overdue, and 1 more is not done yet."
    assert line.find("a")["href"] == "/reviews#open-actions"

    listed = page(mentor_client.get("/reviews")).find(id="open-actions")
    assert "2 actions agreed at reviews are not done yet, 1 of them overdue." in said(listed)
    items = listed.select("li[id^=action-]")
    assert [li["id"] for li in items[:2]] == [f"action-{late}", f"action-{soon}"]  # the overdue first
    assert "Read the brief" not in text_of(listed)  # done
    first = item(listed, late)
    assert said(first.find("a")) == f"{name}, review held on {review.held_date.day} {review.held_date:%B %Y}"
    assert first.find("a")["href"] == f"/reviews/{review.id}#actions"
    assert "overdue" in text_of(first) and said(first.find("button")) == "Mark as done: Book the exam"

    # Without JavaScript: back to the page, the action gone from the list, with a message saying so.
    response = press(mentor_client, listed, late)
    assert response.status_code == 303 and response.headers["Location"] == "/reviews#main-content"
    assert completed_on(app, late) == TODAY and audited(app, late) == ["review_action.done"]
    after = page(mentor_client.get("/reviews"))
    assert f"{name}’s action marked as done: Book the exam" in said(after)
    assert item(after.find(id="open-actions"), late) is None
    assert said(page(mentor_client.get("/mentor")).find(id="actions-due")) == \
        "1 action agreed at reviews is not done yet, none overdue."
    # With htmx the item changes in place, still naming its apprentice, to be undone if a mistake.
    listed = page(mentor_client.get("/reviews")).find(id="open-actions")
    response = press(mentor_client, listed, soon, headers={"HX-Request": "true", "HX-Target": f"action-{soon}"})
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert part.find("a")["href"] == f"/reviews/{review.id}#actions"
    assert said(part.find("button")) == "Mark as not done: Finish the data module"
    counts = part.find(id="open-action-counts")  # the list's count changes with it, out of band
    assert counts["hx-swap-oob"] == "true" and said(counts) == "Every action agreed at your mentees’ reviews is done."
    assert said(page(mentor_client.get("/mentor")).find(id="actions-due")) == \
        "Every action agreed at your mentees’ reviews is done."
    assert "Every action agreed at your mentees’ reviews is done." in \
        text_of(page(mentor_client.get("/reviews")).find(id="open-actions"))


@pytest.mark.parametrize("back", ["", "elsewhere", "https://example.com", "\x00", "home"])
def test_whatever_page_it_names_it_comes_back_to_one_of_the_apps(app, coordinator_client, back):
    review = latest_review(app, jordan(app))
    action = action_id(app, review.id)
    token = csrf_token_from(coordinator_client.get(f"/reviews/{review.id}").get_data(as_text=True))
    response = coordinator_client.post(f"/reviews/{review.id}/actions/{action}/done",
                                       data={"csrf_token": token, "back": back, "page": "9" * 20})
    # A coordinator has no apprentice's home: the review's own page.
    assert response.status_code == 303 and response.headers["Location"] == f"/reviews/{review.id}#action-{action}"


# Correcting a review keeps what was done


def test_a_correction_keeps_the_actions_done_whose_words_are_unchanged(app, coordinator_client):
    review = latest_review(app, jordan(app))
    with app.app_context():
        stored = db.session.get(ProgressReview, review.id)
        stored.locked_at = None
        stored.actions.append(ReviewAction(description="Book the exam", owner="Jordan", due_date=TODAY,
                                           completed_on=TODAY - timedelta(days=2)))
        stored.actions.append(ReviewAction(description="Write the report", owner="Jordan", due_date=TODAY,
                                           completed_on=TODAY - timedelta(days=1)))
        stored.actions[0].completed_on = TODAY - timedelta(days=3)
        db.session.commit()
        kept_id = next(a.id for a in stored.actions if a.description == "Book the exam")
    html = coordinator_client.get(f"/reviews/{review.id}/record").get_data(as_text=True)
    assert "3 actions are marked as done" in text_of(page_of(html).find(id="actions-marked-done"))
    data = form_fields(html)
    rows = {value: name.removeprefix("action_") for name, value in data if name.startswith("action_")}
    due = TODAY + timedelta(days=30)
    # The first kept word for word (with another owner and date), the second with its case and spaces
    # changed, the third given other words: a new action.
    book, finish, report = rows["Book the exam"], rows["Finish the data module"], rows["Write the report"]
    data = [(k, v) for k, v in data if k not in (f"owner_{book}", f"due_{book}", "rag")]
    data += [(f"owner_{book}", "Jordan and Priya"), (f"due_{book}", str(due.day)), (f"due_{book}", str(due.month)),
             (f"due_{book}", str(due.year)), ("rag", "green")]
    data = [(k, {f"action_{finish}": "  finish THE data   module ", f"action_{report}": "Write the end-point report"}
             .get(k, v)) for k, v in data]
    response = coordinator_client.post(f"/reviews/{review.id}/record", data=MultiDict(data))
    assert response.status_code == 303, text_of(page_of(response.get_data(as_text=True)))
    with app.app_context():
        actions = {a.description: a for a in db.session.scalars(
            sa.select(ReviewAction).where(ReviewAction.review_id == review.id))}
        assert set(actions) == {"Book the exam", "finish THE data   module", "Write the end-point report"}
        book = actions["Book the exam"]
        assert (book.id, book.completed_on, book.owner, book.due_date) == (
            kept_id, TODAY - timedelta(days=2), "Jordan and Priya", due)
        assert actions["finish THE data   module"].completed_on == TODAY - timedelta(days=3)
        assert actions["Write the end-point report"].completed_on is None  # another action now
