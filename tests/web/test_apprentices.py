"""Adding, editing and changing the status of apprentices, and choosing their mentor."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AuditEvent,
    Cohort,
    Mentor,
    ProgressReview,
    StatusChange,
    TrainingProvider,
)

from ..helpers import lookup, page, post_form, text_of


def ids(app) -> dict:
    with app.app_context():
        return {
            "cohort": db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1)),
            "standard": db.session.scalar(sa.select(ApprenticeshipStandard.id).where(
                ApprenticeshipStandard.reference == "ST0116")),
            "provider": db.session.scalar(sa.select(TrainingProvider.id).limit(1)),
            "priya": db.session.scalar(sa.select(Mentor.id).where(Mentor.email == "mentor@example.org")),
            "helen": db.session.scalar(sa.select(Mentor.id).where(Mentor.name == "Helen Carter")),
            "grace": db.session.scalar(sa.select(Mentor.id).where(Mentor.name == "Grace Adeyemi")),
            "liam": db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Liam")),
            "ruby": db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Ruby")),
        }


def new_apprentice(known: dict, **changes) -> dict:
    values = {"first_name": "Noor", "last_name": "Haddad", "email": "noor.haddad@northmoor.example",
              "uln": "1234567890", "cohort_id": str(known["cohort"]), "standard_id": str(known["standard"]),
              "provider_id": str(known["provider"]), "service_area": "software_development", "team": "Web",
              "job_title": "Apprentice developer", "contracted_minutes_per_week": "22.5",
              "start_date": ["7", "9", "2026"], "planned_end_date": ["7", "9", "2028"], "mentor_id": "",
              "consent_to_be_named": "yes"}
    return {**values, **changes}


def errors(soup: BeautifulSoup) -> dict[str, str]:
    return {tag["id"].removesuffix("-error"): text_of(tag).removeprefix("Error: ")
            for tag in soup.select(".govuk-error-message")}


def get(app, model, record_id):
    with app.app_context():
        record = db.session.get(model, record_id)
        db.session.expunge_all()
        return record


def test_adding_an_apprentice(app, coordinator_client):
    known = ids(app)
    response = post_form(coordinator_client, "/apprentices/new", new_apprentice(known))
    assert response.status_code == 303
    soup = page(coordinator_client.get(response.headers["Location"]))
    assert soup.h1.get_text(strip=True) == "Noor Haddad"
    text = text_of(soup)
    assert "22.5 hours a week (part-time)" in text and "7 September 2026" in text
    assert "Started the programme" in text and "by Alex Morgan" in text
    with app.app_context():
        noor = db.session.scalar(sa.select(Apprentice).where(Apprentice.uln == "1234567890"))
        assert (noor.contracted_minutes_per_week, noor.status, noor.consent_to_be_named) == (
            1350, ApprenticeStatus.ACTIVE, True)
        assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.subject_id == noor.id,
                                                                  AuditEvent.subject_type == "apprentices")) \
            == "apprentice.created"


@pytest.mark.parametrize("changes,field,message", [
    ({"first_name": ""}, "first_name", "Enter the apprentice’s first name"),
    ({"email": "noor@"}, "email", "Enter an email address in the correct format, like name@example.org"),
    ({"email": "APPRENTICE@example.org"}, "email", "Another apprentice has this email address"),
    ({"uln": "12345"}, "uln", "ULN must be 10 digits"),
    ({"cohort_id": ""}, "cohort_id", "Select a cohort"),
    ({"cohort_id": "999"}, "cohort_id", "Select a cohort"),
    ({"service_area": "catering"}, "service_area", "Select the service area"),
    ({"contracted_minutes_per_week": "lots"}, "contracted_minutes_per_week",
     "Contracted hours a week must be a number, like 37.5"),
    ({"contracted_minutes_per_week": "70"}, "contracted_minutes_per_week",
     "Contracted hours must be between 1 and 60 a week"),
    ({"start_date": ["30", "2", "2026"]}, "start_date", "Start date must be a real date"),
    ({"planned_end_date": ["", "", ""]}, "planned_end_date", "Enter the planned end date"),
    ({"planned_end_date": ["7", "3", "2027"]}, "planned_end_date",
     "Planned end date must be at least 8 months after the start date"),
    ({"start_date": ["7", "9", "2024"], "planned_end_date": ["7", "6", "2025"]}, "planned_end_date",
     "Planned end date must be at least 12 months after the start date"),
    ({"consent_to_be_named": ""}, "consent_to_be_named", "Select yes if they have agreed to be named"),
])
def test_validation_messages_next_to_the_field_and_nothing_saved(app, coordinator_client, changes, field, message):
    soup = page(post_form(coordinator_client, "/apprentices/new", new_apprentice(ids(app), **changes)))
    assert errors(soup)[field] == message
    assert soup.find(id="last_name")["value"] == "Haddad"  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice)
                                 .where(Apprentice.last_name == "Haddad")) == 0


def test_editing_records_which_fields_changed_without_the_values(app, coordinator_client):
    known = ids(app)
    form = page(coordinator_client.get(f"/apprentices/{known['liam']}/edit"))
    assert form.find(id="first_name")["value"] == "Liam"
    assert form.find(id="contracted_minutes_per_week")["value"] == "25"
    data = {f.get("name"): f.get("value", "") for f in form.select("input[name]") if f.get("type") != "radio"}
    data.update({s["id"]: s.find("option", selected=True)["value"] if s.find("option", selected=True) else ""
                 for s in form.find_all("select")})
    data["consent_to_be_named"] = "no"
    data["start_date"] = [form.find(id=f"start_date-{p}")["value"] for p in ("day", "month", "year")]
    data["planned_end_date"] = [form.find(id=f"planned_end_date-{p}")["value"] for p in ("day", "month", "year")]
    data["team"] = "Platform team"
    data.pop("csrf_token")
    response = post_form(coordinator_client, f"/apprentices/{known['liam']}/edit", data)
    assert response.status_code == 303
    assert get(app, Apprentice, known["liam"]).team == "Platform team"
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "apprentice.edited"))
        assert event.details == {"fields": ["team"]}


def test_a_mentor_can_see_their_mentee_but_not_edit_or_see_others(app, mentor_client):
    known = ids(app)
    assert page(mentor_client.get(f"/apprentices/{known['liam']}")).h1.get_text(strip=True) == "Liam Walsh"
    assert "Edit details" not in mentor_client.get(f"/apprentices/{known['liam']}").get_data(as_text=True)
    assert mentor_client.get(f"/apprentices/{known['liam']}/edit").status_code == 403
    assert mentor_client.get(f"/apprentices/{known['ruby']}").status_code == 404  # not their mentee


def test_choosing_a_mentor_shows_capacity_and_warns_when_full(app, coordinator_client):
    known = ids(app)
    soup = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor"))
    grace = soup.find(id=f"mentor_id-{known['grace']}-hint")
    assert "4 of 4 mentees" in text_of(grace) and "Full" in text_of(grace)
    assert "2 of 4 mentees" in text_of(soup.find(id=f"mentor_id-{known['helen']}-hint"))
    response = post_form(coordinator_client, f"/apprentices/{known['ruby']}/mentor",
                         {"mentor_id": str(known["grace"])})
    assert response.status_code == 303
    text = text_of(page(coordinator_client.get(response.headers["Location"])))
    assert "Grace Adeyemi is now Ruby’s mentor. They are now over their capacity of 4." in text
    assert get(app, Apprentice, known["ruby"]).mentor_id == known["grace"]
    # Grace, Ruby's mentor now and over capacity, says so in the picker too (not "Full", nor a warning
    # about choosing her: she is the one already chosen).
    grace = text_of(page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor")).find(
        id=f"mentor_id-{known['grace']}-hint"))
    assert grace.startswith("5 of 4 mentees") and "(current mentor)" in grace
    assert "Over capacity" in grace and "Full" not in grace and "Choosing them" not in grace


def test_the_mentor_pickers_question_is_its_legend_not_the_sections_heading_again(app, coordinator_client):
    known = ids(app)
    picker = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor")).find(id="mentor-picker")
    fieldset = picker.find("fieldset")
    assert text_of(fieldset.legend) == "Choose a mentor"
    assert "govuk-visually-hidden" not in fieldset.legend["class"]
    assert text_of(fieldset.find(id="mentor_id-hint")) == (
        "Each mentor’s current mentees against how many they can support.")


def test_cancel_in_the_inline_picker_closes_it_and_gives_the_focus_back_to_the_link(app, coordinator_client):
    known = ids(app)
    path = f"/apprentices/{known['ruby']}"
    opener = page(coordinator_client.get(path)).find(id="mentor-change")
    assert text_of(opener) == "Assign a mentor" and opener["hx-target"] == "#mentor-picker-slot"
    picker = BeautifulSoup(coordinator_client.get(f"{path}/mentor", headers={
        "HX-Request": "true", "HX-Target": "mentor-picker-slot"}).get_data(as_text=True), "html.parser")
    cancel = picker.find("a", string="Cancel")
    # Without JavaScript, back to the apprentice's page; with it, the section closed in place, and the
    # focus handed back to the link that opened the picker (static/page.js).
    assert cancel["href"] == f"{path}#mentor"
    assert cancel["hx-get"] == path and cancel["hx-target"] == "#mentor-section"
    assert cancel["data-app-refocus"] == "mentor-change"
    def views_recorded() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "apprentice.viewed", AuditEvent.apprentice_id == known["ruby"]))

    viewed = views_recorded()
    closed = coordinator_client.get(path, headers={"HX-Request": "true", "HX-Target": "mentor-section"})
    section = BeautifulSoup(closed.get_data(as_text=True), "html.parser")
    assert "<html" not in closed.get_data(as_text=True) and section.find(id="mentor-section")
    assert views_recorded() == viewed  # closing the picker is not another look at the record
    assert section.find(id="mentor-picker") is None and text_of(section.find(id="mentor-change")) == "Assign a mentor"
    assert "No mentor assigned." in text_of(section)
    # Opened on its own page, Cancel is only a link back.
    alone = page(coordinator_client.get(f"{path}/mentor")).find("a", string="Cancel")
    assert alone["href"] == f"{path}#mentor" and not alone.has_attr("hx-get")


def test_saving_the_mentor_an_apprentice_already_has_says_so_and_records_nothing(app, coordinator_client):
    someone, first_name, current, mentor_name = _with_a_mentor(app)

    def events() -> int:
        return lookup(app, sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action.like("apprentice.mentor_%")))

    before = events()
    response = post_form(coordinator_client, f"/apprentices/{someone}/mentor", {"mentor_id": str(current)})
    assert response.status_code == 303
    text = text_of(page(coordinator_client.get(response.headers["Location"])))
    assert f"{mentor_name} is already {first_name}’s mentor. Nothing changed." in text and " is now " not in text
    assert events() == before and get(app, Apprentice, someone).mentor_id == current


def _with_a_mentor(app) -> tuple[int, str, int, str]:
    with app.app_context():
        return tuple(db.session.execute(sa.select(
            Apprentice.id, Apprentice.first_name, Apprentice.mentor_id, Mentor.name)
            .join(Mentor, Mentor.id == Apprentice.mentor_id).order_by(Apprentice.id).limit(1)).one())


def test_the_mentor_picker_through_htmx_swaps_only_the_mentor_section(app, coordinator_client):
    known = ids(app)
    picker = coordinator_client.get(f"/apprentices/{known['ruby']}/mentor",
                                    headers={"HX-Request": "true", "HX-Target": "mentor-picker-slot"})
    html = picker.get_data(as_text=True)
    assert "<html" not in html and 'id="mentor-picker"' in html
    token = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})["value"]
    saved = coordinator_client.post(f"/apprentices/{known['ruby']}/mentor",
                                    data={"mentor_id": str(known["helen"]), "csrf_token": token},
                                    headers={"HX-Request": "true", "HX-Target": "mentor-section"})
    assert saved.status_code == 200
    section = BeautifulSoup(saved.get_data(as_text=True), "html.parser")
    assert section.find(id="mentor-section")
    assert "Helen Carter is now Ruby’s mentor." in text_of(section)
    # The message takes the focus (static/page.js), the form that was used being gone.
    assert BeautifulSoup(html, "html.parser").find("form", method="post")["data-app-refocus"] == "mentor-message"
    message = section.find(id="mentor-message")
    assert message["tabindex"] == "-1" and text_of(message) == "Helen Carter is now Ruby’s mentor."
    refused = coordinator_client.post(f"/apprentices/{known['ruby']}/mentor",
                                      data={"mentor_id": "12345", "csrf_token": token},
                                      headers={"HX-Request": "true", "HX-Target": "mentor-section"})
    assert refused.headers["HX-Retarget"] == "#mentor-picker"
    assert "Select a mentor" in refused.get_data(as_text=True)
    # Its errors in place, it still saves in place.
    assert BeautifulSoup(refused.get_data(as_text=True), "html.parser").find("form", method="post")[
        "hx-target"] == "#mentor-section"


def test_the_mentor_pickers_own_page_saves_as_a_form_and_says_error_in_its_title(app, coordinator_client):
    known = ids(app)
    # Opened on its own (directly, or in a new tab) there is no mentor section to save into: the form
    # posts as it does without JavaScript, and goes on to the apprentice's page.
    soup = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor"))
    form = soup.find(id="mentor-picker").find("form", method="post")
    assert not form.has_attr("hx-post") and not form.has_attr("hx-target")
    assert form["action"] == f"/apprentices/{known['ruby']}/mentor"
    assert soup.title.get_text().startswith("Choose a mentor for Ruby Edwards")
    # Saved with nothing chosen: the page again, its title saying there is an error.
    refused = coordinator_client.post(f"/apprentices/{known['ruby']}/mentor",
                                      data={"csrf_token": soup.find("input", attrs={"name": "csrf_token"})["value"]})
    errors = page(refused)
    assert errors.title.get_text().startswith("Error: Choose a mentor for Ruby Edwards")
    assert "Select a mentor" in text_of(errors.select_one(".govuk-error-summary"))


def test_a_break_in_learning_and_the_return_move_the_planned_end(app, coordinator_client):
    known = ids(app)
    liam = get(app, Apprentice, known["liam"])
    start = date.today() - timedelta(days=40)
    d = [str(start.day), str(start.month), str(start.year)]
    back = start + timedelta(weeks=8)
    # A break shorter than 4 weeks is refused.
    soup = page(post_form(coordinator_client, f"/apprentices/{known['liam']}/status/start_break", {
        "start_date": d, "expected_return_date": [str((start + timedelta(days=10)).day),
                                                  str((start + timedelta(days=10)).month),
                                                  str((start + timedelta(days=10)).year)], "reason": "Illness"}))
    assert errors(soup)["expected_return_date"] == "A break in learning must last at least 4 weeks"
    response = post_form(coordinator_client, f"/apprentices/{known['liam']}/status/start_break", {
        "start_date": d, "expected_return_date": [str(back.day), str(back.month), str(back.year)],
        "reason": "Illness"})
    assert response.status_code == 303
    assert get(app, Apprentice, known["liam"]).status == ApprenticeStatus.BREAK_IN_LEARNING
    assert "Liam Walsh is on a break in learning." in text_of(page(coordinator_client.get(
        response.headers["Location"])))
    returned = date.today() - timedelta(days=5)
    response = post_form(coordinator_client, f"/apprentices/{known['liam']}/status/end_break", {
        "returned_on": [str(returned.day), str(returned.month), str(returned.year)]})
    assert response.status_code == 303
    after = get(app, Apprentice, known["liam"])
    assert after.status == ApprenticeStatus.ACTIVE
    assert after.planned_end_date == liam.planned_end_date + timedelta(days=35)
    with app.app_context():
        history = db.session.scalars(sa.select(StatusChange).where(StatusChange.apprentice_id == known["liam"])
                                     .order_by(StatusChange.id)).all()
        assert [h.to_status for h in history][-2:] == [ApprenticeStatus.BREAK_IN_LEARNING, ApprenticeStatus.ACTIVE]
        assert all(h.recorded_by_id for h in history[-2:])


def test_withdrawal_needs_a_reason_and_a_past_date(app, coordinator_client):
    known = ids(app)
    tomorrow = date.today() + timedelta(days=1)
    soup = page(post_form(coordinator_client, f"/apprentices/{known['liam']}/status/withdraw", {
        "withdrawal_date": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "reason": ""}))
    assert errors(soup) == {"withdrawal_date": "Date they withdrew must be today or in the past",
                            "reason": "Enter the reason for withdrawing"}
    today = date.today()
    post_form(coordinator_client, f"/apprentices/{known['liam']}/status/withdraw", {
        "withdrawal_date": [str(today.day), str(today.month), str(today.year)], "reason": "Moved away"})
    liam = get(app, Apprentice, known["liam"])
    assert (liam.status, liam.withdrawal_date, liam.withdrawal_reason) == (ApprenticeStatus.WITHDRAWN, today,
                                                                           "Moved away")
    # Nothing more can be done to a withdrawn apprentice.
    response = coordinator_client.get(f"/apprentices/{known['liam']}/status/start_break")
    assert response.status_code == 303
    assert "You cannot do that now" in text_of(page(coordinator_client.get(response.headers["Location"])))


def test_gateway_then_result_then_completion(app, coordinator_client):
    known = ids(app)
    today = date.today()
    d = [str(today.day), str(today.month), str(today.year)]
    soup = page(coordinator_client.get(f"/apprentices/{known['liam']}"))
    links = [a.get_text(strip=True) for a in soup.find(id="status").find_next("ul").find_all("a")]
    assert links == ["Start a break in learning", "Withdraw", "Record gateway"]
    post_form(coordinator_client, f"/apprentices/{known['liam']}/status/gateway", {"gateway_date": d})
    post_form(coordinator_client, f"/apprentices/{known['liam']}/status/epa", {"epa_date": d, "outcome": "merit"})
    post_form(coordinator_client, f"/apprentices/{known['liam']}/status/complete", {"completion_date": d})
    liam = get(app, Apprentice, known["liam"])
    assert (liam.gateway_date, liam.epa_outcome.value, liam.status) == (today, "merit", ApprenticeStatus.COMPLETED)
    assert coordinator_client.get(f"/apprentices/{known['liam']}/status/nonsense").status_code == 404


def test_the_mentor_picker_finds_mentors_by_name_or_team_among_many(app, coordinator_client):
    known = ids(app)
    with app.app_context():
        db.session.add_all(Mentor(name=f"Extra Mentor {n:02d}", email=f"extra{n}@example.org", capacity=4,
                                  team="Parks" if n == 7 else None) for n in range(40))
        db.session.commit()
    soup = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor"))
    radios = soup.select("input[name=mentor_id]")
    assert len(radios) == 20 + 1  # the first 20 and "No mentor", not all 46
    assert "Showing 20 of 46 mentors" in text_of(soup)
    found = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor?q=parks"))
    assert [text_of(label) for label in found.select("label.govuk-radios__label")] == ["Extra Mentor 07", "No mentor"]
    nobody = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor?q=zzz"))
    assert "No mentors match “zzz”" in text_of(nobody)
    # One not shown on the first page can still be chosen (found by a search, say).
    extra = app_get_mentor(app, "Extra Mentor 39")
    response = post_form(coordinator_client, f"/apprentices/{known['ruby']}/mentor", {"mentor_id": str(extra)})
    assert response.status_code == 303
    assert get(app, Apprentice, known["ruby"]).mentor_id == extra


def test_a_search_in_the_mentor_picker_through_htmx_brings_only_the_mentors_found(app, coordinator_client):
    known = ids(app)
    with app.app_context():
        db.session.add_all(Mentor(name=f"Extra Mentor {n:02d}", email=f"extra{n}@example.org", capacity=4)
                           for n in range(3))
        db.session.commit()
    searched = coordinator_client.get(f"/apprentices/{known['ruby']}/mentor?q=extra",
                                      headers={"HX-Request": "true", "HX-Target": "mentor-options"})
    html = searched.get_data(as_text=True)
    fragment = BeautifulSoup(html, "html.parser")
    # The list, to take the place of the list shown, and the count for the live region that stays on the
    # page (a new one would not be read out): not the search box, the form or the page around.
    [options, count] = fragment.find_all(recursive=False)
    assert options["id"] == "mentor-options" and not options.find(attrs={"role": "status"})
    assert (count["id"], count["hx-swap-oob"]) == ("mentor-count", "innerHTML")
    assert text_of(count) == "3 mentors matching “extra”."
    assert "<html" not in html and not fragment.find("form") and not fragment.find(id="mentor-search")
    assert [text_of(label) for label in options.select("label.govuk-radios__label")] == [
        "Extra Mentor 00", "Extra Mentor 01", "Extra Mentor 02", "No mentor"]
    assert text_of(options.find(id=f"mentor_id-{app_get_mentor(app, 'Extra Mentor 01')}-hint")) == "0 of 4 mentees"
    # Ruby has no mentor: that stays chosen while the list changes.
    assert options.find("input", attrs={"value": "none"}).has_attr("checked")
    # The same search without JavaScript is the whole page, with the search kept in its box.
    whole = page(coordinator_client.get(f"/apprentices/{known['ruby']}/mentor?q=extra"))
    assert whole.find(id="mentor-search")["value"] == "extra"
    assert whole.find(id="mentor-options").select("label.govuk-radios__label") == options.select(
        "label.govuk-radios__label")
    search_form = whole.find("form", attrs={"role": "search"})
    assert (search_form["hx-target"], search_form["hx-swap"]) == ("#mentor-options", "outerHTML")
    region = whole.find(id="mentor-count")
    assert region["role"] == "status" and text_of(region) == "3 mentors matching “extra”."
    assert not whole.find(id="mentor-options").find(attrs={"role": "status"})  # outside what a search replaces


def app_get_mentor(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Mentor.id).where(Mentor.name == name))


def test_an_apprentices_page_leads_back_to_its_cohort_and_shows_the_details_an_edit_changes(app, signed_in):
    known = ids(app)
    apprentice = get(app, Apprentice, known["liam"])
    soup = page(signed_in("coordinator").get(f"/apprentices/{known['liam']}"))
    back = soup.select_one(".govuk-back-link")
    assert back["href"] == f"/cohorts/{apprentice.cohort_id}"
    details = text_of(soup.find(id="details").find_next("dl"))
    for key in ("Team", "Job title", "Unique learner number (ULN)"):
        assert key in details
    mentor_view = page(signed_in("mentor").get(f"/apprentices/{known['liam']}"))
    assert "Unique learner number" not in text_of(mentor_view) and mentor_view.select_one(".govuk-back-link") is None


def test_a_review_leads_back_to_its_apprentice(app, signed_in):
    known = ids(app)
    with app.app_context():
        review_id = db.session.scalar(sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == known["liam"])
                                      .limit(1))
    back = page(signed_in("coordinator").get(f"/reviews/{review_id}")).select_one(".govuk-back-link")
    assert back["href"] == f"/apprentices/{known['liam']}#reviews"


def test_an_apprentices_record_uses_the_same_words_and_numbers_as_elsewhere(app, coordinator_client):
    """Entries waiting for verification say "Waiting" (as on the log and the queue), hours are written
    one way ("2.5 hours", "335 hours", never "335.0 hours"), and times are UK time without "UTC"."""
    from datetime import UTC, datetime

    from apprenticeships.models import LogEntry, VerificationStatus
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        jordan_id = jordan.id
        waiting = db.session.scalar(sa.select(sa.func.count()).select_from(LogEntry).where(
            LogEntry.apprentice_id == jordan.id, LogEntry.status == VerificationStatus.PENDING))
        change = jordan.status_changes[0]
        change.recorded_at = datetime(2026, 7, 1, 15, 49, tzinfo=UTC)  # 16:49 in London (summer time)
        db.session.commit()
    soup = page(coordinator_client.get(f"/apprentices/{jordan_id}"))
    text = text_of(soup)
    assert "Pending" not in text
    assert waiting and "Waiting" in [text_of(tag) for tag in soup.select("table .govuk-tag")]
    figures = {text_of(row.dt): text_of(row.dd) for row in soup.select("#progress + dl .govuk-summary-list__row")}
    for key in ("Verified", "Waiting for verification", "Expected by now", "Minimum for the whole apprenticeship"):
        assert re.fullmatch(r"\d+(\.\d+)? hours?", figures[key]) and ".0 " not in figures[key] + " ", figures
    assert "recorded 1 July 2026 at 16:49" in text and "UTC" not in text


def test_the_record_has_contents_its_data_protection_parts_together_and_the_status_history_folded(
        app, coordinator_client, mentor_client):
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.email == "apprentice@example.org"))
        jordan_id = jordan.id
    soup = page(coordinator_client.get(f"/apprentices/{jordan_id}"))
    contents = soup.find("nav", id="contents")
    assert text_of(contents.find("h2")) == "Contents"
    links = [(a["href"], text_of(a)) for a in contents.find_all("a")]
    assert links == [("#details", "Details"), ("#mentor", "Mentor"), ("#progress", "Off-the-job hours"),
                     ("#reviews", "Progress reviews"), ("#placements", "Placements"), ("#status", "Status"),
                     ("#levy-funding", "Levy funding"), ("#data-protection", "Data protection")]
    for anchor, _ in links:
        assert soup.find(id=anchor.removeprefix("#")) is not None, anchor
    # The data protection parts, under one heading at the foot, in this order.
    protection = soup.find(id="data-protection")
    assert [h["id"] for h in protection.find_all_next("h3")] == ["records", "audit", "subject-access"]
    # The status history is there to open (a GOV.UK details: no JavaScript needed), not spread out.
    history = soup.find("details", id="status-history")
    assert text_of(history.find("summary")).startswith("History of Jordan’s status (")
    assert history.find("li") is not None and not history.has_attr("open")
    # A review's notes: their first words, the whole on the review's page.
    for row in soup.find(id="reviews").find_next("table").select("tbody tr"):
        assert len(text_of(row.find_all("td")[3])) <= 141
    # A mentor reads the same record without the coordinator's parts.
    mentor_view = page(mentor_client.get(f"/apprentices/{jordan_id}"))
    assert "#data-protection" not in [a["href"] for a in mentor_view.find("nav", id="contents").find_all("a")]
    assert mentor_view.find(id="data-protection") is None
