"""Notifications made with the change that causes them: for the right person, emailed as they chose.

Each event makes an item in the app for each person it needs, and queues an email (in the same
transaction) for those who chose immediate emails; a change that rolls back leaves neither.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AssignmentStatus,
    EmailFrequency,
    EmailState,
    LogEntry,
    Notification,
    NotificationKind,
    OutboxMessage,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    Role,
    User,
    VerificationStatus,
    WorkingPattern,
)
from apprenticeships.services import logbook, notifications, placements

from ..helpers import DEMO_EMAILS, page, post_form, text_of

K = NotificationKind


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def items(kind: NotificationKind) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)
                                   .order_by(Notification.user_id)))


def emails(template: str) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == template)))


def pending_entry(apprentice_id: int) -> LogEntry:
    return db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice_id,
                                                       LogEntry.status == VerificationStatus.PENDING).limit(1))


def test_a_query_tells_the_apprentice_and_the_answer_tells_whoever_asked(demo_db):
    mentor, apprentice = user(DEMO_EMAILS["mentor"]), user(DEMO_EMAILS["apprentice"])
    entry = pending_entry(apprentice.apprentice_id)
    logbook.query(mentor, entry, "Which course was this?")
    db.session.commit()
    [queried] = items(K.ENTRY_QUERIED)
    assert (queried.user_id, queried.log_entry_id, queried.done_at) == (apprentice.id, entry.id, None)
    assert queried.email_state == EmailState.SENT and queried.emailed_at is not None
    [email] = emails("entry_queried")
    assert email.recipient == apprentice.email
    assert "has been queried" in email.personalisation["what"]
    assert email.personalisation["link"].endswith(f"/apprentice#entry-{entry.id}")
    assert email.personalisation["preferences_link"].endswith("/notifications/preferences")

    logbook.answer(apprentice, entry, "The cloud course")
    db.session.commit()
    [answered] = items(K.QUERY_ANSWERED)
    assert answered.user_id == mentor.id and answered.log_entry_id == entry.id
    assert [e.recipient for e in emails("query_answered")] == [mentor.email]
    db.session.refresh(queried)
    assert queried.done_at is not None  # answered: nothing left for the apprentice to do


def test_someone_who_chose_the_daily_email_gets_the_item_but_no_email_now(demo_db):
    mentor, apprentice = user(DEMO_EMAILS["mentor"]), user(DEMO_EMAILS["apprentice"])
    notifications.choose_frequency(apprentice, EmailFrequency.DAILY)
    logbook.query(mentor, pending_entry(apprentice.apprentice_id), "Which course was this?")
    db.session.commit()
    [queried] = items(K.ENTRY_QUERIED)
    assert queried.user_id == apprentice.id and queried.email_state == EmailState.WAITING
    assert emails("entry_queried") == []


def test_someone_who_chose_no_email_gets_only_the_item(demo_db):
    mentor, apprentice = user(DEMO_EMAILS["mentor"]), user(DEMO_EMAILS["apprentice"])
    notifications.choose_frequency(apprentice, EmailFrequency.NEVER)
    logbook.query(mentor, pending_entry(apprentice.apprentice_id), "Which course was this?")
    db.session.commit()
    assert [n.email_state for n in items(K.ENTRY_QUERIED)] == [EmailState.NOT_SENT]
    assert emails("entry_queried") == []


def test_a_change_that_rolls_back_leaves_no_item_and_no_email(demo_db):
    mentor, apprentice = user(DEMO_EMAILS["mentor"]), user(DEMO_EMAILS["apprentice"])
    logbook.query(mentor, pending_entry(apprentice.apprentice_id), "Which course was this?")
    assert len(items(K.ENTRY_QUERIED)) == 1  # made in the transaction...
    db.session.rollback()
    assert items(K.ENTRY_QUERIED) == [] and emails("entry_queried") == []  # ...and gone with it


def test_a_proposal_tells_the_employer_and_the_answer_tells_the_coordinators(demo_db):
    coordinator, employer = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["employer"])
    proposal = db.session.scalar(sa.select(PlacementAssignment).join(Placement).where(
        PlacementAssignment.status == AssignmentStatus.PROPOSED, Placement.employer_id == employer.employer_id))
    placement = db.session.get(Placement, 1)
    free = 2  # an apprentice with no placement now, in the demo
    fresh = placements.propose(coordinator, placement, db.session.get(Apprentice, free),
                               reserve=placements.places_left(placement) == 0)
    db.session.commit()
    [proposed] = items(K.PLACEMENT_PROPOSED)
    assert (proposed.user_id, proposed.assignment_id, proposed.apprentice_id) == (employer.id, fresh.id, free)
    assert [e.recipient for e in emails("placement_proposed")] == [employer.email]

    placements.decide(employer, proposal, False, "No desk free until spring", today=date.today())
    db.session.commit()
    coordinators = set(db.session.scalars(sa.select(User.id).where(User.role == Role.COORDINATOR,
                                                                   User.active.is_(True))))
    declined = items(K.PROPOSAL_DECLINED)
    assert {n.user_id for n in declined} == coordinators and {n.assignment_id for n in declined} == {proposal.id}
    assert emails("proposal_declined")[0].recipient == coordinator.email
    assert "has declined" in emails("proposal_declined")[0].personalisation["what"]


def test_a_reserve_is_called_one_and_a_withdrawn_proposal_tells_the_employer(demo_db):
    coordinator, employer = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["employer"])
    full = db.session.scalar(sa.select(Placement).where(Placement.title == "Warehouse systems developer"))
    assert placements.places_left(full) == 0
    reserve = placements.propose(coordinator, full, db.session.get(Apprentice, 2), reserve=True)
    db.session.commit()
    [email] = emails("placement_proposed")
    what = email.personalisation["what"]
    assert "as a reserve" in what and "All its places are taken" in what
    placements.withdraw_proposal(coordinator, reserve)
    db.session.commit()
    # The employer's item to decide is done, and they are told there is nothing to do.
    [proposed] = [n for n in items(K.PLACEMENT_PROPOSED) if n.assignment_id == reserve.id]
    assert proposed.done_at is not None
    [withdrawn] = items(K.PROPOSAL_WITHDRAWN)
    assert (withdrawn.user_id, withdrawn.assignment_id) == (employer.id, reserve.id)
    [told] = emails("proposal_withdrawn")
    assert told.recipient == employer.email and "There is nothing for you to do." in told.personalisation["what"]


def test_a_placement_sent_back_tells_the_employer_who_posted_it(demo_db):
    coordinator, employer = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["employer"])
    placement = Placement(employer_id=employer.employer_id)
    placements.save(employer, placement, {
        "title": "Service desk analyst", "description": "Helping residents", "working_pattern": WorkingPattern.HYBRID,
        "minutes_per_week": 600, "start_date": date(2027, 1, 4), "end_date": date(2027, 3, 26), "places": 1},
        [], submit=True)
    db.session.commit()
    assert placement.status == PlacementStatus.SUBMITTED
    placements.send_back(coordinator, placement, "Say which team hosts it")
    db.session.commit()
    [returned] = items(K.PLACEMENT_RETURNED)
    assert (returned.user_id, returned.placement_id) == (employer.id, placement.id)
    [email] = emails("placement_returned")
    assert email.recipient == employer.email and "Service desk analyst" in email.personalisation["what"]


def test_the_list_shows_what_needs_the_person_newest_first_with_a_count_in_the_header(app, signed_in):
    mentor = signed_in("mentor")
    with app.app_context():
        apprentice = user(DEMO_EMAILS["apprentice"])
        entries = list(db.session.scalars(sa.select(LogEntry).where(
            LogEntry.apprentice_id == apprentice.apprentice_id,
            LogEntry.status == VerificationStatus.PENDING).order_by(LogEntry.id).limit(2)))
        entry_ids = [e.id for e in entries]
    for entry_id in entry_ids:
        post_form(mentor, f"/log/{entry_id}/query", {"comment": "Which course was this?"})
    client = signed_in("apprentice")
    home = page(client.get("/apprentice"))
    assert text_of(home.find(id="header-notifications")) == "Notifications 2 need you"
    listed = page(client.get("/notifications"))
    links = [a for a in listed.select("#notifications a.govuk-link")]
    assert [a["href"] for a in links] == [f"/apprentice#entry-{i}" for i in reversed(entry_ids)]  # newest first
    assert "Your log entry for" in text_of(links[0])
    assert listed.find("a", string="Change how often we email you")["href"] == "/notifications/preferences"

    done = listed.select("#notifications form")[0]
    response = client.post(done["action"], data={"csrf_token": done.find("input")["value"]})
    assert response.status_code == 303
    after = page(client.get("/notifications"))
    assert text_of(after.find(id="header-notifications")) == "Notifications 1 need you"
    assert len(after.select("#notifications .govuk-tag--grey")) == 1  # marked done, still listed

    # Someone else's notification cannot be marked done by guessing its number.
    with app.app_context():
        theirs = db.session.scalar(sa.select(Notification.id).where(Notification.done_at.is_(None)))
    coordinator = signed_in("coordinator")
    post_form(coordinator, f"/notifications/{theirs}/done", {}, page="/notifications")
    with app.app_context():
        assert db.session.get(Notification, theirs).done_at is None


def test_the_preferences_page_saves_the_choice(app, apprentice_client):
    soup = page(apprentice_client.get("/notifications/preferences"))
    assert soup.find("input", attrs={"value": "immediate"}).has_attr("checked")
    response = post_form(apprentice_client, "/notifications/preferences", {"frequency": "daily"})
    assert response.status_code == 303
    soup = page(apprentice_client.get("/notifications/preferences"))
    assert soup.find("input", attrs={"value": "daily"}).has_attr("checked")
    refused = post_form(apprentice_client, "/notifications/preferences", {"frequency": "hourly"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    with app.app_context():
        assert notifications.frequency_for(user(DEMO_EMAILS["apprentice"])) == EmailFrequency.DAILY
