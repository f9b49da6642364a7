"""Subject access: everything held about an apprentice as one ZIP, for a coordinator or the apprentice
themself: a readable report, every record as JSON and CSV, their evidence files; nothing about
another apprentice, no security secrets; audited; the same number of statements however big."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    ActivityType,
    Apprentice,
    AuditEvent,
    BreakInLearning,
    EvidenceFile,
    LevyFunding,
    LevyTransaction,
    LogDayTotal,
    LogEntry,
    LogEntryRevision,
    Mentor,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PasswordReset,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    ProgressReview,
    RecoveryCode,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    ScanStatus,
    SignInFailure,
    StatusChange,
    User,
    UserSession,
    VerificationStatus,
    log_entry_ksbs,
)
from apprenticeships.services import apprentices, evidence, reviews, subject_access
from apprenticeships.services.sign_in import account_key

from ..helpers import page, post_form, sign_in, text_of
from .test_query_counts import statements_for

JORDAN = "apprentice@example.org"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% the certificate\n"
REVIEW_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% the training plan\n"
# Written by the apprentice: a spreadsheet must not run it, a browser must not either.
DESCRIPTION = "=HYPERLINK(\"x\") First aid course <script>alert('x')</script>"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_HASH = "c0de" * 16


def unzip(response) -> dict[str, bytes]:
    """The ZIP's files by their path inside its one folder."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert archive.testzip() is None
        folders = {name.split("/", 1)[0] for name in archive.namelist()}
        assert len(folders) == 1 and folders.pop().startswith("subject-access-")
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def jordan(app) -> tuple[int, int]:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == JORDAN))
        return user.apprentice_id, user.id


def as_user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def full_record(app, signed_in):
    """Jordan Ellis's record with at least one row in every table the export reads, made the way
    people make them (a few rows the demo accounts cannot make are added directly)."""
    apprentice = signed_in("apprentice")  # a session
    mentor = signed_in("mentor")
    day = date.today() - timedelta(days=2)
    response = post_form(apprentice, "/log", {
        "activity_date": [str(day.day), str(day.month), str(day.year)], "activity_type": "training_course",
        "off_the_job": "yes", "minutes": "1.5", "description": DESCRIPTION,
        "evidence": [(io.BytesIO(PDF), "first-aid-certificate.pdf")]}, page="/apprentice",
        content_type="multipart/form-data")
    assert response.status_code == 303
    apprentice_id, user_id = jordan(app)
    with app.app_context():
        entry_id = db.session.scalar(sa.select(sa.func.max(LogEntry.id)).where(LogEntry.apprentice_id == apprentice_id))
    post_form(mentor, f"/log/{entry_id}/query", {"comment": "Which course was this for?"})
    post_form(apprentice, f"/log/{entry_id}/answer", {"response": "The provider's first aid day."}, page="/apprentice")
    post_form(apprentice, "/notifications/preferences", {"frequency": "daily"})
    assert sign_in(app.test_client(), JORDAN, "not-the-password").status_code == 200  # a failed sign-in
    post_form(app.test_client(), "/password/forgotten", {"email": JORDAN})  # a reset link, emailed
    with app.test_request_context():
        coordinator = as_user("coordinator@example.org")
        person = db.session.get(Apprentice, apprentice_id)
        apprentices.start_break(coordinator, person, day - timedelta(days=60), day - timedelta(days=20), "Surgery")
        apprentices.end_break(coordinator, person, day - timedelta(days=25))
        # Interested in another employer's placement (the demo has none Jordan could still join).
        other = db.session.scalar(sa.select(Placement.id).where(Placement.id.not_in(
            sa.select(PlacementAssignment.placement_id).where(PlacementAssignment.apprentice_id == apprentice_id)))
            .order_by(Placement.id).limit(1))
        db.session.add(PlacementInterest(placement_id=other, apprentice_id=apprentice_id))
        locked = db.session.scalar(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == apprentice_id, ProgressReview.locked_at.is_not(None))
            .order_by(ProgressReview.scheduled_date.desc()).limit(1))
        reviews.reopen(coordinator, locked, "The employer's comments were missing.")
        evidence.attach(coordinator, evidence.prepare([evidence.Upload("training-plan.pdf", REVIEW_PDF)],
                                                      apprentice_id, 0), review=locked)
        # Demo accounts cannot turn on two-factor sign-in: its secrets are set here, to prove they stay out.
        user = db.session.get(User, user_id)
        user.totp_secret, user.calendar_token_hash = TOTP_SECRET, "ca1e" * 16
        db.session.add(RecoveryCode(user_id=user_id, code_hash=RECOVERY_HASH))
        review_id = locked.id
        db.session.commit()
    return {"apprentice_id": apprentice_id, "user_id": user_id, "entry_id": entry_id, "review_id": review_id}


def held_about(apprentice_id: int, user_id: int, secret: str) -> dict[str, set]:
    """What the database holds about the apprentice, table by table (primary keys), read here
    independently of the export."""
    entries = sa.select(LogEntry.id).where(LogEntry.apprentice_id == apprentice_id)
    held_reviews = sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == apprentice_id)
    person = db.session.get(Apprentice, apprentice_id)
    user = db.session.get(User, user_id)

    def ids(query) -> set:
        return {tuple(row) if len(row) > 1 else row[0] for row in db.session.execute(query)}

    placed = sa.select(PlacementAssignment.placement_id).where(PlacementAssignment.apprentice_id == apprentice_id)
    liked = sa.select(PlacementInterest.placement_id).where(PlacementInterest.apprentice_id == apprentice_id)
    signing = sa.select(ProgressReview.signing_mentor_id).where(ProgressReview.apprentice_id == apprentice_id)
    return {
        "apprentices": {apprentice_id},
        "apprentice_status_changes": ids(sa.select(StatusChange.id).where(StatusChange.apprentice_id == apprentice_id)),
        "breaks_in_learning": ids(sa.select(BreakInLearning.id).where(BreakInLearning.apprentice_id == apprentice_id)),
        "mentors": ids(sa.select(Mentor.id).where(sa.or_(Mentor.id == person.mentor_id, Mentor.id.in_(signing)))),
        "placements": ids(sa.select(Placement.id).where(sa.or_(Placement.id.in_(placed), Placement.id.in_(liked)))),
        "placement_assignments": ids(sa.select(PlacementAssignment.id)
                                     .where(PlacementAssignment.apprentice_id == apprentice_id)),
        "placement_interests": ids(sa.select(PlacementInterest.id)
                                   .where(PlacementInterest.apprentice_id == apprentice_id)),
        "log_entries": ids(entries),
        "log_entry_ksbs": ids(sa.select(log_entry_ksbs.c.entry_id, log_entry_ksbs.c.ksb_id)
                              .where(log_entry_ksbs.c.entry_id.in_(entries))),
        "log_entry_revisions": ids(sa.select(LogEntryRevision.id).where(LogEntryRevision.entry_id.in_(entries))),
        "log_day_totals": ids(sa.select(LogDayTotal.apprentice_id, LogDayTotal.activity_date)
                              .where(LogDayTotal.apprentice_id == apprentice_id)),
        "progress_reviews": ids(held_reviews),
        "review_actions": ids(sa.select(ReviewAction.id).where(ReviewAction.review_id.in_(held_reviews))),
        "review_signoffs": ids(sa.select(ReviewSignoff.id).where(ReviewSignoff.review_id.in_(held_reviews))),
        "review_reopenings": ids(sa.select(ReviewReopening.id).where(ReviewReopening.review_id.in_(held_reviews))),
        "evidence_files": ids(sa.select(EvidenceFile.id).where(EvidenceFile.apprentice_id == apprentice_id)),
        "notifications": ids(sa.select(Notification.id).where(sa.or_(Notification.user_id == user_id,
                                                                    Notification.apprentice_id == apprentice_id))),
        "notification_preferences": ids(sa.select(NotificationPreference.user_id)
                                        .where(NotificationPreference.user_id == user_id)),
        "users": {user_id},
        "user_sessions": ids(sa.select(UserSession.id).where(UserSession.user_id == user_id)),
        "recovery_codes": ids(sa.select(RecoveryCode.id).where(RecoveryCode.user_id == user_id)),
        "password_resets": ids(sa.select(PasswordReset.id).where(PasswordReset.user_id == user_id)),
        "sign_in_failures": ids(sa.select(SignInFailure.id).where(SignInFailure.account_key == account_key(
            user.email, secret))),
        "outbox_messages": ids(sa.select(OutboxMessage.id).where(OutboxMessage.recipient == user.email)),
        "audit_events": ids(sa.select(AuditEvent.id).where(sa.or_(
            AuditEvent.apprentice_id == apprentice_id, AuditEvent.user_id == user_id,
            AuditEvent.actor_id == user_id))),
        # The demo's levy pays for their training: the funding and its payments so far.
        "levy_fundings": ids(sa.select(LevyFunding.id).where(LevyFunding.apprentice_id == apprentice_id)),
        "levy_transactions": ids(sa.select(LevyTransaction.id).where(LevyTransaction.apprentice_id == apprentice_id)),
    }


KEYS = {"log_entry_ksbs": ("entry_id", "ksb_id"), "log_day_totals": ("apprentice_id", "activity_date"),
        "notification_preferences": ("user_id",)}


def keys_of(table: str, rows: list[dict]) -> set:
    names = KEYS.get(table, ("id",))
    found = {tuple(row[n] for n in names) for row in rows}
    if table == "log_day_totals":
        found = {(a, date.fromisoformat(d)) for a, d in found}
    return {k[0] if len(k) == 1 else k for k in found}


def test_a_coordinator_downloads_everything_held_about_an_apprentice(app, coordinator_client, full_record):
    apprentice_id, user_id = full_record["apprentice_id"], full_record["user_id"]
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
    files = unzip(coordinator_client.get(f"/apprentices/{apprentice_id}/subject-access.zip"))

    # JSON: every table's rows for the apprentice, no more and no fewer.
    document = json.loads(files["data.json"])
    records = document["records"]
    assert list(records) == list(subject_access.EXPORTED)
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.id > before,
                                                              AuditEvent.action == "apprentice.exported"))
        # The download's own audit event is recorded once the ZIP is made: the next copy holds it.
        held = held_about(apprentice_id, user_id, app.config["SECRET_KEY"])
        held["audit_events"].remove(event.id)
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email == "coordinator@example.org"))
        columns = {table: {c.name for c in db.metadata.tables[table].c} for table in records}
    for table, rows in records.items():
        assert held[table], f"the test should give {table} a row to export"
        assert keys_of(table, rows) == held[table], table
        if table not in ("mentors", "placements"):  # those: the parts about the apprentice only
            withheld = set(subject_access.WITHHELD.get(table, {})) - {"personalisation"}
            assert set(rows[0]) >= columns[table] - withheld, f"{table}: columns left out"

    # The export is audited: who, which apprentice, how much; never the personal data.
    assert event.actor_id == coordinator_id and (event.subject_type, event.subject_id) == ("apprentices", apprentice_id)
    assert event.details["by"] == "coordinator" and event.details["files"] == 2
    assert "Jordan" not in json.dumps(event.details)

    # The readable report names their entries, the query and answer, the review reopened, the files.
    report = files["report.html"].decode()
    soup = BeautifulSoup(report, "html.parser")
    assert soup.h1.get_text() == "Everything held about Jordan Ellis"
    # A long page: its contents list leads to every section, in order.
    contents = soup.find("nav", attrs={"aria-labelledby": "contents-title"})
    sections = [h2 for h2 in soup.find_all("h2") if h2.get("id") != "contents-title"]
    assert [(a["href"], a.get_text()) for a in contents.find_all("a")] == \
        [(f"#{h2['id']}", h2.get_text()) for h2 in sections]
    assert len(sections) >= 10 and sections[0].get_text() == "About this copy"
    text = text_of(soup)
    for words in ("First aid course", "Which course was this for?", "The provider's first aid day.",
                  "The employer's comments were missing.", "first-aid-certificate.pdf", "training-plan.pdf",
                  "Surgery", "Warehouse systems developer at Kestrel Logistics Ltd", "Priya Shah, mentor",
                  "Agreed to be named on shared summaries", "Other people in your record"):
        assert words in text, words
    entry = soup.find(id=f"entry-{full_record['entry_id']}")
    assert entry.h3.get_text() == f"{date.today() - timedelta(days=2):%-d %B %Y}: Training course, 1.5 hours"
    assert "Question Which course was this for?" in text_of(entry)
    assert "Your answer The provider's first aid day." in text_of(entry)
    # Its history in plain English: the choices' labels, hours as every page writes them.
    history = [text_of(item) for item in entry.find("h4", string="History").find_next("ul").find_all("li")]
    added = next(line for line in history if line.startswith("Added "))
    assert "by Jordan Ellis" in added
    for words in ("Activity: Training course", "Hours: 1.5 hours", "Off the job: yes"):
        assert words in added, added
    assert any(line.startswith("Queried ") and "Question: Which course was this for?" in line for line in history)
    assert not any(raw in text_of(entry) for raw in ("training_course", "minutes:", "activity type"))
    # Who looked at or changed the record, in the audit log's own sentences, never a table's name and id.
    audit_log = soup.find(id="audit").find_next("table")
    lines = [text_of(row.find("td", attrs={"data-label": "What happened"})) for row in audit_log.tbody.find_all("tr")]
    assert "You added an entry to your own log" in lines
    assert "Alex Morgan, programme coordinator, reopened one of your progress reviews" in lines
    assert "Priya Shah, mentor, queried an entry in your log" in lines
    assert not any(table in text_of(audit_log) for table in ("apprentices ", "log_entries", "progress_reviews"))
    # On a phone no table is wide: each row stacks, every cell under its column's name.
    for table in soup.find_all("table"):
        assert len(table.thead.find_all("th")) <= 5
        assert all(cell.get("data-label") for cell in table.tbody.find_all("td"))
    assert "td[data-label]::before" in soup.style.get_text()
    assert "your evidence files, in the evidence folder" in text and "There are no evidence files" not in text
    # Escaped, self-contained, and nothing in it runs.
    assert "<script" not in report and "&lt;script&gt;alert(" in report
    assert not soup.find(src=True) and not soup.find("link")
    assert all(not a["href"].startswith(("http:", "https:", "//")) for a in soup.find_all("a", href=True))

    # The evidence files themselves, linked from the report.
    [certificate] = [n for n in files if n.startswith("evidence/") and n.endswith("-first-aid-certificate.pdf")]
    [plan] = [n for n in files if n.startswith("evidence/") and n.endswith("-training-plan.pdf")]
    assert files[certificate] == PDF and files[plan] == REVIEW_PDF
    assert soup.find("a", href=certificate)

    # A CSV for every table, each cell safe to open in a spreadsheet.
    for table in subject_access.EXPORTED:
        rows = list(csv.DictReader(io.StringIO(files[f"csv/{table}.csv"].decode())))
        assert len(rows) == len(records[table]), table
    [mine] = [r for r in csv.DictReader(io.StringIO(files["csv/log_entries.csv"].decode()))
              if r["id"] == str(full_record["entry_id"])]
    assert mine["description"] == "'" + DESCRIPTION


def test_no_other_apprentice_and_no_security_secret_is_in_the_export(app, coordinator_client, full_record):
    apprentice_id, user_id = full_record["apprentice_id"], full_record["user_id"]
    files = unzip(coordinator_client.get(f"/apprentices/{apprentice_id}/subject-access.zip"))
    text = "\n".join(content.decode() for name, content in files.items() if not name.startswith("evidence/"))
    with app.app_context():
        others = db.session.execute(sa.select(Apprentice.first_name, Apprentice.last_name, Apprentice.email)
                                    .where(Apprentice.id != apprentice_id)).all()
        # Yusuf Ali is proposed for Jordan's placement, and in Jordan's cohort.
        assert ("Yusuf", "Ali") in {(o.first_name, o.last_name) for o in others}
        user = db.session.get(User, user_id)
        secrets = [user.password_hash, TOTP_SECRET, user.calendar_token_hash, RECOVERY_HASH,
                   *db.session.scalars(sa.select(UserSession.token_hash).where(UserSession.user_id == user_id)),
                   *db.session.scalars(sa.select(PasswordReset.token_hash).where(PasswordReset.user_id == user_id))]
        [reset_email] = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.template == "password_reset"))
        reset_link = reset_email.personalisation["link"]
        failed_from = db.session.scalar(sa.select(SignInFailure.client_address))
    for first, last, email in others:
        assert f"{first} {last}" not in text, f"{first} {last} is in the export"
        assert not email or email not in text
    for secret in secrets:
        assert secret and secret not in text
    assert reset_link not in text and "(withheld: a link)" in text
    assert failed_from not in json.dumps(json.loads(files["data.json"])["records"]["sign_in_failures"])
    report = text_of(BeautifulSoup(files["report.html"], "html.parser"))
    assert "the scrambled form (hash) of your password" in report and "No other apprentice's name" in report
    assert "Two-factor sign-in On since" not in report  # the secret was set, but it was never turned on


def test_an_apprentice_downloads_their_own_copy_from_their_home_page(app, apprentice_client):
    apprentice_id, user_id = jordan(app)
    home = page(apprentice_client.get("/apprentice"))
    link = home.find("a", string="Download a copy of your data (ZIP file)")
    assert link["href"] == f"/apprentices/{apprentice_id}/subject-access.zip"
    files = unzip(apprentice_client.get(link["href"]))
    report = text_of(BeautifulSoup(files["report.html"], "html.parser"))
    assert "Everything held about Jordan Ellis" in report and "by you." in report
    # Jordan has attached no evidence: the report does not promise an evidence folder.
    with app.app_context():
        assert not db.session.scalar(sa.select(EvidenceFile.id).where(EvidenceFile.apprentice_id == apprentice_id))
    assert not [name for name in files if name.startswith("evidence/")]
    assert "There are no evidence files." in report and "your evidence files, in the evidence folder" not in report
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "apprentice.exported"))
        assert (event.actor_id, event.subject_id, event.details["by"]) == (user_id, apprentice_id, "apprentice")
    # Another apprentice's copy does not exist for them, nor for the demo mentor and employer.
    with app.app_context():
        yusuf = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Yusuf"))
    assert apprentice_client.get(f"/apprentices/{yusuf}/subject-access.zip").status_code == 404


def test_an_apprentice_whose_apprenticeship_has_ended_can_still_download_their_copy(app, apprentice_client):
    apprentice_id, _ = jordan(app)
    with app.test_request_context():
        apprentices.complete(as_user("coordinator@example.org"), db.session.get(Apprentice, apprentice_id),
                             date.today())
        db.session.commit()
    files = unzip(apprentice_client.get(f"/apprentices/{apprentice_id}/subject-access.zip"))
    assert "Completed" in text_of(BeautifulSoup(files["report.html"], "html.parser"))


def test_a_file_still_waiting_for_the_virus_check_is_listed_but_not_included(app, coordinator_client):
    apprentice_id, _ = jordan(app)
    with app.test_request_context():
        entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == apprentice_id).limit(1))
        [file] = evidence.attach(as_user("coordinator@example.org"),
                                 evidence.prepare([evidence.Upload("payslip.pdf", PDF)], apprentice_id, 0), entry=entry)
        file.scan_status = ScanStatus.PENDING
        db.session.commit()
    files = unzip(coordinator_client.get(f"/apprentices/{apprentice_id}/subject-access.zip"))
    assert not [name for name in files if name.startswith("evidence/")]
    report = text_of(BeautifulSoup(files["report.html"], "html.parser"))
    assert "payslip.pdf" in report and "Not included: it is still waiting for the virus check." in report
    assert "There are no evidence files in this copy: see “Evidence files” below for why." in report


@pytest.mark.parametrize("role", ["mentor", "employer"])
def test_a_mentor_or_an_employer_cannot_download_it_even_for_an_apprentice_they_see(app, signed_in, role):
    apprentice_id, _ = jordan(app)  # the demo mentor's mentee, on the demo employer's placement
    client = signed_in(role)
    if role == "mentor":
        assert client.get(f"/apprentices/{apprentice_id}").status_code == 200
    assert client.get(f"/apprentices/{apprentice_id}/subject-access.zip").status_code == 404
    with app.app_context():
        assert not db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "apprentice.exported"))


def test_the_apprentices_record_offers_the_download_to_coordinators_only(app, coordinator_client, mentor_client):
    apprentice_id, _ = jordan(app)
    soup = page(coordinator_client.get(f"/apprentices/{apprentice_id}"))
    button = soup.find("a", string="Download everything held about this apprentice (subject access)")
    assert button["href"] == f"/apprentices/{apprentice_id}/subject-access.zip" and "govuk-button" in button["class"]
    assert "within one month" in text_of(button.find_previous("p"))
    assert coordinator_client.get("/apprentices/999999/subject-access.zip").status_code == 404
    assert "subject access" not in text_of(page(mentor_client.get(f"/apprentices/{apprentice_id}")))


def test_the_export_runs_the_same_number_of_statements_however_big_the_record(app, coordinator_client, full_record):
    apprentice_id = full_record["apprentice_id"]
    path = f"/apprentices/{apprentice_id}/subject-access.zip"
    small = statements_for(app, coordinator_client, path)
    with app.app_context():
        coordinator = as_user("coordinator@example.org")
        start = db.session.scalar(sa.select(Apprentice.start_date).where(Apprentice.id == apprentice_id))
        busy = set(db.session.scalars(sa.select(LogEntry.activity_date).where(LogEntry.apprentice_id == apprentice_id)))
        days = [start + timedelta(days=n) for n in range(400) if start + timedelta(days=n) not in busy][:40]
        for n, day in enumerate(days):
            entry = LogEntry(apprentice_id=apprentice_id, activity_date=day, activity_type=ActivityType.STUDY_TIME,
                             minutes=60, description=f"Study {n}", status=VerificationStatus.PENDING,
                             created_by_id=coordinator.id)
            db.session.add(entry)
            db.session.add(LogEntryRevision(entry=entry, action="created", changed_by_id=coordinator.id))
            db.session.add(EvidenceFile(apprentice_id=apprentice_id, log_entry=entry, filename=f"notes-{n}.pdf",
                                        media_type="application/pdf", size_bytes=len(PDF),
                                        digest=evidence.storage().put(PDF + str(n).encode())[0]))
        db.session.commit()
    assert statements_for(app, coordinator_client, path) == small
    assert small <= 40
