"""The daily job, with the day set by the test: each reminder made once, none during a break, and
the daily email gathering what waits. The last test runs the job and the worker as real processes
and receives the emails on a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import sqlalchemy as sa

from apprenticeships.config import ROOT
from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    BreakInLearning,
    Cohort,
    EmailFrequency,
    EmailState,
    Notification,
    NotificationKind,
    OutboxMessage,
    OutboxStatus,
    ProgrammeSettings,
    ProgressReview,
    Rag,
    Role,
    ShareMode,
    SignoffParty,
    User,
)
from apprenticeships.services import levy_ledger, levy_outcomes, notifications, reminders, reviews, sharing
from apprenticeships.services.reviews import due_on

from ..helpers import DEMO_EMAILS, sql_statements
from ..mail_servers import smtp_server
from .test_worker import message, setup, wait_until, worker  # noqa: F401 (fixtures: the real worker)

K = NotificationKind
TODAY = date.today()


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def all_items() -> set[tuple]:
    return set(db.session.execute(sa.select(Notification.user_id, Notification.kind, Notification.occurrence)).all())


def newest() -> int:
    """The latest notification's id: those after it are made by what the test does next (the demo
    programme comes with its history's notifications, yesterday's reminders among them)."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Notification.id), 0)))


def outbox_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


def run(day: date) -> dict[str, int]:
    counts = reminders.run(day)
    db.session.commit()
    return counts


def test_each_reminder_is_made_once_however_often_the_job_runs(demo_db):
    day = TODAY + timedelta(days=60)  # far enough on that reviews are overdue and logs have stopped
    first = run(day)
    assert first["reviews"] and first["nothing_logged"] and first["hours_behind"]
    made, emails = all_items(), outbox_count()
    again = run(day)
    assert again == dict.fromkeys(again, 0)  # the same day again: nothing new, nothing sent
    assert all_items() == made and outbox_count() == emails
    run(day + timedelta(days=1))  # the next day: the same occurrences are not made again
    kinds = db.session.execute(sa.select(Notification.kind, Notification.user_id, Notification.occurrence,
                                         sa.func.count()).where(Notification.occurrence.is_not(None))  # reminders
                               .group_by(Notification.kind, Notification.user_id, Notification.occurrence)).all()
    assert all(row[3] == 1 for row in kinds)
    assert made <= all_items()
    overdue_before = {n for n in made if n[1] == K.REVIEW_OVERDUE}
    overdue_after = {n for n in all_items() if n[1] == K.REVIEW_OVERDUE}
    assert overdue_before == overdue_after  # the same reviews, due on the same days: no second reminder


def test_review_reminders_go_to_the_apprentice_their_mentor_and_the_coordinators_by_the_one_rule(demo_db):
    liam = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
    due = due_on(liam, ProgrammeSettings.current(), TODAY)
    run(due - timedelta(days=7))
    about_liam = db.session.scalars(sa.select(Notification).where(
        Notification.apprentice_id == liam.id, Notification.kind == K.REVIEW_DUE_SOON)).all()
    who = {db.session.get(User, n.user_id).role for n in about_liam}
    assert who == {Role.APPRENTICE, Role.MENTOR, Role.COORDINATOR}
    assert {n.on_date for n in about_liam} == {due}
    run(due + timedelta(days=1))
    overdue = db.session.scalars(sa.select(Notification).where(
        Notification.apprentice_id == liam.id, Notification.kind == K.REVIEW_OVERDUE)).all()
    assert overdue and {n.on_date for n in overdue} == {due}


def test_no_reminders_about_learning_during_a_break_or_after_gateway(demo_db):
    apprentice = user(DEMO_EMAILS["apprentice"]).apprentice
    apprentice.status = ApprenticeStatus.BREAK_IN_LEARNING
    db.session.add(BreakInLearning(apprentice=apprentice, start_date=TODAY, expected_return_date=TODAY
                                   + timedelta(days=200), reason="Family leave"))
    gateway = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
    gateway.gateway_date = TODAY
    db.session.commit()
    before = newest()
    run(TODAY + timedelta(days=120))
    about = set(db.session.scalars(sa.select(Notification.apprentice_id).where(
        Notification.id > before,
        Notification.kind.in_((K.NOTHING_LOGGED, K.HOURS_BEHIND, K.REVIEW_OVERDUE, K.REVIEW_DUE_SOON)))))
    assert about  # others are reminded...
    assert apprentice.id not in about and gateway.id not in about  # ...but not these two
    on_break = set(db.session.scalars(sa.select(Apprentice.id).where(
        Apprentice.status != ApprenticeStatus.ACTIVE)))
    assert not about & on_break


def signature_reminders(review: ProgressReview) -> list[Notification]:
    """The reminders to sign this review (the demo's own review waiting for a signature has its own)."""
    return db.session.scalars(sa.select(Notification).where(
        Notification.review_id == review.id, Notification.kind == K.SIGNATURE_WAITING)).all()


def test_a_signature_waiting_more_than_the_set_days_reminds_each_person_who_must_sign(demo_db):
    apprentice_user = user(DEMO_EMAILS["apprentice"])
    held = TODAY - timedelta(days=3)
    review = ProgressReview(apprentice_id=apprentice_user.apprentice_id, scheduled_date=held, held_date=held)
    db.session.add(review)
    db.session.commit()
    run(TODAY)
    assert signature_reminders(review) == []  # 3 days: not yet
    later = held + timedelta(days=8)
    run(later)
    waiting = db.session.scalars(sa.select(Notification).where(Notification.review_id == review.id)).all()
    roles = {db.session.get(User, n.user_id).role for n in waiting}
    assert Role.APPRENTICE in roles and Role.COORDINATOR in roles
    assert all(n.kind == K.SIGNATURE_WAITING for n in waiting)
    reviews.sign(apprentice_user, review, SignoffParty.APPRENTICE, None)
    db.session.commit()
    # Signing ends the apprentice's reminder, not the others'.
    db.session.expire_all()
    still_open = {db.session.get(User, n.user_id).role for n in waiting if n.done_at is None}
    assert Role.APPRENTICE not in still_open and Role.COORDINATOR in still_open
    run(later + timedelta(days=1))
    assert len(signature_reminders(review)) == len(waiting)  # each once, and the apprentice has signed


def test_a_review_recorded_tells_the_signers_at_once_and_still_reminds_them_after_the_set_days(demo_db):
    coordinator, apprentice_user = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["apprentice"])
    review = reviews.scheduled_review(db.session.get(Apprentice, apprentice_user.apprentice_id))
    reviews.record(coordinator, review, {"held_date": TODAY, "attendees": "Both", "rag": Rag.GREEN,
                                         "progress_notes": "On track", "ksb_progress": None, "next_review_date": None},
                   [], 600, ProgrammeSettings.current(), TODAY)
    db.session.commit()
    at_once = {n.user_id for n in db.session.scalars(sa.select(Notification).where(
        Notification.review_id == review.id, Notification.kind == K.REVIEW_TO_SIGN))}
    assert {apprentice_user.id, coordinator.id} <= at_once  # who recorded it must sign it too
    run(TODAY + timedelta(days=3))
    assert signature_reminders(review) == []
    run(TODAY + timedelta(days=8))
    reminded = {n.user_id for n in signature_reminders(review)}
    assert reminded == at_once  # still waiting for everyone


def test_a_reminder_to_sign_replaces_the_notice_so_each_review_waits_once(demo_db):
    """One review waiting for a signature is one item for each person, before and after the reminder,
    and the header counts what the home page lists."""
    coordinator, apprentice_user = user(DEMO_EMAILS["coordinator"]), user(DEMO_EMAILS["apprentice"])
    review = reviews.scheduled_review(db.session.get(Apprentice, apprentice_user.apprentice_id))
    reviews.record(coordinator, review, {"held_date": TODAY, "attendees": "Both", "rag": Rag.GREEN,
                                         "progress_notes": "On track", "ksb_progress": None, "next_review_date": None},
                   [], 600, ProgrammeSettings.current(), TODAY)
    db.session.commit()

    def open_about_review(person: User) -> list[NotificationKind]:
        return list(db.session.scalars(sa.select(Notification.kind).where(
            Notification.user_id == person.id, Notification.review_id == review.id, Notification.done_at.is_(None))))

    assert open_about_review(apprentice_user) == [K.REVIEW_TO_SIGN]
    run(TODAY + timedelta(days=8))
    assert open_about_review(apprentice_user) == [K.SIGNATURE_WAITING]  # reminded: the notice gave way to it
    assert open_about_review(coordinator) == [K.SIGNATURE_WAITING]
    # Every review still waiting for the apprentice is one item, never two.
    db.session.expire_all()
    per_review = db.session.execute(sa.select(Notification.review_id, sa.func.count()).where(
        Notification.user_id == apprentice_user.id, Notification.done_at.is_(None),
        Notification.review_id.is_not(None)).group_by(Notification.review_id)).all()
    assert per_review and all(count == 1 for _, count in per_review)
    reviews.sign(apprentice_user, review, SignoffParty.APPRENTICE, None)
    db.session.commit()
    assert open_about_review(apprentice_user) == []


def test_a_share_link_about_to_expire_reminds_the_coordinator_who_made_it(demo_db):
    coordinator = user(DEMO_EMAILS["coordinator"])
    cohort = db.session.scalar(sa.select(Cohort).order_by(Cohort.start_date.desc()).limit(1))
    link, _ = sharing.create(coordinator, cohort, "Board update", TODAY + timedelta(days=10), ShareMode.SNAPSHOT,
                             None, TODAY)
    db.session.commit()
    assert run(TODAY)["share_links"] == 0  # 10 days away
    assert run(TODAY + timedelta(days=4))["share_links"] == 1
    [reminder] = db.session.scalars(sa.select(Notification).where(Notification.share_link_id == link.id)).all()
    assert reminder.user_id == coordinator.id and reminder.on_date == link.expires_on
    [email] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "share_link_expiring"))
    assert "Board update" in email.personalisation["what"]
    assert run(TODAY + timedelta(days=5))["share_links"] == 0


def test_a_levy_transfers_share_link_about_to_expire_reminds_the_coordinator_who_made_it_too(demo_db):
    coordinator = user(DEMO_EMAILS["coordinator"])
    link, _ = levy_outcomes.create_link(coordinator, "Transfers board paper", TODAY + timedelta(days=10),
                                        ShareMode.SNAPSHOT, None, TODAY)
    revoked, _ = levy_outcomes.create_link(coordinator, "Revoked paper", TODAY + timedelta(days=10),
                                           ShareMode.SNAPSHOT, None, TODAY)
    levy_outcomes.revoke_link(coordinator, revoked)
    db.session.commit()
    before = newest()
    assert run(TODAY)["transfer_share_links"] == 0  # 10 days away
    assert run(TODAY + timedelta(days=4))["transfer_share_links"] == 1  # the revoked one is not reminded of
    [reminder] = db.session.scalars(sa.select(Notification).where(Notification.id > before)).all()
    assert (reminder.user_id, reminder.kind, reminder.on_date) == (coordinator.id, K.SHARE_LINK_EXPIRING,
                                                                   link.expires_on)
    [item] = [i for i in notifications.page_for(coordinator, 1).items if i.id == reminder.id]
    assert item.sentence == (f"The share link ‘Transfers board paper’ for the summary of levy transfers stops working "
                             f"after {link.expires_on.day} {link.expires_on:%B %Y}.")
    assert item.href == "/levy/transfers#links"
    [email] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "share_link_expiring"))
    assert email.recipient == coordinator.email and email.personalisation["what"] == item.sentence
    assert email.personalisation["link"].endswith("/levy/transfers#links")
    # Once per link and expiry date: the next day makes nothing.
    assert run(TODAY + timedelta(days=5))["transfer_share_links"] == 0


def test_the_daily_email_gathers_what_waits_once(demo_db):
    mentor = user(DEMO_EMAILS["mentor"])
    notifications.choose_frequency(mentor, EmailFrequency.DAILY)
    db.session.commit()
    before = newest()
    counts = run(TODAY + timedelta(days=60))
    mine = db.session.scalars(sa.select(Notification).where(Notification.user_id == mentor.id,
                                                            Notification.id > before)).all()
    assert len(mine) >= 2 and all(n.email_state == EmailState.SENT for n in mine)
    [digest] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "daily_digest",
                                                                 OutboxMessage.recipient == mentor.email))
    assert digest.personalisation["count"] == f"{len(mine)} things need you"
    assert digest.personalisation["items"].count("* ") == len(mine)
    assert counts["daily_emails"] >= 1
    # Nobody who wants each email at once is in a daily email.
    assert db.session.scalars(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.template == "daily_digest")).all() == [mentor.email]
    assert run(TODAY + timedelta(days=60))["daily_emails"] == 0


def test_the_job_runs_a_fixed_number_of_statements_whatever_the_number_of_apprentices(app):
    """Everyone chooses no email, so only the job's own statements are counted."""
    def statements(day: date) -> int:
        with app.app_context():
            for uid in db.session.scalars(sa.select(User.id)):
                notifications.choose_frequency(db.session.get(User, uid), EmailFrequency.NEVER)
            # The levy's expiries are written once for the months that have passed by `day` (services/
            # levy_ledger.py): what they write depends on the calendar, not on how many apprentices there are.
            levy_ledger.write_expiries(day)
            db.session.commit()
            with sql_statements(app, lambda s: not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))) as seen:
                reminders.run(day)
            db.session.commit()
            return len(seen)

    small = statements(TODAY + timedelta(days=60))
    with app.app_context():
        model = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
        for n in range(30):
            db.session.add(Apprentice(first_name=f"Grown{n}", last_name="Scale", cohort_id=model.cohort_id,
                                      standard_id=model.standard_id, provider_id=model.provider_id,
                                      service_area=model.service_area, mentor_id=model.mentor_id,
                                      contracted_minutes_per_week=37 * 60, start_date=model.start_date,
                                      planned_end_date=model.planned_end_date))
        db.session.commit()
    assert statements(TODAY + timedelta(days=61)) == small


def test_the_command_and_the_worker_send_the_reminders_by_email_for_real(setup, worker):  # noqa: F811
    app = setup["app"]
    with smtp_server(setup["port"]) as (inbox, _):
        worker()
        day = (TODAY + timedelta(days=60)).isoformat()
        env = {**os.environ, **setup["env"], "APP_ENV": "development",
               "PUBLIC_BASE_URL": "https://apprenticeships.example"}
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "reminders", "--date", day],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert "Reminders for" in result.stdout
        with app.app_context():
            queued = list(db.session.scalars(sa.select(OutboxMessage.id)))
        assert queued
        wait_until(lambda: all(message(app, i).status == OutboxStatus.SENT for i in queued), timeout=60)
        received = inbox.wait_for(len(queued))
        again = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "reminders", "--date", day],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == len(queued)  # none twice
    bodies = [m.get_content() for m in received]
    assert any("https://apprenticeships.example/notifications/preferences" in body for body in bodies)
    assert all("Change how often we email you" in body for body in bodies)
