"""One transaction a request, one answer to a refusal, one place that picks page or fragment.

A service's refusal (ServiceError) and a commit the database refuses are answered the same
way everywhere: nothing is kept, the person sees why on the page they go back to, and never
a success message or a 500.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from apprenticeships.errors import CLASHED
from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AuditEvent,
    LogEntry,
    Placement,
    PlacementStatus,
    User,
    VerificationStatus,
)
from apprenticeships.services import apprentice_rules

from ..helpers import csrf_token_from, lookup, page, sql_statements, text_of
from .test_import import cohort_name, good_rows, make_csv, upload


def banners(soup) -> list[str]:
    return [" ".join(b.get_text(" ").split()) for b in soup.select(".govuk-notification-banner")]


def token(client, url: str) -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


@contextmanager
def commits_refused():
    """Every commit fails as a unique rule broken by someone else's change at the same moment would."""

    def refuse(_session):
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed (simulated)"))

    event.listen(Session, "before_commit", refuse)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", refuse)


def test_a_refusal_shows_its_message_with_no_success_message_and_changes_nothing(app, employer_client):
    warehouse = lookup(app, sa.select(Placement.id).where(Placement.title == "Warehouse systems developer"))
    audits = lookup(app, sa.select(sa.func.count()).select_from(AuditEvent))
    response = employer_client.post(f"/placements/{warehouse}/withdraw",
                                    data={"csrf_token": token(employer_client, f"/placements/{warehouse}")})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/placements/{warehouse}#main-content"
    shown = banners(page(employer_client.get(response.headers["Location"])))
    assert any("close it when it ends instead." in b for b in shown), shown
    assert not any("withdrawn" in b.lower() for b in shown)
    assert lookup(app, sa.select(Placement.status).where(Placement.id == warehouse)) == PlacementStatus.PUBLISHED
    assert lookup(app, sa.select(sa.func.count()).select_from(AuditEvent)) == audits


def test_a_refused_htmx_request_is_told_to_load_the_page_with_the_message(app, employer_client):
    warehouse = lookup(app, sa.select(Placement.id).where(Placement.title == "Warehouse systems developer"))
    response = employer_client.post(f"/placements/{warehouse}/withdraw", headers={"HX-Request": "true"},
                                    data={"csrf_token": token(employer_client, f"/placements/{warehouse}")})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/placements/{warehouse}"
    assert "close it when it ends instead." in text_of(page(employer_client.get(f"/placements/{warehouse}")))


def _mentor_user(app) -> int:
    return lookup(app, sa.select(User.id).where(User.email == "mentor@example.org"))


@pytest.mark.parametrize("referrer,goes_to", [
    ("http://localhost/verification?page=1", "/verification?page=1"),  # the page the form was on
    ("https://elsewhere.example/verification", "/"),  # another site: never sent there
    ("http://localhost//elsewhere.example/x", "/"),  # a path that a browser reads as another host
    ("http://localhost/log/1/answer", "/"),  # a page that only takes a form
    (None, "/"),
])
def test_after_a_refusal_people_go_back_only_to_a_page_of_this_site(app, coordinator_client, referrer, goes_to):
    # Reactivating names no page to go back to on a refusal, so the page the form was on is used.
    user = _mentor_user(app)
    headers = {"Referer": referrer} if referrer else {}
    csrf = token(coordinator_client, f"/users/{user}")
    with commits_refused():
        response = coordinator_client.post(f"/users/{user}/reactivate", headers=headers, data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"] == goes_to
    shown = banners(page(coordinator_client.get(goes_to, follow_redirects=True)))
    assert any(CLASHED in b for b in shown), shown


def test_a_commit_the_database_refuses_is_a_clear_message_not_a_500_and_no_success(app, employer_client):
    warehouse = lookup(app, sa.select(Placement.id).where(Placement.title == "Warehouse systems developer"))
    csrf = token(employer_client, f"/placements/{warehouse}")
    with commits_refused():
        response = employer_client.post(f"/placements/{warehouse}/close", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/placements/{warehouse}"
    shown = banners(page(employer_client.get(response.headers["Location"])))
    assert any(CLASHED in b for b in shown), shown
    assert not any("has been closed" in b for b in shown)
    assert lookup(app, sa.select(Placement.status).where(Placement.id == warehouse)) == PlacementStatus.PUBLISHED


def test_a_page_is_still_shown_when_its_bookkeeping_cannot_be_saved(employer_client):
    with commits_refused():
        response = employer_client.get("/placements")
    assert response.status_code == 200
    assert "<h1" in response.get_data(as_text=True)


def test_the_fragment_or_the_page_is_picked_by_hx_target_and_always_varies_on_it(coordinator_client):
    fragment = coordinator_client.get("/employers", headers={"HX-Request": "true", "HX-Target": "employer-table"})
    whole = coordinator_client.get("/employers")
    boosted = coordinator_client.get("/employers", headers={"HX-Request": "true", "HX-Target": "main-content"})
    assert "<html" not in fragment.get_data(as_text=True) and "<table" in fragment.get_data(as_text=True)
    for response in (whole, boosted):
        assert "<html" in response.get_data(as_text=True)
    for response in (fragment, whole, boosted):
        assert response.status_code == 200
        assert "HX-Target" in response.headers["Vary"]


def begins(app):
    return sql_statements(app, lambda statement: statement.startswith("BEGIN"))


def test_on_sqlite_a_request_that_may_write_takes_the_write_lock_first(app, employer_client):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's own locking")
    warehouse = lookup(app, sa.select(Placement.id).where(Placement.title == "Warehouse systems developer"))
    csrf = token(employer_client, f"/placements/{warehouse}")
    with begins(app) as reading:
        employer_client.get("/placements")
    with begins(app) as writing:
        employer_client.post(f"/placements/{warehouse}/close", data={"csrf_token": csrf})
    assert reading and set(reading) == {"BEGIN"}
    assert writing and set(writing) == {"BEGIN IMMEDIATE"}


def test_the_import_keeps_the_rules_for_a_valid_apprentice(app, coordinator_client):
    rows = good_rows(cohort_name(app))
    rows[0].update(first_name="Asha\x00", team="\u200b\u200b", contracted_hours_per_week="1e999999")
    rows[1].update(last_name="\u200b ", start_date="1066-10-14")
    summary = text_of(page(upload(coordinator_client, make_csv(rows))).select_one(".govuk-error-summary"))
    assert "Row 2, first_name: First name must not contain control characters" in summary
    assert "Row 2, contracted_hours_per_week: Contracted hours a week must be a number, like 37.5" in summary
    assert "Row 3, last_name: Enter the apprentice’s last name" in summary
    assert "Row 3, start_date: Start date must be a year between 1900 and 2100" in summary


def test_the_rules_take_plain_values_and_say_what_is_wrong_with_each_field(demo_db):
    options = apprentice_rules.Options.load()
    cohort, standard, provider = (min(options.ids[k]) for k in ("cohort_id", "standard_id", "provider_id"))
    good = {"first_name": " Asha ", "last_name": "Green", "email": "Asha@Example.org", "uln": "", "team": None,
            "job_title": "", "cohort_id": str(cohort), "standard_id": standard, "provider_id": provider,
            "mentor_id": "", "service_area": "data", "contracted_minutes_per_week": 37 * 60 + 30,
            "start_date": date(2026, 9, 7), "planned_end_date": date(2028, 9, 7), "consent_to_be_named": "no"}
    checked = apprentice_rules.check(good, options=options)
    assert checked.ok, checked.problems
    assert (checked.values["first_name"], checked.values["email"], checked.values["cohort_id"],
            checked.values["mentor_id"], checked.values["consent_to_be_named"]) == (
        "Asha", "asha@example.org", cohort, None, False)

    bad = {**good, "first_name": "\u200b", "cohort_id": "\u00b2", "mentor_id": "99999999999999999999",
           "contracted_minutes_per_week": 30, "planned_end_date": date(2027, 1, 1), "consent_to_be_named": "maybe"}
    assert apprentice_rules.check(bad, options=options).problems == {
        "first_name": "Enter the apprentice’s first name",
        "cohort_id": "Select a cohort",
        "mentor_id": "Select a mentor from the list",
        "contracted_minutes_per_week": "Contracted hours must be between 1 and 60 a week",
        "planned_end_date": "Planned end date must be at least 8 months after the start date",
        "consent_to_be_named": "Select yes if they have agreed to be named",
    }


def test_a_message_after_a_redirect_is_in_view_at_the_top_of_the_page(app, apprentice_client):
    verified = lookup(app, sa.select(LogEntry.id).join(Apprentice).where(
        Apprentice.first_name == "Jordan", LogEntry.status == VerificationStatus.VERIFIED).limit(1))
    response = apprentice_client.post(f"/log/{verified}/delete",
                                      data={"csrf_token": token(apprentice_client, "/apprentice")})
    assert response.status_code == 303
    # At the banner (main-content holds it), not /apprentice#logbook below it, nor no anchor at all,
    # which would leave the browser at the fragment of the page the form was on.
    assert response.headers["Location"] == "/apprentice#main-content"
    assert "A verified entry cannot be deleted." in banners(page(apprentice_client.get("/apprentice")))[0]
