"""The shared field rules, through the forms people use: each hostile value is an error next
to its field, with nothing saved (test_hostile_input.py sends them to every form at random)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.ids import parse_id
from apprenticeships.models import Apprentice, ApprenticeshipStandard, LogEntry
from apprenticeships.text import clean_text

from ..helpers import page, post_form, text_of
from .test_apprentices import errors, get, ids, new_apprentice
from .test_logbook import entry_data


def apprentices(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice))


@pytest.mark.parametrize("changes,field,message", [
    ({"start_date": ["7", "9", "99999999999"]}, "start_date", "Start date must be a real date"),
    ({"start_date": ["7", "9", "3026"]}, "start_date", "Start date must be a year between 1900 and 2100"),
    ({"start_date": ["7", "9", "\u0662\u0660\u0662\u0666"]}, "start_date",
     "Start date must be a real date"),
    ({"contracted_minutes_per_week": "1e999999"}, "contracted_minutes_per_week",
     "Contracted hours a week must be a number, like 37.5"),
    ({"contracted_minutes_per_week": "   "}, "contracted_minutes_per_week", "Enter the contracted hours a week"),
    ({"first_name": "   "}, "first_name", "Enter the apprentice’s first name"),
    ({"first_name": "\u200b\u200b"}, "first_name", "Enter the apprentice’s first name"),
    ({"last_name": "Hadd\x00ad"}, "last_name",
     "Last name must not contain control characters, such as tabs or line breaks"),
    ({"team": "Web\x1b[31m"}, "team", "Team must not contain control characters, such as tabs or line breaks"),
    ({"cohort_id": "9" * 20}, "cohort_id", "Select a cohort"),
])
def test_hostile_values_are_errors_next_to_the_field_and_nothing_is_saved(app, coordinator_client, changes,
                                                                             field, message):
    before = apprentices(app)
    soup = page(post_form(coordinator_client, "/apprentices/new", new_apprentice(ids(app), **changes)))
    assert errors(soup)[field] == message
    assert apprentices(app) == before


def test_text_is_trimmed_and_kept_as_typed_otherwise(app, coordinator_client):
    response = post_form(coordinator_client, "/apprentices/new",
                         new_apprentice(ids(app), first_name="  \u200bNoor\u00a0 ", team="Web\u200d"))
    assert response.status_code == 303
    with app.app_context():
        noor = db.session.scalar(sa.select(Apprentice).where(Apprentice.last_name == "Haddad"))
        assert (noor.first_name, noor.team) == ("Noor", "Web")


def test_a_text_area_keeps_its_lines_but_refuses_nul(app, apprentice_client):
    soup = page(post_form(apprentice_client, "/log", entry_data(description="Read\x00 the standard")))
    assert errors(soup)["description"] == "What you did and learned must not contain control characters"
    response = post_form(apprentice_client, "/log", entry_data(description="First line\r\nSecond line"))
    assert response.status_code == 303
    with app.app_context():
        newest = db.session.scalar(sa.select(LogEntry).order_by(LogEntry.id.desc()).limit(1))
        assert newest.description == "First line\nSecond line"


@pytest.mark.parametrize("hours,message", [
    ("1e999999", "Hours must be a number, like 1.5"),
    ("1e200000", "Hours must be a number, like 1.5"),
    ("NaN", "Hours must be a number, like 1.5"),
    ("  ", "Enter the hours"),
    ("1.5.2", "Hours must be a number, like 1.5"),
])
def test_hours_are_read_with_a_strict_pattern(app, apprentice_client, hours, message):
    soup = page(post_form(apprentice_client, "/log", entry_data(minutes=hours)))
    assert errors(soup)["minutes"] == message
    assert soup.title.get_text().startswith("Error: Add to your log")  # the form alone, its errors at the top


@pytest.mark.parametrize("typed", ["1:30", "1h30", "90 mins", "1,5"])
def test_hours_typed_as_on_a_phone_are_logged_as_they_mean(app, apprentice_client, typed):
    response = post_form(apprentice_client, "/log", entry_data(minutes=typed))
    assert response.status_code == 303
    with app.app_context():
        newest = db.session.scalar(sa.select(LogEntry).order_by(LogEntry.id.desc()).limit(1))
        assert newest.minutes == 90
    assert "Added 1.5 hours on" in text_of(page(apprentice_client.get(response.headers["Location"])))


def test_with_htmx_a_refused_entry_is_shown_in_place_with_its_error_summary(app, apprentice_client):
    # (static/page.js then starts the page's title with "Error:": tests/browser/test_daily_work.py.)
    response = post_form(apprentice_client, "/log", entry_data(minutes="abc"), page="/apprentice",
                         headers={"HX-Request": "true", "HX-Target": "logbook"})
    fragment = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert fragment.find("html") is None and fragment.find(id="logbook") is not None
    assert "Hours must be a number, like 1.5" in text_of(fragment.select_one(".govuk-error-summary"))
    assert errors(fragment)["minutes"] == "Hours must be a number, like 1.5"


def test_ids_outside_the_database_range_are_no_ids():
    assert [parse_id(v) for v in ("7", "2147483647", "2147483648", "9" * 20, "\u00b2", "\u0663", "-1", "0",
                                  " 7", "07", 5, True)] == [7, 2147483647, None, None, None, None, None, None,
                                                            None, None, 5, None]


@pytest.mark.parametrize("query", ["standard=\u00b2", "standard=" + "9" * 20, "mentor=\u00b2",
                                   "provider=99999999999999999999", "page=99999999999999999999", "page=\u00b2"])
def test_filters_with_impossible_ids_show_the_page(app, coordinator_client, query):
    with app.app_context():
        cohort_id = ids(app)["cohort"]
    soup = page(coordinator_client.get(f"/cohorts/{cohort_id}?{query}"))
    assert soup.find("table") is not None


def test_a_standard_posted_without_its_ksbs_keeps_them(app, coordinator_client):
    with app.app_context():
        standard = db.session.scalar(sa.select(ApprenticeshipStandard).where(
            ApprenticeshipStandard.reference == "ST0116"))
        standard_id, codes = standard.id, [k.code for k in standard.ksbs]
    response = post_form(coordinator_client, f"/standards/{standard_id}/edit", {
        "reference": "ST0116", "title": "Software developer", "level": "4", "otj_minimum_hours": "400",
        "typical_duration_months": "24"})
    assert response.status_code in (200, 303)
    with app.app_context():
        assert [k.code for k in db.session.get(ApprenticeshipStandard, standard_id).ksbs] == codes


def test_consent_to_be_named_round_trips_on_the_edit_form(app, coordinator_client):
    known = ids(app)
    for stored in (True, False):
        with app.app_context():
            db.session.get(Apprentice, known["liam"]).consent_to_be_named = stored
            db.session.commit()
        soup = page(coordinator_client.get(f"/apprentices/{known['liam']}/edit"))
        checked = soup.select('input[name="consent_to_be_named"][checked]')
        assert [c["value"] for c in checked] == ["yes" if stored else "no"]
        cohort = soup.select_one('select[name="cohort_id"] option[selected]')
        assert cohort is not None and cohort["value"] == str(get(app, Apprentice, known["liam"]).cohort_id)


def test_an_entry_being_edited_shows_what_was_chosen(app, apprentice_client):
    response = post_form(apprentice_client, "/log", entry_data(off_the_job="no", activity_type="mentoring"))
    assert response.status_code == 303
    with app.app_context():
        entry_id = db.session.scalar(sa.select(LogEntry.id).order_by(LogEntry.id.desc()).limit(1))
    soup = page(apprentice_client.get(f"/log/{entry_id}/edit"))
    assert [c["value"] for c in soup.select('input[name="off_the_job"][checked]')] == ["no"]
    assert soup.select_one('select[name="activity_type"] option[selected]')["value"] == "mentoring"
    assert "Hours" in text_of(soup)


CODER = "\U0001f469\u200d\U0001f4bb"  # an emoji joined by a zero-width joiner: visible, kept whole


@pytest.mark.parametrize("typed,kept", [("  a  ", "a"), ("\u200b", ""), ("\u200ba\u200b", "a"),
                                        ("\r\nx\r\n", "x"), (CODER, CODER)])
def test_clean_text(typed, kept):
    assert clean_text(typed) == kept
