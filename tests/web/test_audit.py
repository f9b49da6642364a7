"""The audit trail: every event names the person acted on; every view of an apprentice's record is
logged; the coordinator's audit page (filters, pages, CSV) reads it in plain English; the database
refuses to change an event."""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AuditEvent,
    BreakInLearning,
    LogEntry,
    LogEntryRevision,
    Notification,
    NotificationKind,
    PlacementAssignment,
    ProgressReview,
    ReviewAction,
    ReviewSignoff,
    StatusChange,
    User,
)
from apprenticeships.services import audit

from ..helpers import page, post_form, sql_statements, text_of
from .test_apprentices import errors
from .test_evidence import attach_directly

JORDAN = 1  # the demo apprentice (apprentice@example.org), a mentee of the demo mentor
COORDINATOR = "Alex Morgan"


def events_about(app, apprentice_id: int = JORDAN) -> list[AuditEvent]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.apprentice_id == apprentice_id)
                                        .order_by(AuditEvent.id)))
        db.session.expunge_all()
        return found


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def latest(app) -> AuditEvent:
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        db.session.expunge_all()
        return event


def add_events(app, count: int, *, action: str = "apprentice.viewed", apprentice_id: int | None = JORDAN,
               actor_email: str = "coordinator@example.org", at: datetime | None = None) -> None:
    """Events written straight to the table, as the app would, `count` of them, a minute apart."""
    start = at or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    actor = user_id(app, actor_email)
    with app.app_context():
        db.session.execute(sa.insert(AuditEvent), [
            {"occurred_at": start + timedelta(minutes=n), "actor_id": actor, "action": action,
             "subject_type": "apprentices", "subject_id": apprentice_id, "apprentice_id": apprentice_id,
             "details": {}} for n in range(count)])
        db.session.commit()


def forget_the_demos_history(app) -> None:
    """Start from an empty log: the demo's own history (services/demo.py) is in the way of exact lists.
    Deleting is what retention does; the app has no other way to."""
    with app.app_context():
        db.session.execute(sa.delete(AuditEvent))
        db.session.commit()


def sentences(soup) -> list[str]:
    return [text_of(row.select("td")[1]) for row in soup.select("#audit-events tbody tr")]


# Who was acted on ------------------------------------------------------------------------------


def test_each_kind_of_record_names_the_apprentice_it_belongs_to(demo_db):
    jordan = db.session.get(Apprentice, JORDAN)
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    account = db.session.scalar(sa.select(User).where(User.apprentice_id == JORDAN))
    entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == JORDAN).limit(1))
    review = db.session.scalar(sa.select(ProgressReview).where(ProgressReview.apprentice_id == JORDAN).limit(1))
    action = ReviewAction(review_id=review.id, description="Read up", owner="Jordan", due_date=date(2026, 5, 1))
    revision = LogEntryRevision(entry_id=entry.id, action="edited", changes={})
    placed = db.session.scalar(sa.select(PlacementAssignment).where(PlacementAssignment.apprentice_id == JORDAN))
    pause = BreakInLearning(apprentice_id=JORDAN, start_date=date(2026, 1, 5), expected_return_date=date(2026, 2, 5),
                            reason="test")
    change = db.session.scalar(sa.select(StatusChange).where(StatusChange.apprentice_id == JORDAN).limit(1))
    notice = Notification(user_id=coordinator.id, kind=NotificationKind.ENTRY_QUERIED, apprentice_id=JORDAN)
    db.session.add_all([action, revision, pause, notice])
    db.session.flush()
    for subject in (jordan, entry, review, action, revision, placed, pause, change, notice):
        event = audit.record(coordinator, "test.touched", subject)
        assert (event.apprentice_id, event.user_id) == (JORDAN, None), subject.__class__.__name__
    event = audit.record(coordinator, "user.deactivated", account)
    assert (event.apprentice_id, event.user_id) == (JORDAN, account.id)
    event = audit.record(coordinator, "user.deactivated", coordinator)  # an account that is no apprentice
    assert (event.apprentice_id, event.user_id) == (None, coordinator.id)
    event = audit.record(coordinator, "cohort.archived", jordan.cohort)  # about no one person
    assert (event.apprentice_id, event.user_id) == (None, None)


def test_a_change_through_the_app_names_the_apprentice(app, apprentice_client):
    forget_the_demos_history(app)
    post_form(apprentice_client, "/log", {
        "activity_date": [str((date.today() - timedelta(days=1)).day), str((date.today() - timedelta(days=1)).month),
                          str((date.today() - timedelta(days=1)).year)],
        "activity_type": "study_time", "off_the_job": "yes", "minutes": "1", "description": "Read a chapter"},
        page="/apprentice")
    created = [e for e in events_about(app) if e.action == "log_entry.created"]
    assert len(created) == 1 and created[0].subject_type == "log_entries"
    assert created[0].actor_id == user_id(app, "apprentice@example.org")


def test_the_migration_fills_in_the_person_for_events_already_in_the_log(app, monkeypatch):
    """Events written before the column existed (as 0010 found them) get their person from their record."""
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0010_audit_trail.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        entry_id = db.session.scalar(sa.select(LogEntry.id).where(LogEntry.apprentice_id == JORDAN).limit(1))
        account = db.session.scalar(sa.select(User.id).where(User.apprentice_id == JORDAN))
        connection = db.session.connection()
        # The trigger is made after the fill: dropped here (and rolled back) to find the table as the fill did.
        connection.exec_driver_sql("DROP TRIGGER audit_events_unchangeable" + (
            " ON audit_events" if connection.dialect.name == "postgresql" else ""))
        for subject_type, subject_id in (("log_entries", entry_id), ("users", account), ("cohorts", 1)):
            db.session.add(AuditEvent(action="old", subject_type=subject_type, subject_id=subject_id, details={}))
        db.session.flush()
        monkeypatch.setattr(migration, "op", _SqlOnly(connection))
        migration._backfill()
        filled = db.session.execute(sa.select(AuditEvent.subject_type, AuditEvent.apprentice_id, AuditEvent.user_id)
                                    .where(AuditEvent.action == "old").order_by(AuditEvent.id)).all()
        db.session.rollback()
    assert [tuple(row) for row in filled] == [("log_entries", JORDAN, None), ("users", JORDAN, account),
                                               ("cohorts", None, None)]


class _SqlOnly:
    """Alembic's `op.execute`, on a plain connection (the fill is plain SQL)."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def execute(self, sql: str) -> None:
        self.connection.exec_driver_sql(sql)


# Views are logged ------------------------------------------------------------------------------


def test_each_page_of_an_apprentices_record_logs_who_looked_at_it(app, signed_in):
    coordinator, mentor = signed_in("coordinator"), signed_in("mentor")
    with app.app_context():
        entry = db.session.scalar(sa.select(LogEntry.id).where(LogEntry.apprentice_id == JORDAN).limit(1))
        review = db.session.scalar(sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == JORDAN).limit(1))
        account = db.session.scalar(sa.select(User.id).where(User.apprentice_id == JORDAN))
    before = len(events_about(app))
    for client, path in ((coordinator, f"/apprentices/{JORDAN}"), (mentor, f"/apprentices/{JORDAN}/log"),
                         (mentor, f"/apprentices/{JORDAN}/evidence"), (coordinator, f"/log/{entry}"),
                         (mentor, f"/reviews/{review}"), (coordinator, f"/users/{account}")):
        assert client.get(path).status_code == 200, path
    viewed = events_about(app)[before:]
    coordinator_id, mentor_id = user_id(app, "coordinator@example.org"), user_id(app, "mentor@example.org")
    assert [(e.actor_id, e.action, e.subject_type) for e in viewed] == [
        (coordinator_id, "apprentice.viewed", "apprentices"),
        (mentor_id, "apprentice.log_viewed", "apprentices"),
        (mentor_id, "apprentice.evidence_viewed", "apprentices"),
        (coordinator_id, "log_entry.viewed", "log_entries"),
        (mentor_id, "review.viewed", "progress_reviews"),
        (coordinator_id, "user.viewed", "users"),
    ]
    assert all(e.details == {} for e in viewed)  # nothing read is copied into the log


def test_a_download_and_an_employers_look_at_a_proposal_are_logged(app, signed_in):
    with app.app_context():
        entry = db.session.scalar(sa.select(LogEntry.id).where(LogEntry.apprentice_id == JORDAN).limit(1))
        proposal = db.session.get(PlacementAssignment, 6)
        proposed = proposal.apprentice_id
    file_id = attach_directly(app, entry_id=entry)
    assert signed_in("mentor").get(f"/evidence/{file_id}").status_code == 200
    assert latest(app).action == "evidence.downloaded" and latest(app).apprentice_id == JORDAN
    assert signed_in("employer").get("/placements/proposals/6").status_code == 200
    event = latest(app)
    assert (event.action, event.apprentice_id, event.actor_id) == (
        "placement.proposal_viewed", proposed, user_id(app, "employer@example.org"))


def test_an_apprentice_looking_at_their_own_record_is_logged_too(app, apprentice_client):
    apprentice_client.get("/apprentice")
    event = latest(app)
    assert (event.action, event.apprentice_id, event.actor_id) == (
        "apprentice.home_viewed", JORDAN, user_id(app, "apprentice@example.org"))


def test_a_page_that_is_refused_logs_no_view(app, signed_in):
    before = len(events_about(app))
    assert signed_in("employer").get(f"/apprentices/{JORDAN}").status_code == 403
    assert signed_in("mentor").get("/apprentices/999999").status_code == 404
    assert len(events_about(app)) == before


def test_a_page_whose_view_cannot_be_logged_is_not_shown(app, coordinator_client):
    """The view's event and the page go together: if the log refuses it, the page is not sent."""
    with app.app_context():
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_views() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE unique_violation USING MESSAGE = 'refused for the test'; END $$")
            connection.exec_driver_sql("CREATE TRIGGER refuse_views BEFORE INSERT ON audit_events FOR EACH ROW "
                                       "WHEN (NEW.action = 'apprentice.viewed') EXECUTE FUNCTION refuse_views()")
        else:
            connection.exec_driver_sql("CREATE TRIGGER refuse_views BEFORE INSERT ON audit_events "
                                       "WHEN NEW.action = 'apprentice.viewed' "
                                       "BEGIN SELECT RAISE(ABORT, 'refused'); END")
        db.session.commit()
    response = coordinator_client.get(f"/apprentices/{JORDAN}", headers={"Referer": "http://localhost/cohorts"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/cohorts")
    shown = page(coordinator_client.get(response.headers["Location"]))
    assert "The service was too busy to show that page" in text_of(shown)
    assert "Jordan Ellis" not in text_of(shown.select_one("main"))


# The audit page ---------------------------------------------------------------------------------


def test_the_audit_page_reads_events_in_plain_english(app, coordinator_client, mentor_client):
    mentor_client.get(f"/apprentices/{JORDAN}/log")
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
        audit.record(coordinator, "apprentice.withdrawn", db.session.get(Apprentice, JORDAN))
        audit.record(coordinator, "apprentice.edited", db.session.get(Apprentice, JORDAN),
                     fields=["job_title", "team"])
        db.session.commit()
    soup = page(coordinator_client.get("/audit"))
    lines = sentences(soup)
    assert lines[:3] == [f"{COORDINATOR} changed Jordan Ellis’s details",
                         f"{COORDINATOR} changed the status of Jordan Ellis’s record to withdrawn",
                         "Priya Shah viewed Jordan Ellis’s log"]
    first = soup.select("#audit-events tbody tr")[0].select("td")
    assert text_of(first[2]) == "job title, team"  # the fields' names, never their values
    assert "Audit log" in [text_of(a) for a in soup.select(".govuk-service-navigation__link")]


def test_an_apprentices_record_links_to_who_has_looked_at_or_changed_it(app, coordinator_client, mentor_client):
    # Mentors see the record but not its audit trail.
    assert page(mentor_client.get(f"/apprentices/{JORDAN}")).select_one("#audit") is None
    link = page(coordinator_client.get(f"/apprentices/{JORDAN}")).select_one("#audit + p a")
    assert link["href"] == f"/audit?apprentice={JORDAN}"
    mentor_client.get(f"/apprentices/{JORDAN}/log")
    soup = page(coordinator_client.get(link["href"]))
    assert text_of(soup.select_one("h1")) == "Who has looked at or changed Jordan Ellis’s record"
    assert sentences(soup)[:3] == ["Priya Shah viewed Jordan Ellis’s log",
                                   f"{COORDINATOR} viewed Jordan Ellis’s record",
                                   "Priya Shah viewed Jordan Ellis’s record"]
    # Reading the trail is itself a look at the record, shown the next time.
    event = latest(app)
    assert (event.action, event.apprentice_id) == ("apprentice.audit_viewed", JORDAN)
    assert sentences(page(coordinator_client.get(link["href"])))[0] == (
        f"{COORDINATOR} viewed who has looked at or changed Jordan Ellis’s record")


def test_an_apprentices_own_views_read_as_their_own(app, coordinator_client, apprentice_client):
    apprentice_client.get("/apprentice")
    lines = sentences(page(coordinator_client.get(f"/audit?apprentice={JORDAN}")))
    assert lines[0] == "Jordan Ellis viewed their own home page (progress, log and reviews)"


def test_filters_by_person_actor_kind_and_date(app, coordinator_client):
    forget_the_demos_history(app)
    add_events(app, 2, apprentice_id=JORDAN, at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    add_events(app, 3, apprentice_id=2, actor_email="mentor@example.org", at=datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
    add_events(app, 1, action="apprentice.edited", apprentice_id=2, at=datetime(2026, 3, 5, 23, 30, tzinfo=UTC))

    def shown(query: str) -> list[str]:
        return sentences(page(coordinator_client.get("/audit?" + query)))

    with app.app_context():
        amara = db.session.get(Apprentice, 2).full_name
    assert shown(f"apprentice={JORDAN}") == [f"{COORDINATOR} viewed Jordan Ellis’s record"] * 2
    assert shown("person=" + amara.split()[0].lower()) == (
        [f"{COORDINATOR} changed {amara}’s details"] + [f"Priya Shah viewed {amara}’s record"] * 3)
    assert shown("actor=PRIYA") == [f"Priya Shah viewed {amara}’s record"] * 3
    assert shown("kind=change&person=" + amara) == [f"{COORDINATOR} changed {amara}’s details"]
    assert shown("kind=apprentice.edited") == [f"{COORDINATOR} changed {amara}’s details"]
    # 23:30 UTC on 5 March is still 5 March in the UK (GMT): dates are UK days.
    assert len(shown("date_from=4&date_from=3&date_from=2026&date_to=5&date_to=3&date_to=2026")) == 4
    soup = page(coordinator_client.get("/audit?date_from=3&date_from=3&date_from=2026&date_to=3&date_to=3"
                                       "&date_to=2026&kind=view"))
    assert text_of(soup.select_one("#audit-nothing")).startswith("No events match")
    # The page says which filters it applied, and keeps them open to change.
    assert text_of(soup.select_one("#audit-filters-in-use")) == (
        "Filtered by: kind of event: Looked at (viewed or downloaded); from 3 March 2026; to 3 March 2026."
        " Clear filters")
    assert soup.select_one("#audit-filters").has_attr("open")
    assert page(coordinator_client.get("/audit")).select_one("#audit-filters-in-use") is None


def test_the_kinds_of_event_are_grouped_by_what_they_are_about(app, coordinator_client):
    soup = page(coordinator_client.get("/audit"))
    select = soup.select_one("select#kind")
    assert [text_of(option) for option in select.find_all("option", recursive=False)] == ["Any kind of event"]
    groups = {group["label"]: [option["value"] for option in group.select("option")]
              for group in select.select("optgroup")}
    assert list(groups)[:3] == ["Every event of one kind", "Data protection (exports, the audit log, anonymising)",
                                "Apprentices’ records"]
    assert groups["Every event of one kind"] == ["view", "export", "change"]
    assert {"log_entry.verified", "log_entry.queried"} <= set(groups["Log entries"])
    assert {"review.signed", "review_action.done"} <= set(groups["Progress reviews"])
    assert {"apprentice.exported", "audit.exported", "apprentice.anonymised"} <= set(
        groups["Data protection (exports, the audit log, anonymising)"])
    assert "user.invited" in groups["User accounts and sign-in"]
    # Every action with a sentence is in exactly one group; no group is empty.
    listed = [value for values in groups.values() for value in values]
    assert sorted(listed) == sorted([*audit.KINDS, *audit.PHRASES]) and all(groups.values())
    # Chosen from a group, it filters and stays chosen, as before.
    forget_the_demos_history(app)
    add_events(app, 1, action="apprentice.edited")
    add_events(app, 2, action="apprentice.viewed")
    soup = page(coordinator_client.get("/audit?kind=apprentice.edited"))
    assert sentences(soup) == [f"{COORDINATOR} changed Jordan Ellis’s details"]
    chosen = soup.select("select#kind option[selected]")
    assert [option["value"] for option in chosen] == ["apprentice.edited"]
    assert chosen[0].parent["label"] == "Apprentices’ records"


@pytest.mark.parametrize("query,field,message", [
    ("date_from=31&date_from=2&date_from=2026", "date_from", "The ‘from’ date must be a real date"),
    ("date_to=1&date_to=1&date_to=99999999999", "date_to", "The ‘to’ date must be a real date"),
    ("date_from=1&date_from=&date_from=2026", "date_from", "The ‘from’ date must include a month"),
    ("date_from=1&date_from=1&date_from=1999", "date_from", "The ‘from’ date must be a year between 2000 and 2100"),
    ("date_from=2&date_from=3&date_from=2026&date_to=1&date_to=3&date_to=2026", "date_to",
     "The ‘to’ date must be the same as or after the ‘from’ date"),
    ("apprentice=99999999999999999999", "apprentice", "There is no apprentice with that number"),
    ("apprentice=999999", "apprentice",
     "There is no apprentice with that number. If their record was deleted, its events are still in the log"),
    ("apprentice=-1", "apprentice", "Apprentice number must be a number, like 42"),
    ("apprentice=%C2%B2", "apprentice", "Apprentice number must be a number, like 42"),
    ("kind=apprentice.shredded", "kind", "Select a kind of event from the list"),
    ("person=" + "x" * 101, "person", "Name of the person acted on must be 100 characters or fewer"),
])
def test_a_filter_that_is_not_right_is_an_error_next_to_it_and_lists_nothing(app, coordinator_client, query,
                                                                             field, message):
    soup = page(coordinator_client.get("/audit?" + query))
    assert errors(soup)[field].startswith(message)
    assert soup.select_one("#audit-events") is None
    assert text_of(soup.select_one("#audit-filter-problem")).startswith("No events are shown")
    assert coordinator_client.get("/audit/events.csv?" + query).mimetype == "text/html"  # the same page, no file


def test_control_characters_in_a_filter_are_dropped(app, coordinator_client):
    add_events(app, 1, actor_email="mentor@example.org")
    assert sentences(page(coordinator_client.get("/audit?actor=pri%00ya&kind=%00view")))[0].startswith("Priya Shah")


def test_the_page_count_and_pages_come_from_the_database(app, coordinator_client):
    add_events(app, 120)
    soup = page(coordinator_client.get(f"/audit?apprentice={JORDAN}"))
    total = len(events_about(app)) - 1  # not the look at this page, noted after it was read
    assert f"Showing 1 to 50 of {total} events" in text_of(soup)
    assert len(soup.select("#audit-events tbody tr")) == 50
    second = soup.select_one(".govuk-pagination__next a")["href"]
    assert f"apprentice={JORDAN}" in second and "page=2" in second
    last = page(coordinator_client.get(f"/audit?apprentice={JORDAN}&page=99999999999"))
    on_the_last = (total + 1) % 50 or 50  # the look at the first page is listed now
    assert len(last.select("#audit-events tbody tr")) == on_the_last  # the last page, not an error


def test_counts_of_a_thousand_or_more_have_a_thousands_separator(app, coordinator_client):
    forget_the_demos_history(app)
    add_events(app, 1234)
    text = text_of(page(coordinator_client.get(f"/audit?apprentice={JORDAN}")))
    assert "Showing 1 to 50 of 1,234 events, newest first." in text
    assert "Download these 1,234 events (CSV)" in text


def test_the_date_filters_are_from_and_to(app, coordinator_client):
    soup = page(coordinator_client.get("/audit"))
    legends = [text_of(fieldset.legend) for fieldset in soup.select("#audit-filters fieldset")]
    assert legends == ["From", "To"]
    # An error in one: the summary names it as a sentence would, and leads to its day box.
    soup = page(coordinator_client.get("/audit?date_from=31&date_from=2&date_from=2026"))
    link = soup.select_one(".govuk-error-summary").find("a", string="The ‘from’ date must be a real date")
    assert link["href"] == "#date_from-day"


def test_the_audit_page_runs_the_same_statements_however_big_the_log(app, coordinator_client):
    path = f"/audit?apprentice={JORDAN}&kind=view&actor=alex"
    coordinator_client.get(path)

    def count() -> int:
        with sql_statements(app, lambda s: s not in ("BEGIN", "BEGIN IMMEDIATE")) as statements:
            assert coordinator_client.get(path).status_code == 200
        return len(statements)

    small = count()
    add_events(app, 300)
    add_events(app, 300, apprentice_id=2)
    assert count() == small
    assert small <= 8


@pytest.mark.parametrize("query", ["kind=view", "kind=apprentice.viewed", "actor=alex", "actor=nobody-at-all",
                                   "kind=change&actor=alex", f"apprentice={JORDAN}&kind=view",
                                   "date_from=1&date_from=6&date_from=2026"])
def test_a_filtered_audit_page_reads_the_log_through_its_indexes(app, coordinator_client, query):
    """Neither the count nor the page reads the whole log for a filter: each finds its events in an index
    (migration 0018), so the page stays quick however long the log grows. (The planner's choices
    are SQLite's here; PostgreSQL chooses from its statistics of the table.)"""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
        engine = db.engine
    sent = []

    def note(_conn, _cursor, statement, parameters, *_args):
        if "FROM audit_events" in statement and statement.lstrip().startswith("SELECT"):
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        soup = page(coordinator_client.get(f"/audit?{query}"))
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert soup.select("#audit-events tbody tr") or soup.select("#audit-nothing")
    assert len(sent) == 2  # the count and the page
    connection = engine.raw_connection()
    try:
        for statement, parameters in sent:
            plan = [row[-1] for row in connection.cursor().execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            reads = [step for step in plan if re.match(r"(SCAN|SEARCH) audit_events\b", step)]
            assert reads and all("USING" in step for step in reads), (query, plan)
    finally:
        connection.close()


def test_the_csv_has_every_filtered_event_made_safe_for_spreadsheets(app, coordinator_client):
    forget_the_demos_history(app)
    add_events(app, 60)
    with app.app_context():
        db.session.get(User, user_id(app, "coordinator@example.org")).name = "=HYPERLINK(\"x\")"
        db.session.commit()
    response = coordinator_client.get(f"/audit/events.csv?apprentice={JORDAN}&kind=view")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.fullmatch(rf'attachment; filename="?audit-events-apprentice-{JORDAN}-\d{{4}}-\d\d-\d\d\.csv"?',
                        response.headers["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == audit.CSV_HEADER
    assert len(rows) == 1 + 60  # every page of them (the download itself is an export, not a view)
    assert rows[-1][:6] == ["2026-03-02 09:00:00", "'=HYPERLINK(\"x\")", "viewed Jordan Ellis’s record", "",
                            "Looked at", "apprentice.viewed"]
    assert rows[-1][6:8] == [str(JORDAN), ""]
    # The download is in the log, with the names of the filters used and not their values.
    exported = [e for e in events_about(app) if e.action == "apprentice.audit_exported"]
    assert len(exported) == 1 and exported[0].details == {"filters": ["apprentice", "kind"]}


def test_a_download_of_the_whole_log_names_no_one(app, coordinator_client):
    coordinator_client.get("/audit/events.csv?person=jordan")
    event = latest(app)
    assert (event.action, event.subject_type, event.apprentice_id, event.details) == (
        "audit.exported", "audit_events", None, {"filters": ["person"]})
    assert "jordan" not in str(event.details).lower()


def test_a_cohort_spreadsheet_is_in_the_trail_of_each_apprentice_in_it(app, coordinator_client):
    with app.app_context():
        cohort, members = db.session.execute(
            sa.select(Apprentice.cohort_id, sa.func.count()).group_by(Apprentice.cohort_id).limit(1)).one()
    coordinator_client.get(f"/cohorts/{cohort}/apprentices.csv").get_data()
    with app.app_context():
        exported = db.session.execute(sa.select(AuditEvent.apprentice_id, AuditEvent.details).where(
            AuditEvent.action == "apprentice.exported_with_cohort")).all()
    assert len(exported) == members and all(details == {"cohort_id": cohort} for _, details in exported)


def test_only_coordinators_see_the_audit_log(signed_in):
    for role in ("mentor", "employer", "apprentice"):
        assert signed_in(role).get("/audit").status_code == 403
        assert signed_in(role).get("/audit/events.csv").status_code == 403


def test_every_action_the_app_records_reads_in_plain_english():
    """An action named in a literal in the code has its own sentence (else it reads as its name)."""
    root = Path(__file__).resolve().parents[2] / "apprenticeships"
    found = set()
    for source in root.rglob("*.py"):
        text = source.read_text()
        found |= set(re.findall(r"audit\.(?:record|viewed|record_each)\([^,]+,\s*\"([a-z_]+\.[a-z_]+)\"", text))
        found |= set(re.findall(r"\"([a-z_]+\.[a-z_]+)\" if \w+ else \"([a-z_]+\.[a-z_]+)\"", text) and
                     [a for pair in re.findall(r"\"([a-z_]+\.[a-z_]+)\" if [\w.]+ else \"([a-z_]+\.[a-z_]+)\"",
                                               text) for a in pair])
    found |= {f"{noun}.{done}" for noun in ("employer", "employer_contact", "mentor", "cohort", "settings", "provider")
              for done in ("created", "edited")}
    missing = sorted(a for a in found if a not in audit.PHRASES and not a.startswith("test."))
    assert missing == []


# The demo's history -------------------------------------------------------------------------------


def test_the_demos_log_holds_the_history_its_records_tell_dated_when_it_happened(app, coordinator_client):
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent)).all()
        by = {(e.action, e.subject_type, e.subject_id): e for e in events}
        assert all(e.occurred_at <= datetime.now(UTC) for e in events)
        for entry in db.session.scalars(sa.select(LogEntry).where(LogEntry.verified_at.is_not(None))):
            verified = by[("log_entry.verified", "log_entries", entry.id)]
            assert (verified.occurred_at, verified.actor_id, verified.apprentice_id) == (
                entry.verified_at, entry.verified_by_id, entry.apprentice_id)
        for signoff in db.session.scalars(sa.select(ReviewSignoff)):
            signed = [e for e in events if e.action == "review.signed" and e.subject_id == signoff.review_id
                      and e.details == {"party": signoff.party.value}]
            assert [(e.occurred_at, e.actor_id) for e in signed] == [(signoff.signed_at, signoff.user_id)]
        for apprentice in db.session.scalars(sa.select(Apprentice)):
            created = by[("apprentice.created", "apprentices", apprentice.id)]
            assert created.occurred_at.date() < apprentice.start_date
        # Nothing personal is copied into the log: ids, field names and counts only.
        assert not any(isinstance(value, str) and " " in value for e in events for value in e.details.values())
    # The coordinator reads it, on the audit page and on Jordan's trail, oldest last.
    lines = sentences(page(coordinator_client.get(f"/audit?apprentice={JORDAN}&page=99999")))
    assert lines[-1] == f"{COORDINATOR} added Jordan Ellis’s record"
    for kind, sentence in (("log_entry.created", "Jordan Ellis added an entry to their own log"),
                           ("log_entry.verified", "Priya Shah verified an entry in Jordan Ellis’s log"),
                           ("review.recorded", f"{COORDINATOR} recorded one of Jordan Ellis’s progress reviews"),
                           ("placement.started", f"{COORDINATOR} recorded the start of Jordan Ellis’s placement")):
        assert sentence in sentences(page(coordinator_client.get(f"/audit?apprentice={JORDAN}&kind={kind}")))


# The log cannot be changed ------------------------------------------------------------------------


def test_the_database_refuses_to_change_an_audit_event(app):
    add_events(app, 1)
    with app.app_context():
        event_id = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        for change in ({"action": "apprentice.edited"}, {"actor_id": None}, {"details": {"fields": ["x"]}},
                       {"apprentice_id": 2}, {"occurred_at": datetime(2020, 1, 1, tzinfo=UTC)}):
            with pytest.raises(DatabaseError, match="audit events cannot be changed"):
                db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event_id).values(**change))
                db.session.flush()
            db.session.rollback()
        # Retention deletes events past the log's own period: a DELETE is not refused.
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event_id))
        db.session.commit()
        assert db.session.get(AuditEvent, event_id) is None


def test_deleting_a_person_keeps_their_events_without_the_link(app):
    """The one change the database makes itself: a deleted person's link is emptied (their ids stay)."""
    with app.app_context():
        model = db.session.get(Apprentice, JORDAN)
        made_in_error = Apprentice(first_name="Made", last_name="In Error", cohort_id=model.cohort_id,
                                   standard_id=model.standard_id, provider_id=model.provider_id,
                                   service_area=model.service_area, contracted_minutes_per_week=37 * 60,
                                   start_date=model.start_date, planned_end_date=model.planned_end_date)
        db.session.add(made_in_error)
        db.session.flush()
        event = audit.record(None, "apprentice.created", made_in_error)
        db.session.commit()
        event_id, person = event.id, made_in_error.id
        db.session.delete(made_in_error)
        db.session.commit()
        kept = db.session.get(AuditEvent, event_id)
        assert (kept.apprentice_id, kept.subject_type, kept.subject_id) == (None, "apprentices", person)


def test_no_route_changes_or_deletes_an_audit_event(app):
    assert [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")
            and r.methods - {"GET", "HEAD", "OPTIONS"}] == []
