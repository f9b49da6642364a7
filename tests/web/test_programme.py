"""Training providers, apprenticeship standards and mentors, as coordinators keep them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, ApprenticeshipStandard, Ksb, Mentor, TrainingProvider

from ..helpers import page, post_form, text_of
from .test_apprentices import errors

STANDARD = {"reference": "st0865", "title": "Cyber security technician", "level": "3",
            "otj_minimum_hours": "416", "typical_duration_months": "18",
            "ksbs": "K1 Threats, vulnerabilities and risks\nS1: Monitor networks\nB1 - Works ethically"}


def test_providers_list_and_add(app, coordinator_client):
    soup = page(coordinator_client.get("/providers"))
    assert "Riverside College" in text_of(soup)
    response = post_form(coordinator_client, "/providers/new", {"name": "Harbour Skills", "ukprn": "10099999",
                                                               "contact_email": "hello@harbour.example"})
    assert response.status_code == 303
    assert "Harbour Skills" in text_of(page(coordinator_client.get("/providers")))


@pytest.mark.parametrize("data,field,message", [
    ({"name": ""}, "name", "Enter the provider's name"),
    ({"name": "riverside college"}, "name", "A provider with this name already exists"),
    ({"name": "New", "ukprn": "2345"}, "ukprn", "UKPRN must be 8 digits, starting with 1"),
    ({"name": "New", "ukprn": "10000001"}, "ukprn", "Another provider has this UKPRN"),
    ({"name": "New", "contact_email": "x@"}, "contact_email",
     "Enter an email address in the correct format, like name@example.org"),
])
def test_provider_validation(coordinator_client, data, field, message):
    assert errors(page(post_form(coordinator_client, "/providers/new", data)))[field] == message


def test_editing_a_provider(app, coordinator_client):
    with app.app_context():
        provider_id = db.session.scalar(
            sa.select(TrainingProvider.id).where(TrainingProvider.name == "Riverside College"))
    form = page(coordinator_client.get(f"/providers/{provider_id}/edit"))
    assert form.find(id="name")["value"] == "Riverside College"
    post_form(coordinator_client, f"/providers/{provider_id}/edit", {"name": "Riverside College Group",
                                                                    "ukprn": "10000001"})
    with app.app_context():
        assert db.session.get(TrainingProvider, provider_id).name == "Riverside College Group"


def test_adding_a_standard_with_its_ksbs(app, coordinator_client):
    response = post_form(coordinator_client, "/standards/new", STANDARD)
    assert response.status_code == 303
    assert "Cyber security technician" in text_of(page(coordinator_client.get("/standards")))
    with app.app_context():
        standard = db.session.scalar(
            sa.select(ApprenticeshipStandard).where(ApprenticeshipStandard.reference == "ST0865"))
        assert [(k.code, k.kind.value, k.description) for k in standard.ksbs] == [
            ("K1", "knowledge", "Threats, vulnerabilities and risks"), ("S1", "skill", "Monitor networks"),
            ("B1", "behaviour", "Works ethically")]


@pytest.mark.parametrize("changes,field,message", [
    ({"reference": "0865"}, "reference", "Reference must be ST followed by 4 digits, like ST0116"),
    ({"reference": "st0116"}, "reference", "A standard with this reference already exists"),
    ({"level": "9"}, "level", "Select the level"),
    ({"otj_minimum_hours": "-3"}, "otj_minimum_hours", "Off-the-job minimum must be between 0 and 5,000 hours"),
    ({"typical_duration_months": "6"}, "typical_duration_months", "Typical duration must be between 8 and 72 months"),
    ({"ksbs": "K1 ok\nX9 what"}, "ksbs", "Line 2 must start with a code like K1, S2 or B3, then the description"),
    ({"ksbs": "K1 one\nK1 again"}, "ksbs", "Line 2: K1 is listed twice"),
])
def test_standard_validation(coordinator_client, changes, field, message):
    assert errors(page(post_form(coordinator_client, "/standards/new", {**STANDARD, **changes})))[field] == message


def test_editing_ksbs_keeps_evidence_and_refuses_to_drop_used_ones(app, coordinator_client):
    with app.app_context():
        standard = db.session.scalar(
            sa.select(ApprenticeshipStandard).where(ApprenticeshipStandard.reference == "ST0116"))
        standard_id, k1_id = standard.id, next(k.id for k in standard.ksbs if k.code == "K1")
    form = page(coordinator_client.get(f"/standards/{standard_id}/edit"))
    text = form.find(id="ksbs").get_text()
    assert text.startswith("K1 All stages of the software development life cycle")
    data = {"reference": "ST0116", "title": "Software developer", "level": "4", "otj_minimum_hours": "600",
            "typical_duration_months": "24"}
    # Demo log entries give evidence of every KSB, so none can be dropped.
    soup = page(post_form(coordinator_client, f"/standards/{standard_id}/edit",
                          {**data, "ksbs": "\n".join(text.strip().splitlines()[1:])}))
    assert errors(soup)["ksbs"] == "K1 cannot be removed: log entries give evidence of it"
    edited = text.replace("K1 All stages", "K1 Every stage")
    assert post_form(coordinator_client, f"/standards/{standard_id}/edit", {**data, "ksbs": edited}).status_code == 303
    with app.app_context():
        k1 = db.session.get(Ksb, k1_id)
        assert k1.description.startswith("Every stage") and k1.standard.otj_minimum_hours == 600


def test_mentors_page_shows_caseloads_against_capacity(app, coordinator_client):
    soup = page(coordinator_client.get("/mentors"))
    priya = soup.find("h2", string="Priya Shah").find_next("p")
    assert "4 of 4 mentees" in text_of(priya) and "Full" in text_of(priya)
    mentees = [a.get_text() for a in soup.find("h2", string="Priya Shah").find_next("ul").find_all("a")]
    assert mentees == ["Chloe Bennett", "Jordan Ellis", "Amara Okoro", "Liam Walsh"]
    # Each name leads to the apprentice's record, and Edit to the mentor's details.
    with app.app_context():
        ids = [db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == first,
                                                                 Apprentice.last_name == last))
               for first, last in (name.split() for name in mentees)]
        priya_id = db.session.scalar(sa.select(Mentor.id).where(Mentor.name == "Priya Shah"))
    links = soup.find("h2", string="Priya Shah").find_next("ul").find_all("a")
    assert [a["href"] for a in links] == [f"/apprentices/{id_}" for id_ in ids]
    assert text_of(priya.find("a")) == "Edit Priya Shah" and priya.find("a")["href"] == f"/mentors/{priya_id}/edit"


def test_adding_and_editing_a_mentor(app, coordinator_client):
    assert errors(page(post_form(coordinator_client, "/mentors/new", {"name": "Zoe", "email": "MENTOR@example.org",
                                                                      "capacity": "3"})))["email"] \
        == "Another mentor has this email address"
    assert errors(page(post_form(coordinator_client, "/mentors/new", {"name": "Zoe", "email": "zoe@example.org",
                                                                      "capacity": "99"})))["capacity"] \
        == "Capacity must be between 0 and 50"
    assert post_form(coordinator_client, "/mentors/new", {"name": "Zoe Lin", "email": "zoe@example.org",
                                                          "capacity": "2"}).status_code == 303
    assert "0 of 2 mentees" in text_of(page(coordinator_client.get("/mentors")))
    with app.app_context():
        assert db.session.scalar(sa.select(Mentor.capacity).where(Mentor.email == "zoe@example.org")) == 2


def test_unknown_records_are_404s(coordinator_client):
    for path in ("/providers/999/edit", "/standards/999/edit", "/mentors/999/edit", "/apprentices/999",
                 "/apprentices/999/edit", "/apprentices/999/mentor", "/apprentices/999/status/withdraw"):
        assert coordinator_client.get(path).status_code == 404, path



def test_settings_change_the_review_interval_used_everywhere(app, coordinator_client):
    soup = page(coordinator_client.get("/settings"))
    assert soup.find("input", attrs={"value": "12-weeks"}).has_attr("checked")
    assert errors(page(post_form(coordinator_client, "/settings", {"review_interval": "12-weeks",
                                                                   "mentors_sign_reviews": "no",
                                                                   "disclosure_threshold": "1"})))[
        "disclosure_threshold"] == "The smallest number must be between 2 and 20"
    from apprenticeships.models import Apprentice, ProgrammeSettings, ProgressReview, ReviewIntervalUnit
    from apprenticeships.services.progress import add_months

    with app.app_context():  # Ella Robinson's last review: the next was due 12 weeks (or 3 months) after it
        ella = db.session.scalar(sa.select(sa.func.max(ProgressReview.held_date)).join(Apprentice).where(
            Apprentice.first_name == "Ella"))

    def long(day):
        return f"{day.day} {day:%B %Y}"

    before = text_of(page(coordinator_client.get("/coordinator")))
    assert f"Progress review overdue: it was due by {long(ella + timedelta(weeks=12))}" in before
    post_form(coordinator_client, "/settings", {"review_interval": "3-months", "mentors_sign_reviews": "no",
                                                "disclosure_threshold": "10"})
    after = text_of(page(coordinator_client.get("/coordinator")))
    assert f"Progress review overdue: it was due by {long(add_months(ella, 3))}" in after

    with app.app_context():
        settings = db.session.get(ProgrammeSettings, 1)
        assert (settings.review_interval_unit, settings.review_interval_value, settings.disclosure_threshold) == (
            ReviewIntervalUnit.MONTHS, 3, 10)
