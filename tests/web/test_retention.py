"""Retention: records past their period are listed (never anonymised on their own), a coordinator
confirms, and the people are anonymised for good, all or nothing, while every figure a summary shows
stays the same; records kept longer, records added in error, the commands, the daily job, the audit
log's own period, and the privacy notice written from the same settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    AuditEvent,
    BreakInLearning,
    Cohort,
    EvidenceFile,
    LogEntry,
    LogEntryRevision,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxMessage,
    PasswordReset,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    ProgrammeSettings,
    ProgressReview,
    RecoveryCode,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    Role,
    SignoffParty,
    User,
    UserSession,
    VerificationStatus,
    utcnow,
)
from apprenticeships.services import accounts, apprentices, notifications, reminders, retention, summaries

from ..helpers import csrf_token_from, page, post_form, sign_in, sql_statements, text_of
from .test_apprentices import errors

TODAY = date.today()
YEARS_AGO = timedelta(days=365 * 8)  # well past the default 6 years
MARK = "Zanzibarquux"  # in everything written about the record built below, and nowhere else


def one(model, *where):
    return db.session.scalar(sa.select(model).where(*where))


def apprentice_named(first: str) -> Apprentice:
    return one(Apprentice, Apprentice.first_name == first)


def coordinator() -> User:
    return one(User, User.email == "coordinator@example.org")


def age(app, *first_names: str) -> dict[str, int]:
    """Move the end of these (withdrawn or completed) apprentices' apprenticeships back 8 years, so
    their records are past the retention period today. Returns their ids by first name."""
    with app.app_context():
        ids = {}
        for apprentice in db.session.scalars(sa.select(Apprentice).where(Apprentice.first_name.in_(first_names))):
            assert apprentice.status in retention.FINISHED
            for change in apprentice.status_changes:
                if change.to_status in retention.FINISHED:
                    change.effective_date -= YEARS_AGO
            apprentice.withdrawal_date = apprentice.withdrawal_date and apprentice.withdrawal_date - YEARS_AGO
            apprentice.completion_date = apprentice.completion_date and apprentice.completion_date - YEARS_AGO
            ids[apprentice.first_name] = apprentice.id
        db.session.commit()
        assert set(ids) == set(first_names)
        return ids


def rows_of_every_table() -> dict[str, list[tuple]]:
    return {table.name: sorted(tuple(map(repr, row)) for row in db.session.execute(sa.select(table)))
            for table in db.metadata.sorted_tables}


def texts_holding(*words: str) -> list[str]:
    """Every value in any text or JSON column of any table that holds one of `words`."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
        for row in db.session.execute(sa.select(*columns)) if columns else ():
            for column, value in zip(columns, row, strict=True):
                text = json.dumps(value) if isinstance(value, dict | list) else str(value or "")
                if any(word.lower() in text.lower() for word in words):
                    found.append(f"{table.name}.{column.name}: {text[:80]}")
    return found


def give_them_everything(app, first: str) -> tuple[int, list[str]]:
    """Write `MARK` into every kind of record the apprentice (one who has finished) can have: their
    details, account, sign-ins, log entries and revisions, a query, reviews with actions, sign-offs
    and a reopening, a break, a placement proposal and an interest, evidence files (stored), their
    email choice, notifications and an email waiting to go. Returns their id and the digests stored."""
    storage = app.extensions["evidence_storage"]
    apprentice = apprentice_named(first)
    boss = coordinator()
    account = one(User, User.apprentice_id == apprentice.id)
    apprentice.first_name, apprentice.last_name = f"{MARK}first", f"{MARK}last"
    apprentice.email, apprentice.uln = f"{MARK.lower()}@example.org", "9123456789"
    apprentice.team, apprentice.job_title = f"{MARK} team", f"{MARK} job"
    account.name, account.email = f"{MARK} account", f"{MARK.lower()}@example.org"
    account.calendar_token_hash, account.totp_secret = "c" * 64, "S" * 32
    entries = list(db.session.scalars(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice.id)))
    for entry in entries:
        entry.description = f"{MARK} learnt about queues"
    queried = entries[0]
    queried.status, queried.verified_by_id, queried.verified_at = VerificationStatus.QUERIED, None, None
    queried.query_comment, queried.query_response = f"{MARK} which queue?", f"{MARK} the print queue"
    db.session.add(LogEntryRevision(entry=queried, action="edited", changes={"description": [f"{MARK} old", "new"]},
                                    changed_by_id=account.id))
    reviews = list(db.session.scalars(sa.select(ProgressReview).where(ProgressReview.apprentice_id == apprentice.id,
                                                                      ProgressReview.held_date.is_not(None))))
    review = reviews[0]
    review.progress_notes, review.attendees, review.ksb_progress = f"{MARK} notes", f"{MARK} came", f"{MARK} K1"
    db.session.add(ReviewAction(review=review, description=f"{MARK} action", owner=f"{MARK} owner",
                                due_date=review.held_date))
    db.session.add(ReviewReopening(review_id=review.id, reason=f"{MARK} reopened", reopened_by_id=boss.id))
    db.session.execute(sa.delete(ReviewSignoff).where(ReviewSignoff.review_id == review.id,
                                                      ReviewSignoff.party == SignoffParty.APPRENTICE))
    db.session.add(ReviewSignoff(review=review, party=SignoffParty.APPRENTICE, user_id=account.id,
                                 comment=f"{MARK} signed"))
    for change in apprentice.status_changes:
        change.reason = f"{MARK} reason"
    db.session.add(BreakInLearning(apprentice=apprentice, start_date=apprentice.start_date + timedelta(weeks=10),
                                   expected_return_date=apprentice.start_date + timedelta(weeks=16),
                                   returned_on=apprentice.start_date + timedelta(weeks=15), reason=f"{MARK} break"))
    placement = db.session.scalar(sa.select(Placement).limit(1))
    db.session.add(PlacementAssignment(placement=placement, apprentice=apprentice, status=AssignmentStatus.DECLINED,
                                       decision_reason=f"{MARK} declined", note_to_employer=f"{MARK} note",
                                       proposed_by_id=boss.id))
    db.session.add(PlacementInterest(placement=placement, apprentice=apprentice))
    digests = []
    for target in ({"log_entry": queried}, {"review": review}):
        digest, _ = storage.put(f"{MARK} {target} evidence".encode())
        thumbnail, _ = storage.put(f"{MARK} {target} thumbnail".encode())
        digests += [digest, thumbnail]
        db.session.add(EvidenceFile(apprentice=apprentice, filename=f"{MARK}.jpg", media_type="image/jpeg",
                                    size_bytes=10, digest=digest, thumbnail_digest=thumbnail, uploaded_by_id=account.id,
                                    **target))
    db.session.add(UserSession(token_hash="s" * 64, user_id=account.id))
    db.session.add(RecoveryCode(user_id=account.id, code_hash="r" * 64))
    db.session.add(PasswordReset(user_id=account.id, token_hash="p" * 64, expires_at=utcnow()))
    db.session.add(NotificationPreference(user_id=account.id))
    db.session.add(Notification(user_id=account.id, kind=NotificationKind.ENTRY_QUERIED,
                                apprentice_id=apprentice.id, log_entry_id=queried.id))
    db.session.add(Notification(user_id=boss.id, kind=NotificationKind.REVIEW_OVERDUE, occurrence="x",
                                apprentice_id=apprentice.id))
    db.session.add(OutboxMessage(template="entry_queried", recipient=account.email,
                                 personalisation={"name": f"{MARK} account"}))
    db.session.commit()
    return apprentice.id, digests


def figures_of_every_cohort(today: date) -> dict:
    threshold = ProgrammeSettings.current().disclosure_threshold
    found = {}
    for cohort in db.session.scalars(sa.select(Cohort).order_by(Cohort.id)):
        raw = summaries.figures(cohort, today)
        found[cohort.name] = (raw, summaries.publish(raw, threshold))
    return found


# --- What anonymising does ---------------------------------------------------------------------

def test_every_reference_to_a_person_is_handled_when_anonymising():
    """Walk the models' foreign keys from `apprentices`: each one pointing at an apprentice, or at a
    row that is theirs (their log entries, reviews, account...), must say what anonymising does."""
    theirs, unhandled, seen = {"apprentices"}, [], set()
    grew = True
    while grew:
        grew = False
        for table in db.metadata.sorted_tables:
            for key in table.foreign_keys:
                pair = (table.name, key.parent.name)
                if key.column.table.name not in theirs or pair in seen:
                    continue
                seen.add(pair)
                handling = retention.HANDLING.get(pair)
                if handling is None:
                    unhandled.append(f"{table.name}.{key.parent.name} -> {key.column.table.name}")
                elif handling.theirs and table.name not in theirs:
                    theirs.add(table.name)
                    grew = True
    assert not unhandled, ("Foreign keys to a person's records that anonymising does not handle (add each to "
                           f"services.retention.HANDLING, and handle it in _anonymise): {unhandled}")
    assert set(retention.HANDLING) == seen, "HANDLING names keys the models no longer have"
    assert {"users", "log_entries", "progress_reviews", "placement_assignments"} <= theirs


def test_anonymising_removes_everything_that_identifies_them_and_keeps_what_is_counted(app):
    with app.app_context():
        apprentice_id, digests = give_them_everything(app, "Adam")
        storage = app.extensions["evidence_storage"]
        assert texts_holding(MARK) and all(storage.exists(d) for d in digests)
        counted = db.session.execute(sa.select(
            sa.func.count(LogEntry.id), sa.func.sum(LogEntry.minutes)).where(LogEntry.apprentice_id == apprentice_id)
        ).one()
        held = db.session.execute(sa.select(ProgressReview.held_date, ProgressReview.rag, ProgressReview.scheduled_date,
                                             ProgressReview.otj_minutes_at_review)
                                  .where(ProgressReview.apprentice_id == apprentice_id)
                                  .order_by(ProgressReview.scheduled_date)).all()
        later = TODAY + YEARS_AGO
        assert retention.anonymise(coordinator(), [apprentice_id], later) == [apprentice_id]
        db.session.commit()
        assert retention.delete_stored_files() == sorted(digests)

        assert texts_holding(MARK, "Fletcher") == []  # nowhere in the database, in any table
        assert not any(storage.exists(d) for d in digests)
        adam = db.session.get(Apprentice, apprentice_id)
        assert (adam.full_name, adam.email, adam.uln, adam.team, adam.anonymised_at is not None) == (
            "Anonymised apprentice", None, None, None, True)
        account = one(User, User.apprentice_id == apprentice_id)
        assert not account.active and account.password_hash is None and account.totp_secret is None
        assert account.email == f"anonymised-{account.id}@anonymised.invalid"
        for model in (UserSession, RecoveryCode, PasswordReset, NotificationPreference, Notification):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
                model.user_id == account.id)) == 0
        for model in (EvidenceFile, Notification, PlacementInterest):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(
                model.apprentice_id == apprentice_id)) == 0
        # What summaries and reports count is all there.
        assert db.session.execute(sa.select(sa.func.count(LogEntry.id), sa.func.sum(LogEntry.minutes)).where(
            LogEntry.apprentice_id == apprentice_id)).one() == counted
        assert db.session.execute(sa.select(ProgressReview.held_date, ProgressReview.rag, ProgressReview.scheduled_date,
                                            ProgressReview.otj_minutes_at_review)
                                  .where(ProgressReview.apprentice_id == apprentice_id)
                                  .order_by(ProgressReview.scheduled_date)).all() == held
        assert (adam.status, adam.cohort.name.startswith("Digital apprentices"), adam.completion_date is not None,
                adam.contracted_minutes_per_week) == (ApprenticeStatus.COMPLETED, True, True, 37 * 60)
        assert one(PlacementAssignment, PlacementAssignment.apprentice_id == apprentice_id).status == \
            AssignmentStatus.DECLINED
        # Audited once, with nothing about them in it; and done: not past their period any more.
        event = one(AuditEvent, AuditEvent.action == "apprentice.anonymised")
        assert (event.subject_type, event.subject_id, event.details) == ("apprentices", apprentice_id, {})
        assert retention.due(later, [apprentice_id]) == []
        assert retention.anonymise(None, [apprentice_id], later) == []


def test_the_cohort_summary_reads_the_same_before_and_after_anonymising_everyone_past_their_period(demo_db):
    later = TODAY + YEARS_AGO  # by then every apprenticeship that has ended is past its 6 years
    before = figures_of_every_cohort(later)
    past = retention.due(later)
    assert {r.name for r in past} >= {"Adam Fletcher", "Gareth Jones", "Josh Wood"} and len(past) >= 12
    assert len(retention.anonymise(None, [r.id for r in past], later)) == len(past)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice).where(
        Apprentice.first_name == "Adam")) == 0
    after = figures_of_every_cohort(later)
    assert after == before
    assert any(raw["completed"] for raw, _ in after.values())  # the figures counted the anonymised too


def test_anonymising_is_all_or_nothing(app, monkeypatch):
    """A failure midway (after some of the statements have run) leaves every table as it was, in the
    same transaction and once committed, and every stored file where it was."""
    with app.app_context():
        apprentice_id, digests = give_them_everything(app, "Adam")
        before = rows_of_every_table()
        ran = []
        real = retention._execute

        def fails_midway(statement) -> None:
            ran.append(statement)
            if len(ran) == 12:
                raise RuntimeError("the database went away")
            real(statement)

        monkeypatch.setattr(retention, "_execute", fails_midway)
        with pytest.raises(RuntimeError, match="went away"):
            retention.anonymise(coordinator(), [apprentice_id], TODAY + YEARS_AGO)
        assert len(ran) == 12  # eleven statements changed rows before it failed
        assert rows_of_every_table() == before
        db.session.commit()
        retention.delete_stored_files()
        db.session.expire_all()
        assert rows_of_every_table() == before
        assert all(app.extensions["evidence_storage"].exists(d) for d in digests)


def test_a_database_refusal_midway_leaves_nothing_changed(app, monkeypatch):
    """The same when the database itself refuses a statement (here, the account's email clashes)."""
    with app.app_context():
        apprentice_id, _ = give_them_everything(app, "Adam")
        account = one(User, User.apprentice_id == apprentice_id)
        db.session.add(User(name="Someone", email=f"anonymised-{account.id}@anonymised.invalid", role=Role.COORDINATOR))
        db.session.commit()
        before = rows_of_every_table()
        with pytest.raises(sa.exc.IntegrityError):
            retention.anonymise(coordinator(), [apprentice_id], TODAY + YEARS_AGO)
        assert rows_of_every_table() == before
        db.session.commit()
        assert rows_of_every_table() == before


# --- The daily job and the audit log's own period ----------------------------------------------

def test_the_daily_job_tells_the_coordinators_once_for_each_list_and_anonymises_nothing(app):
    age(app, "Adam", "Gareth")
    with app.app_context():
        first = reminders.run(TODAY)
        db.session.commit()
        coordinators = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
            User.role == Role.COORDINATOR, User.active.is_(True)))
        assert first["retention"] == coordinators >= 1
        assert reminders.run(TODAY)["retention"] == 0  # the same list: nothing new
        db.session.commit()
        assert apprentice_named("Adam") is not None  # nothing anonymised on its own
        items = notifications.page_for(coordinator(), 1).items
        due = [item for item in items if item.kind == NotificationKind.RETENTION_DUE]
        assert [item.sentence for item in due] == [
            "2 records are past the retention period. Review them and choose which to anonymise."]
        assert due[0].href == "/retention" and not due[0].done
    age(app, "Bethany")
    with app.app_context():
        assert reminders.run(TODAY)["retention"] == coordinators  # a longer list: told again
        db.session.commit()
        mine = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == coordinator().id, Notification.kind == NotificationKind.RETENTION_DUE)
            .order_by(Notification.id)).all()
        assert [n.occurrence.split(":")[0] for n in mine] == ["2", "3"]
        assert [n.done_at is None for n in mine] == [False, True]  # the earlier list's reminder is done
        retention.anonymise(coordinator(), [apprentice_named(n).id for n in ("Adam", "Gareth", "Bethany")], TODAY)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == NotificationKind.RETENTION_DUE, Notification.done_at.is_(None))) == 0
        assert reminders.run(TODAY)["retention"] == 0  # nothing past its period now


def test_audit_events_are_deleted_once_past_the_audit_logs_own_period(app):
    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.audit_retention_years = 2
        old = datetime.combine(TODAY - timedelta(days=365 * 2 + 5), datetime.min.time(), tzinfo=UTC)
        recent = datetime.combine(TODAY - timedelta(days=365 * 2 - 5), datetime.min.time(), tzinfo=UTC)
        for when, action in ((old, "test.old"), (recent, "test.recent")):
            db.session.add(AuditEvent(occurred_at=when, action=action, subject_type="cohorts", subject_id=1))
        db.session.commit()
        assert retention.audit_events_past_period(TODAY) >= 1
        assert reminders.run(TODAY)["audit_events_deleted"] >= 1
        db.session.commit()
        actions = set(db.session.scalars(sa.select(AuditEvent.action)))
        assert "test.recent" in actions and "test.old" not in actions
        assert retention.audit_events_past_period(TODAY) == 0


# --- The coordinators' page and its confirmation -----------------------------------------------

def test_a_coordinator_reviews_the_list_confirms_and_the_chosen_records_are_anonymised(app, coordinator_client):
    ids = age(app, "Adam", "Gareth")
    listing = page(coordinator_client.get("/retention"))
    rows = [" ".join(row.get_text(" ").split()) for row in listing.find("tbody").find_all("tr")]
    assert len(rows) == 2 and "Gareth Jones" in rows[0] and "Adam Fletcher" in rows[1]  # in the order they ended
    assert "Withdrew on" in rows[0] and "Completed on" in rows[1] and ": kept until " in rows[1]
    assert "Bethany" not in text_of(listing)

    # Continue with nothing chosen: back to the list, saying so.
    response = coordinator_client.get("/retention/anonymise")
    assert response.status_code == 303 and response.location.split("#")[0].endswith("/retention")
    assert "Select the records to anonymise" in text_of(page(coordinator_client.get(response.location)))

    confirm = page(coordinator_client.get(f"/retention/anonymise?apprentice={ids['Adam']}"))
    assert confirm.h1.get_text(strip=True) == "Anonymise 1 record"
    assert "This cannot be undone" in text_of(confirm) and "Adam Fletcher" in text_of(confirm)
    assert "Gareth" not in text_of(confirm)
    url = f"/retention/anonymise?apprentice={ids['Adam']}"
    unconfirmed = post_form(coordinator_client, "/retention/anonymise", {"apprentice": ids["Adam"]}, page=url)
    assert errors(page(unconfirmed))["confirm"] == "Confirm that you understand anonymising cannot be undone"
    with app.app_context():
        assert db.session.get(Apprentice, ids["Adam"]).anonymised_at is None

    done = post_form(coordinator_client, "/retention/anonymise", {"apprentice": ids["Adam"], "confirm": "y"}, page=url)
    assert done.status_code == 303
    after = page(coordinator_client.get(done.location))
    assert "1 record anonymised." in text_of(after)
    assert "Adam" not in text_of(after.find("tbody")) and "Gareth Jones" in text_of(after)
    with app.app_context():
        adam = db.session.get(Apprentice, ids["Adam"])
        assert adam.full_name == "Anonymised apprentice" and adam.anonymised_at is not None
        event = one(AuditEvent, AuditEvent.action == "apprentice.anonymised")
        assert event.actor_id == coordinator().id and event.subject_id == ids["Adam"]
        assert "Adam" not in json.dumps(event.details)
    record = text_of(page(coordinator_client.get(f"/apprentices/{ids['Adam']}")))
    assert "This record was anonymised on" in record and "Fletcher" not in record

    # A record no longer past its period (anonymised just now, or never due) is not anonymised again.
    bethany = lookup_id(app, "Bethany")
    again = post_form(coordinator_client, "/retention/anonymise",
                      {"apprentice": [ids["Adam"], bethany], "confirm": "y"},
                      page=f"/retention/anonymise?apprentice={ids['Gareth']}")
    assert again.status_code == 303
    assert "nothing was anonymised" in text_of(page(coordinator_client.get(again.location)))
    with app.app_context():
        assert db.session.get(Apprentice, bethany).anonymised_at is None


def lookup_id(app, first: str) -> int:
    with app.app_context():
        return apprentice_named(first).id


def test_the_list_runs_a_fixed_number_of_statements_however_many_are_past_their_period(app, coordinator_client):
    def statements() -> int:
        coordinator_client.get("/retention")
        with sql_statements(app, lambda s: s not in ("BEGIN", "BEGIN IMMEDIATE")) as seen:
            assert coordinator_client.get("/retention").status_code == 200
        return len(seen)

    age(app, "Adam")
    few = statements()
    age(app, "Bethany", "Connor", "Danielle", "Emre", "Freya", "Gareth", "Hannah", "Imran", "Jade", "Kieran", "Josh")
    assert statements() == few


def test_only_coordinators_see_the_list(signed_in):
    for role in ("mentor", "employer", "apprentice"):
        assert signed_in(role).get("/retention").status_code == 403


# --- Keeping a record longer --------------------------------------------------------------------

def test_a_record_kept_longer_is_not_listed_and_the_reason_is_required(app, coordinator_client):
    ids = age(app, "Adam")
    url = f"/apprentices/{ids['Adam']}/keep-longer"
    assert errors(page(post_form(coordinator_client, url, {"keep_longer": "yes", "reason": " "})))["reason"] == \
        "Enter why this record must be kept longer"
    saved = post_form(coordinator_client, url, {"keep_longer": "yes", "reason": "Match-funded evidence"})
    assert saved.status_code == 303
    record = text_of(page(coordinator_client.get(saved.location)))
    assert "This record is kept past the retention period: Match-funded evidence." in record
    listing = page(coordinator_client.get("/retention"))
    assert "No records are past their retention period." in text_of(listing)
    kept = listing.find(id="kept-longer").find_next("table")
    assert "Adam Fletcher" in text_of(kept) and "Match-funded evidence" in text_of(kept)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_id == ids["Adam"],
                                                               AuditEvent.action == "apprentice.edited")).all()[-1]
        assert event.details == {"fields": ["keep_longer", "keep_longer_reason"]}
        assert retention.due(TODAY) == [] and retention.anonymise(None, [ids["Adam"]], TODAY) == []

    post_form(coordinator_client, url, {"keep_longer": "no", "reason": "Match-funded evidence"})
    with app.app_context():
        adam = db.session.get(Apprentice, ids["Adam"])
        assert (adam.keep_longer, adam.keep_longer_reason) == (False, None)
    assert "Adam Fletcher" in text_of(page(coordinator_client.get("/retention")).find("tbody"))


def test_an_apprentices_page_says_how_long_their_record_is_kept(app, coordinator_client):
    jordan = text_of(page(coordinator_client.get("/apprentices/1")))
    assert ("Kept while Jordan is on the programme, then for 6 years after their apprenticeship ends." in jordan)
    with app.app_context():
        adam = apprentice_named("Adam")
        ended, adam_id = adam.completion_date, adam.id
    adams = text_of(page(coordinator_client.get(f"/apprentices/{adam_id}")))
    until = retention.kept_until(ended, 6)
    assert f"Kept until {until.day} {until:%B %Y}: 6 years after Adam completed on {ended.day} {ended:%B %Y}." in adams


# --- Deleting a record added in error ----------------------------------------------------------

def test_a_record_added_in_error_is_deleted_after_confirming_with_its_invitation(app, coordinator_client):
    with app.app_context():
        boss, model = coordinator(), apprentice_named("Liam")
        added = apprentices.create(boss, {
            "first_name": "Typo", "last_name": "Person", "email": "typo@example.org", "cohort_id": model.cohort_id,
            "standard_id": model.standard_id, "provider_id": model.provider_id, "service_area": model.service_area,
            "contracted_minutes_per_week": 37 * 60, "start_date": model.start_date,
            "planned_end_date": model.planned_end_date})
        accounts.invite(boss, "Typo Person", "typo@example.org", Role.APPRENTICE, apprentice=added)
        db.session.commit()
        added_id, cohort_id = added.id, added.cohort_id
    assert "Delete this record if it was added in error" in text_of(page(coordinator_client.get(
        f"/apprentices/{added_id}")))
    confirm = page(coordinator_client.get(f"/apprentices/{added_id}/delete"))
    assert confirm.h1.get_text(strip=True) == "Delete Typo Person’s record?"
    assert "This cannot be undone." in text_of(confirm)
    response = post_form(coordinator_client, f"/apprentices/{added_id}/delete", {})
    assert response.status_code == 303 and response.location.split("#")[0].endswith(f"/cohorts/{cohort_id}")
    assert "Typo Person’s record has been deleted." in text_of(page(coordinator_client.get(response.location)))
    with app.app_context():
        assert db.session.get(Apprentice, added_id) is None
        assert one(User, User.email == "typo@example.org") is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReview).where(
            ProgressReview.apprentice_id == added_id)) == 0
        deleted = one(AuditEvent, AuditEvent.action == "apprentice.deleted")
        assert (deleted.subject_id, deleted.details) == (added_id, {"reason": "created_in_error"})
        assert "Typo" not in json.dumps(deleted.details)
    assert coordinator_client.get(f"/apprentices/{added_id}").status_code == 404


def test_a_record_with_anything_in_it_cannot_be_deleted(app, coordinator_client):
    refused = page(coordinator_client.get("/apprentices/1/delete"))
    assert refused.h1.get_text(" ", strip=True) == "You cannot delete Jordan Ellis’s record"
    reasons = [li.get_text(" ", strip=True) for li in refused.find("main").find("ul").find_all("li")]
    assert any(reason.endswith("log entries") for reason in reasons)
    assert "a placement or a proposal for one" in reasons or any("placements" in r for r in reasons)
    assert not refused.find("form", action="/apprentices/1/delete")
    response = post_form(coordinator_client, "/apprentices/1/delete", {}, page="/apprentices/1")
    assert response.status_code == 303 and response.location.split("#")[0].endswith("/apprentices/1/delete")
    assert "Jordan Ellis's record cannot be deleted: it has" in text_of(page(coordinator_client.get(response.location)))
    with app.app_context():
        assert db.session.get(Apprentice, 1) is not None
        assert one(AuditEvent, AuditEvent.action == "apprentice.deleted") is None


# --- The commands ------------------------------------------------------------------------------

def test_retention_report_and_apply_from_the_command_line(app):
    age(app, "Adam", "Gareth")
    runner = app.test_cli_runner()
    report = runner.invoke(args=["retention", "report"])
    assert report.exit_code == 0, report.output
    assert "2 records are past their retention period (6 years after the apprenticeship ends):" in report.output
    assert "Gareth Jones" in report.output and "Adam Fletcher" in report.output and "Bethany" not in report.output

    declined = runner.invoke(args=["retention", "apply"], input="n\n")
    assert declined.exit_code != 0 and "This cannot be undone" in declined.output
    with app.app_context():
        assert apprentice_named("Adam") is not None
        apprentice_id, digests = give_them_everything(app, "Adam")

    applied = runner.invoke(args=["retention", "apply"], input="y\n")
    assert applied.exit_code == 0, applied.output
    assert "Anonymised 2 records" in applied.output
    with app.app_context():
        assert db.session.get(Apprentice, apprentice_id).anonymised_at is not None
        assert apprentice_named("Gareth") is None
        assert not any(app.extensions["evidence_storage"].exists(d) for d in digests)
    again = runner.invoke(args=["retention", "apply", "--yes"])
    assert "No records are past their retention period" in again.output


def test_retention_apply_yes_asks_nothing(app):
    age(app, "Josh")
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Josh Wood" in result.output and "Anonymised 1 record;" in result.output
    with app.app_context():
        assert apprentice_named("Josh") is None


# --- Settings and the privacy notice -----------------------------------------------------------

SETTINGS = {"review_interval": "12-weeks", "mentors_sign_reviews": "no", "disclosure_threshold": "5"}


def test_the_retention_settings_are_checked_and_a_form_without_them_keeps_them(app, coordinator_client):
    soup = page(coordinator_client.get("/settings"))
    assert soup.find("input", attrs={"name": "retention_years"})["value"] == "6"
    assert soup.find("input", attrs={"name": "audit_retention_years"})["value"] == "7"
    assert "funding rules" in text_of(soup.find(id="retention_years-hint"))
    for value in ("0", "101", "two"):
        found = errors(page(post_form(coordinator_client, "/settings", {**SETTINGS, "retention_years": value,
                                                                        "audit_retention_years": "7"})))
        assert found["retention_years"] in ("Years to keep records must be between 1 and 100",
                                            "Years to keep an apprentice's records after their apprenticeship ends "
                                            "must be a whole number")
    assert post_form(coordinator_client, "/settings", {**SETTINGS, "retention_years": "10",
                                                       "audit_retention_years": "11"}).status_code == 303
    assert post_form(coordinator_client, "/settings", SETTINGS).status_code == 303  # an older form
    with app.app_context():
        settings = ProgrammeSettings.current()
        assert (settings.retention_years, settings.audit_retention_years) == (10, 11)


def test_the_privacy_notice_is_public_linked_from_every_page_and_follows_the_settings(app, client, coordinator_client):
    sign_in_page = page(client.get("/sign-in"))
    assert sign_in_page.find("footer").find("a", string="Privacy notice")["href"] == "/privacy"
    notice = text_of(page(client.get("/privacy")))
    assert "kept for 6 years after their apprenticeship ends" in notice
    assert "Each event in the audit log is kept for 7 years" in notice
    assert "read their own records for 365 days after their apprenticeship ends" in notice
    assert "Counts below 5 are not published. A new version" in notice  # not rounded: the setting is off
    assert "files the public sector apprenticeship return" in notice
    for sentence in ("Programme coordinators at the council see every apprentice’s records",
                     "A mentor sees the records of the apprentices they currently mentor",
                     "An employer partner sees the apprentices proposed for or placed on its work placements",
                     "Apprentices see their own records, and no one else’s"):
        assert sentence in notice

    post_form(coordinator_client, "/settings", {**SETTINGS, "disclosure_threshold": "10", "retention_years": "9",
                                                "audit_retention_years": "12", "round_to_five": "yes"})
    app.config["APPRENTICE_ACCESS_AFTER_END"] = timedelta(days=30)
    changed = text_of(page(client.get("/privacy")))
    assert "kept for 9 years after their apprenticeship ends" in changed and "6 years" not in changed
    assert "Each event in the audit log is kept for 12 years" in changed
    assert "for 30 days after their apprenticeship ends" in changed and "Counts below 10" in changed
    assert "every published count is rounded to the nearest 5" in changed
    assert "Privacy notice" in text_of(page(coordinator_client.get("/coordinator")).find("footer"))


def test_the_privacy_notice_names_the_contact_the_lawful_basis_and_every_right(app, client):
    soup = page(client.get("/privacy"))
    notice = text_of(soup)
    # Who to contact, from the configuration.
    contact = soup.find(id="data-protection-officer")
    assert "contact the data protection officer at Northmoor Borough Council" in text_of(contact)
    assert contact.find("a", string="dataprotection@northmoor-borough-council.example.org")["href"] == (
        "mailto:dataprotection@northmoor-borough-council.example.org")
    # Why the law allows it, and what is not collected.
    for words in ("public task (UK GDPR Article 6(1)(e))", "contract (Article 6(1)(b))",
                  "legal obligation (Article 6(1)(c))", "does not collect special category information"):
        assert words in notice, words
    # Every right, erasure as the retention period allows it, and the regulator.
    for words in ("get a copy of the information we hold about you", "corrected (rectification)",
                  "delete your information (erasure). We keep an apprentice’s records for 6 years",
                  "limit how we use your information (restriction)", "object to how we use your information",
                  "Information Commissioner’s Office (ICO)", "telephone: 0303 123 1113"):
        assert words in notice, words
    assert soup.find(id="complaints").find_next("a", string="ico.org.uk/make-a-complaint")["href"] == (
        "https://ico.org.uk/make-a-complaint/")
    # Someone not signed in is told where apprentices find their copy, not to ask the coordinator for it.
    assert "Apprentices can download it from their home page, under ‘Your data’" in notice
    assert not soup.find(id="right-of-access").find("a")

    app.config["DATA_PROTECTION_OFFICER_NAME"] = "Dana Reid, information governance manager"
    app.config["DATA_PROTECTION_OFFICER_EMAIL"] = "dpo@council.example.org"
    changed = page(client.get("/privacy"))
    assert "contact Dana Reid, information governance manager at Northmoor Borough Council" in text_of(
        changed.find(id="data-protection-officer"))
    assert changed.find("a", string="dpo@council.example.org")["href"] == "mailto:dpo@council.example.org"


def test_the_privacy_notice_says_who_else_handles_the_data_as_the_service_is_set_up(app, client):
    def who_else() -> str:
        return text_of(page(client.get("/privacy")).find(id="shared-outside").find_parent("main"))

    assert "sends no one’s records to anyone outside the council" in who_else()
    assert "GOV.UK Notify" not in who_else() and "object storage" not in who_else()  # the demo keeps both here
    app.config["EMAIL_BACKEND"] = "notify"
    app.config["EVIDENCE_STORAGE_URL"] = "s3://council-evidence"
    assert "GOV.UK Notify, run by the Government Digital Service, sends the service’s emails" in who_else()
    assert "Evidence files are kept in object storage the council has chosen" in who_else()
    app.config["EMAIL_BACKEND"] = "smtp"
    assert "The council’s email server sends the service’s emails" in who_else()


def test_a_signed_in_apprentice_is_given_the_link_to_download_their_data(app, apprentice_client, mentor_client):
    with app.app_context():
        apprentice_id = db.session.scalar(sa.select(User.apprentice_id).where(User.email == "apprentice@example.org"))
    right = page(apprentice_client.get("/privacy")).find(id="right-of-access")
    download = right.find("a", string="download a copy of your data (ZIP file)")
    assert download["href"] == f"/apprentices/{apprentice_id}/subject-access.zip"
    assert apprentice_client.get(download["href"]).mimetype == "application/zip"
    assert right.find("a", string="‘Your data’ on your home page")["href"] == "/apprentice#your-data"
    # On the apprentice's home page, "your data" is in the first line of links, to the download.
    home = page(apprentice_client.get("/apprentice"))
    assert home.find(id="page-contents").find("a", string="your data")["href"] == "#your-data"
    assert home.find(id="your-data").find_next("a", string="Download a copy of your data (ZIP file)")
    # A mentor has no copy of their own to download: told where apprentices find theirs.
    mentor_right = page(mentor_client.get("/privacy")).find(id="right-of-access")
    assert not mentor_right.find("a") and "Apprentices can download it from their home page" in text_of(mentor_right)


def test_a_former_apprentice_cannot_sign_in_once_anonymised(app):
    with app.app_context():
        apprentice = db.session.scalar(sa.select(Apprentice).join(User, User.apprentice_id == Apprentice.id).where(
            User.email == "apprentice@example.org"))
        apprentice_id = apprentice.id
        apprentices.withdraw(coordinator(), apprentice, TODAY - timedelta(days=3), "Moved away")
        db.session.commit()
        assert retention.anonymise(coordinator(), [apprentice_id], TODAY + YEARS_AGO) == [apprentice_id]
        db.session.commit()
    response = sign_in(app.test_client(), "apprentice@example.org")
    assert response.status_code == 200  # the sign-in page again, with its error: no session was started
    assert csrf_token_from(response.get_data(as_text=True))
    with app.app_context():
        assert one(User, User.email == "apprentice@example.org") is None  # the address is gone too


def test_an_anonymised_record_cannot_be_given_its_details_back(app, coordinator_client):
    ids = age(app, "Adam")
    url = f"/retention/anonymise?apprentice={ids['Adam']}"
    post_form(coordinator_client, "/retention/anonymise", {"apprentice": ids["Adam"], "confirm": "y"}, page=url)
    edit = f"/apprentices/{ids['Adam']}/edit"
    for refused in (coordinator_client.get(edit, follow_redirects=True),
                    post_form(coordinator_client, edit, {"first_name": "Adam", "last_name": "Fletcher"},
                              page=f"/apprentices/{ids['Adam']}", follow_redirects=True)):
        assert "This record has been anonymised, so it can no longer be changed." in text_of(page(refused))
    with app.app_context():
        assert db.session.get(Apprentice, ids["Adam"]).full_name == "Anonymised apprentice"
