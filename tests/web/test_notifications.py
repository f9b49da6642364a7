"""Notifications made with the change that causes them: for the right person, emailed as they chose.

Each event makes an item in the app for each person it needs, and queues an email (in the same
transaction) for those who chose immediate emails; a change that rolls back leaves neither.
"""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine.default import CacheStats

from apprenticeships.email.templates import template
from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
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
    ProgrammeSettings,
    ProgressReview,
    Rag,
    Role,
    SignoffParty,
    User,
    VerificationStatus,
    WorkingPattern,
)
from apprenticeships.services import logbook, notifications, placements, reviews

from ..helpers import DEMO_EMAILS, page, post_form, text_of
from .test_reviews import review_data, scheduled

K = NotificationKind


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def a_standard() -> list[ApprenticeshipStandard]:
    """The standards a placement suits: it cannot be submitted without one."""
    return [db.session.scalars(sa.select(ApprenticeshipStandard).order_by(ApprenticeshipStandard.id)).first()]


def items(kind: NotificationKind) -> list[Notification]:
    """The notifications of this kind made by the test: the demo programme comes with those of its
    history, dated before it was loaded."""
    loaded = ProgrammeSettings.current().demo_loaded_at
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind,
                                                                 Notification.created_at >= loaded)
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
    assert told.recipient == employer.email and "so the place it held is free again." in told.personalisation["what"]


def test_a_placement_sent_back_tells_the_employer_who_posted_it(demo_db):
    coordinator, employer = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["employer"])
    placement = Placement(employer_id=employer.employer_id)
    placements.save(employer, placement, {
        "title": "Service desk analyst", "description": "Helping residents", "working_pattern": WorkingPattern.HYBRID,
        "minutes_per_week": 600, "start_date": date(2027, 1, 4), "end_date": date(2027, 3, 26), "places": 1},
        a_standard(), submit=True)
    db.session.commit()
    assert placement.status == PlacementStatus.SUBMITTED
    # The coordinators are asked to decide on it...
    coordinators = set(db.session.scalars(sa.select(User.id).where(User.role == Role.COORDINATOR,
                                                                   User.active.is_(True))))
    submitted = items(K.PLACEMENT_SUBMITTED)
    assert {n.user_id for n in submitted} == coordinators and {n.placement_id for n in submitted} == {placement.id}
    assert all(n.done_at is None for n in submitted)
    email = emails("placement_submitted")[0]
    subject = template(email.template).render(email.personalisation).subject
    assert subject == "A placement to approve: Service desk analyst"
    placements.send_back(coordinator, placement, "Say which team hosts it")
    db.session.commit()
    # ...and once one has, it is done for all of them.
    assert all(n.done_at is not None for n in items(K.PLACEMENT_SUBMITTED))
    [returned] = items(K.PLACEMENT_RETURNED)
    assert (returned.user_id, returned.placement_id) == (employer.id, placement.id)
    [email] = emails("placement_returned")
    assert email.recipient == employer.email and "Service desk analyst" in email.personalisation["what"]
    # It needs the employer until they submit it again: it cannot be marked done before, and goes then.
    assert notifications.mark_done(employer, returned.id) == 0 and notifications.mark_done(employer, None) >= 0
    assert notifications.item_for(employer, returned.id).waits_for == \
        "It goes once you have changed the placement and submitted it again"
    db.session.refresh(returned)
    assert returned.done_at is None
    placements.submit(employer, placement)
    db.session.commit()
    db.session.refresh(returned)
    assert returned.done_at is not None


def test_the_list_shows_what_needs_the_person_newest_first_with_a_count_in_the_header(app, signed_in):
    mentor = signed_in("mentor")
    with app.app_context():
        apprentice = user(DEMO_EMAILS["apprentice"])
        entries = list(db.session.scalars(sa.select(LogEntry).where(
            LogEntry.apprentice_id == apprentice.apprentice_id,
            LogEntry.status == VerificationStatus.PENDING).order_by(LogEntry.id).limit(2)))
        entry_ids = [e.id for e in entries]
        # What the demo programme's history left waiting for them: their latest review to sign.
        waiting = notifications.count_for(apprentice)
        done_before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.user_id == apprentice.id, Notification.done_at.is_not(None)))
    for entry_id in entry_ids:
        post_form(mentor, f"/log/{entry_id}/query", {"comment": "Which course was this?"})
    client = signed_in("apprentice")
    home = page(client.get("/apprentice"))
    assert text_of(home.find(id="header-notifications")) == f"Notifications {waiting + 2} need you"
    listed = page(client.get("/notifications"))
    links = [a for a in listed.select("#notifications a.govuk-link")]
    # Newest first: the two queries, then what was waiting before.
    assert [a["href"] for a in links[:2]] == [f"/apprentice#entry-{i}" for i in reversed(entry_ids)]
    assert "Your log entry for" in text_of(links[0])
    assert text_of(links[0]).endswith("Answer the query so it can be verified.")  # a sentence, as in the email
    assert [text_of(t) for t in listed.select("#notifications .govuk-tag")][:2 + waiting] == ["New"] * (2 + waiting)
    assert listed.find("a", string="Change how often we email you")["href"] == "/notifications/preferences"
    # Each query, and the review, still needs them: no "Mark as done", but what ends it.
    assert [text_of(p) for p in listed.select("#notifications .app-notifications__waits")] == \
        ["It goes once you have answered the query."] * 2 + ["It goes once you have signed the review."] * waiting
    assert listed.select("#notifications form") == []
    assert listed.find("button", string="Mark everything as done") is None

    # Answering a query is what makes it done: it stays listed, marked done.
    post_form(client, f"/log/{entry_ids[0]}/answer", {"response": "The provider's testing module."},
              page="/apprentice")
    after = page(client.get("/notifications"))
    assert text_of(after.find(id="header-notifications")) == f"Notifications {waiting + 1} need you"
    assert len(after.select("#notifications .govuk-tag--grey")) == done_before + 1  # done, still listed

    # Someone else's notification cannot be marked done by guessing its number.
    with app.app_context():
        theirs = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == user(DEMO_EMAILS["apprentice"]).id, Notification.done_at.is_(None)))
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


# A review to sign, a placement published, and what only tells ---------------------------------

def must_sign(review: ProgressReview) -> set[int]:
    """Everyone the review waits for, by the per-person rule of the home pages (reviews.awaiting_signature)."""
    people = db.session.scalars(sa.select(User).where(User.active.is_(True))).all()
    return {u.id for u in people if db.session.scalar(sa.select(sa.exists().where(
        ProgressReview.id == review.id, reviews.awaiting_signature(u))))}


def record(actor: User, review: ProgressReview, notes: str) -> None:
    today = date.today()
    reviews.record(actor, review, {"held_date": today, "attendees": "Apprentice and coordinator", "rag": Rag.GREEN,
                                   "progress_notes": notes, "ksb_progress": None, "next_review_date": None},
                   [], 600, ProgrammeSettings.current(), today)
    db.session.commit()


def test_a_recorded_review_tells_everyone_who_must_sign_it_at_once_and_signing_ends_it(demo_db):
    coordinator, apprentice_user = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["apprentice"])
    review = reviews.scheduled_review(db.session.get(Apprentice, apprentice_user.apprentice_id))
    record(coordinator, review, "On track")
    told = items(K.REVIEW_TO_SIGN)
    # Everyone who must sign, by the same rule as the home pages: the coordinator who recorded it too.
    assert {n.user_id for n in told} == must_sign(review)
    assert {apprentice_user.id, coordinator.id} <= {n.user_id for n in told} and all(n.done_at is None for n in told)
    [email] = [e for e in emails("review_to_sign") if e.recipient == apprentice_user.email]
    assert email.personalisation["what"].startswith("Your progress review held on ")
    assert email.personalisation["what"].endswith("needs your signature. Read it and sign it.")
    assert email.personalisation["link"].endswith(f"/reviews/{review.id}#sign-offs")

    reviews.sign(apprentice_user, review, SignoffParty.APPRENTICE, None)
    db.session.commit()
    db.session.expire_all()
    done = {n.user_id for n in items(K.REVIEW_TO_SIGN) if n.done_at is not None}
    assert done == {apprentice_user.id}  # the others must still sign

    # Corrected: the signatures start over, so everyone is told again, the apprentice too, once.
    record(coordinator, review, "On track; the course dates are corrected")
    waiting = [n for n in items(K.REVIEW_TO_SIGN) if n.done_at is None]
    assert sorted(n.user_id for n in waiting) == sorted(must_sign(review))


def test_a_reopened_review_tells_everyone_who_must_sign_it_again_at_once(app, signed_in):
    review = scheduled(app, "Jordan")
    post_form(signed_in("mentor"), f"/reviews/{review}/record", review_data())
    apprentice, employer, coordinator = signed_in("apprentice"), signed_in("employer"), signed_in("coordinator")
    for client in (apprentice, employer, coordinator):
        post_form(client, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")
    with app.app_context():
        held = db.session.get(ProgressReview, review).held_date
        assert db.session.get(ProgressReview, review).locked_at is not None
    post_form(coordinator, f"/reviews/{review}/reopen", {"reason": "The hours figure was wrong."})

    on = f"{held.day} {held:%B %Y}"
    for client, whose in ((apprentice, "Your"), (employer, "Jordan Ellis’s"), (coordinator, "Jordan Ellis’s")):
        [told] = page(client.get("/notifications")).select("#notifications a.govuk-link")[:1]
        assert text_of(told) == f"{whose} progress review of {on} was reopened: sign it again."
        assert told["href"] == f"/reviews/{review}#sign-offs"
    with app.app_context():
        apprentice_user = user(DEMO_EMAILS["apprentice"])
        told = items(K.REVIEW_REOPENED)
        assert {n.user_id for n in told} == must_sign(db.session.get(ProgressReview, review))
        # One item a review: the notices that it was recorded are done.
        assert all(n.done_at is not None for n in items(K.REVIEW_TO_SIGN) if n.review_id == review)
        [email] = [e for e in emails("review_reopened") if e.recipient == apprentice_user.email]
        assert email.personalisation["what"] == f"Your progress review of {on} was reopened: sign it again."
        assert template("review_reopened").render({**email.personalisation, "organisation_name": "Council"}) \
            .subject == "A progress review was reopened: sign it again"

    # Signed again: the apprentice's notice is done; the others still wait.
    post_form(apprentice, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")
    with app.app_context():
        apprentice_user = user(DEMO_EMAILS["apprentice"])
        done = {n.user_id for n in items(K.REVIEW_REOPENED) if n.done_at is not None}
        assert done == {apprentice_user.id}


def test_a_review_the_coordinator_records_waits_for_their_own_signature_like_anyone_elses(app, signed_in):
    coordinator = signed_in("coordinator")
    with app.app_context():
        waiting = notifications.count_for(user(DEMO_EMAILS["coordinator"]))
    home = page(coordinator.get("/coordinator"))
    assert home.find("a", string=re.compile("to sign")) is None  # the demo's review waits for its apprentice only
    review = scheduled(app, "Jordan")
    assert post_form(coordinator, f"/reviews/{review}/record", review_data()).status_code == 303

    home = page(coordinator.get("/coordinator"))
    assert home.find("a", string="1 review to sign")["href"] == "/reviews"
    assert text_of(home.find(id="header-notifications")) == f"Notifications {waiting + 1} need you"
    reviews_page = page(coordinator.get("/reviews"))
    to_sign = reviews_page.find("h2", string="Waiting for your signature").find_next("ul")
    assert to_sign.find("a", href=f"/reviews/{review}") is not None
    [told] = page(coordinator.get("/notifications")).select("#notifications a.govuk-link")[:1]
    assert told["href"] == f"/reviews/{review}#sign-offs"
    assert text_of(told).startswith("Jordan Ellis’s progress review held on ")
    assert text_of(told).endswith("has been recorded and needs your signature. Read it and sign it.")

    post_form(coordinator, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")
    home = page(coordinator.get("/coordinator"))
    assert "No reviews to sign" in text_of(home)
    assert text_of(home.find(id="header-notifications")) == \
        ("Notifications" if waiting == 0 else f"Notifications {waiting} need you")


def test_publishing_a_placement_tells_the_employer_who_posted_it_for_their_information(demo_db):
    coordinator, employer = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["employer"])
    placement = Placement(employer_id=employer.employer_id)
    placements.save(employer, placement, {
        "title": "Service desk analyst", "description": "Helping residents", "working_pattern": WorkingPattern.HYBRID,
        "minutes_per_week": 600, "start_date": date(2027, 1, 4), "end_date": date(2027, 3, 26), "places": 1},
        a_standard(), submit=True)
    db.session.commit()
    placements.publish(coordinator, placement, today=date.today())
    db.session.commit()
    [published] = items(K.PLACEMENT_PUBLISHED)
    assert (published.user_id, published.placement_id) == (employer.id, placement.id)
    assert published.done_at is not None  # it asks nothing of them: not counted in the header
    assert notifications.count_for(employer) == len([n for n in db.session.scalars(sa.select(Notification).where(
        Notification.user_id == employer.id, Notification.done_at.is_(None)))])
    [email] = emails("placement_published")  # but still emailed
    assert email.recipient == employer.email
    assert template("placement_published").render(email.personalisation).subject == \
        "Your placement Service desk analyst has been published"
    assert "There is nothing for you to do" in email.personalisation["what"]


def test_proposal_emails_name_the_apprentice_and_the_placement_in_their_subject(demo_db):
    coordinator = user(DEMO_EMAILS["coordinator"])
    warehouse = db.session.scalar(sa.select(Placement).where(Placement.title == "Warehouse systems developer"))
    reserve = placements.propose(coordinator, warehouse, db.session.get(Apprentice, 2), reserve=True)
    db.session.commit()
    name = db.session.get(Apprentice, 2).full_name
    [email] = emails("placement_proposed")
    assert template("placement_proposed").render(email.personalisation).subject == \
        f"{name} has been proposed for your placement Warehouse systems developer"
    placements.withdraw_proposal(coordinator, reserve)
    db.session.commit()
    [email] = emails("proposal_withdrawn")
    assert template("proposal_withdrawn").render(email.personalisation).subject == \
        f"The proposal of {name} for Warehouse systems developer has been withdrawn"


def test_what_only_tells_is_listed_for_information_not_counted_and_in_the_daily_email(app, signed_in):
    employer = signed_in("employer")
    with app.app_context():
        notifications.mark_done(user(DEMO_EMAILS["employer"]), None)  # what the demo left waiting for them
        notifications.choose_frequency(user(DEMO_EMAILS["employer"]), EmailFrequency.DAILY)
        coordinator = user(DEMO_EMAILS["coordinator"])
        warehouse = db.session.scalar(sa.select(Placement).where(Placement.title == "Warehouse systems developer"))
        reserve = placements.propose(coordinator, warehouse, db.session.get(Apprentice, 2), reserve=True)
        placements.withdraw_proposal(coordinator, reserve)
        db.session.commit()
        [withdrawn] = items(K.PROPOSAL_WITHDRAWN)
        assert withdrawn.done_at is not None and withdrawn.email_state == EmailState.WAITING
    with app.app_context():  # only the demo's proposal still waiting for their answer, which cannot be marked done
        unanswered = notifications.count_for(user(DEMO_EMAILS["employer"]))
    listed = page(employer.get("/notifications"))
    assert text_of(listed.find(id="header-notifications")) == (
        f"Notifications {unanswered} need you" if unanswered else "Notifications")
    item = listed.find(id=f"notification-{withdrawn.id}")
    assert text_of(item.find(class_="govuk-tag")) == "For information"
    assert text_of(item.find("a")).endswith("so the place it held is free again.")  # a sentence, with its full stop
    assert item.find("form") is None
    # Nothing is left that can be marked done: no button to mark everything done.
    assert listed.find("button", string="Mark everything as done") is None
    with app.app_context():
        assert notifications.send_digests() == 1
        db.session.commit()
        [digest] = emails("daily_digest")
        assert digest.recipient == DEMO_EMAILS["employer"] and digest.personalisation["count"] == "1 update"
        assert "so the place it held is free again." in digest.personalisation["items"]


def test_a_proposal_cannot_be_marked_done_while_it_waits_for_the_employers_answer(app, signed_in):
    employer = signed_in("employer")
    with app.app_context():
        me = user(DEMO_EMAILS["employer"])
        proposal = db.session.scalar(sa.select(PlacementAssignment).join(Placement).where(
            PlacementAssignment.status == AssignmentStatus.PROPOSED, Placement.employer_id == me.employer_id)
            .order_by(PlacementAssignment.id).limit(1))
        name = proposal.apprentice.full_name
        told = db.session.scalar(sa.select(Notification.id).where(
            Notification.user_id == me.id, Notification.kind == K.PLACEMENT_PROPOSED,
            Notification.assignment_id == proposal.id))
    listed = page(employer.get("/notifications"))
    item = listed.find(id=f"notification-{told}")
    assert text_of(item.find(class_="govuk-tag")) == "New"
    assert item.find("form") is None and item.find("button") is None  # no "Mark as done" while it waits
    assert text_of(item.find(id=f"waits-{told}")) == f"It goes once you accept or decline {name}."

    # Posted anyway (an old page): refused, with why.
    response = post_form(employer, f"/notifications/{told}/done", {}, page="/notifications")
    banner = page(employer.get(response.headers["Location"])).find(class_="govuk-notification-banner")
    assert f"This still needs you: {name} has been" in text_of(banner)
    assert f"It goes once you accept or decline {name}." in text_of(banner)
    # "Mark everything as done" leaves it too, and says so.
    response = post_form(employer, "/notifications/done", {}, page="/notifications")
    after = page(employer.get(response.headers["Location"]))
    assert text_of(after.find(class_="govuk-notification-banner--success")) == (
        "Success Nothing was waiting to be marked as done. 1 still needs you, so it stays until you have done "
        "what it asks.")
    with app.app_context():
        assert db.session.get(Notification, told).done_at is None
    # Answering it is what makes it done.
    post_form(employer, f"/placements/proposals/{proposal.id}",
              {"decision": "decline", "reason": "No desk free"}, page=f"/placements/proposals/{proposal.id}")
    with app.app_context():
        assert db.session.get(Notification, told).done_at is not None
    done = page(employer.get("/notifications")).find(id=f"notification-{told}")
    assert text_of(done.find(class_="govuk-tag")) == "Done" and done.find(id=f"waits-{told}") is None


def test_mark_everything_as_done_leaves_a_review_until_the_employer_has_signed_it(app, signed_in):
    review = scheduled(app, "Jordan")  # at the demo employer's placement
    post_form(signed_in("mentor"), f"/reviews/{review}/record", review_data())
    employer = signed_in("employer")
    with app.app_context():
        me = user(DEMO_EMAILS["employer"])
        [told] = [n.id for n in items(K.REVIEW_TO_SIGN) if n.user_id == me.id and n.review_id == review]
    item = page(employer.get("/notifications")).find(id=f"notification-{told}")
    assert text_of(item.find(class_="govuk-tag")) == "New" and item.find("button") is None
    assert text_of(item.find(id=f"waits-{told}")) == "It goes once you have signed the review."

    response = post_form(employer, "/notifications/done", {}, page="/notifications")
    banner = page(employer.get(response.headers["Location"])).find(class_="govuk-notification-banner--success")
    assert "still need you, so they stay until you have done what they ask." in text_of(banner)  # and the proposal
    refused = post_form(employer, f"/notifications/{told}/done", {}, page="/notifications")
    assert "This still needs you: Jordan Ellis’s progress review held on" in text_of(
        page(employer.get(refused.headers["Location"])).find(class_="govuk-notification-banner"))
    with app.app_context():
        assert db.session.get(Notification, told).done_at is None
        assert notifications.count_markable(user(DEMO_EMAILS["employer"])) == 0

    post_form(employer, f"/reviews/{review}/sign", {"comment": ""}, page=f"/reviews/{review}")  # signing ends it
    with app.app_context():
        assert db.session.get(Notification, told).done_at is not None
    done = page(employer.get("/notifications")).find(id=f"notification-{told}")
    assert text_of(done.find(class_="govuk-tag")) == "Done" and done.find(id=f"waits-{told}") is None


def test_what_is_no_longer_the_persons_to_do_can_be_marked_done(demo_db):
    """A query to an apprentice who has left (they can no longer answer it), an answered query about
    someone no longer the mentor's mentee: neither waits for them any more."""
    amara = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Amara"))
    amara_user = db.session.scalar(sa.select(User).where(User.role == Role.APPRENTICE,
                                                         User.apprentice_id == amara.id))
    [query] = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == amara_user.id, Notification.kind == K.ENTRY_QUERIED, Notification.done_at.is_(None)))
    assert notifications.item_for(amara_user, query.id).waits_for == "It goes once you have answered the query"
    assert notifications.mark_done(amara_user, None) == 0
    amara.status, amara.withdrawal_date, amara.withdrawal_reason = ApprenticeStatus.WITHDRAWN, date.today(), "Moved"
    db.session.flush()
    assert notifications.item_for(amara_user, query.id).waits_for is None
    assert notifications.mark_done(amara_user, None) == 1

    mentor = user(DEMO_EMAILS["mentor"])
    entry = pending_entry(user(DEMO_EMAILS["apprentice"]).apprentice_id)
    logbook.query(mentor, entry, "Which course?")
    logbook.answer(user(DEMO_EMAILS["apprentice"]), entry, "The testing module.")
    [answered] = [n for n in items(K.QUERY_ANSWERED) if n.log_entry_id == entry.id]
    assert notifications.mark_done(mentor, answered.id) == 0  # verify it or query it again
    entry.apprentice.mentor_id = None  # another mentor's now
    db.session.flush()
    assert notifications.mark_done(mentor, answered.id) == 1


def test_marking_one_done_says_which_it_was(app, signed_in):
    coordinator = signed_in("coordinator")
    listed = page(coordinator.get("/notifications"))
    form = listed.select("#notifications form")[0]
    sentence = text_of(form.find_parent("li").find("a"))
    response = coordinator.post(form["action"], data={"csrf_token": form.find("input")["value"]})
    banner = page(coordinator.get(response.headers["Location"])).find(class_="govuk-notification-banner--success")
    assert text_of(banner) == f"Success Marked as done: {sentence}"


def test_a_reminder_is_made_once_by_an_insert_sqlalchemy_keeps_compiled(demo_db):
    """Every notification is written by one INSERT ... ON CONFLICT DO NOTHING, which SQLAlchemy
    compiles once and reuses rather than afresh on each write that notifies: its second use is
    found in the compiled cache. The same occurrence a second time adds nothing."""
    apprentice = user(DEMO_EMAILS["apprentice"])
    reminder = notifications.recipients_select(User.id == apprentice.id, kind=K.REVIEW_OVERDUE,
                                               occurrence="review 2026-01-05", apprentice_id=apprentice.apprentice_id)
    found = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO notifications"):
            found.append(context.cache_hit)

    sa.event.listen(db.engine, "after_cursor_execute", seen)
    try:
        first = notifications.insert(reminder)
        again = notifications.insert(reminder)
    finally:
        sa.event.remove(db.engine, "after_cursor_execute", seen)
    assert len(first) == 1 and again == []
    [made] = items(K.REVIEW_OVERDUE)
    assert (made.user_id, made.occurrence, made.apprentice_id) == (apprentice.id, "review 2026-01-05",
                                                                   apprentice.apprentice_id)
    assert found[-1] == CacheStats.CACHE_HIT
