"""Employer partners and placements: posting, approval, matching, decisions, and isolation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeshipStandard,
    AssignmentStatus,
    EmployerActivity,
    EmployerPartner,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    Role,
    User,
    WorkingPattern,
)
from apprenticeships.templating import format_date

from ..helpers import DEMO_EMAILS, lookup, page, post_form, text_of
from .test_apprentices import errors
from .test_placement_changes import _fields as amend_fields
from .test_placement_changes import _post as amend_post


def placement_data(app, **changes) -> dict:
    standard = lookup(app, sa.select(ApprenticeshipStandard.id).where(ApprenticeshipStandard.reference == "ST0118"))
    start = date.today() + timedelta(weeks=6)
    end = start + timedelta(weeks=12)
    values = {"title": "Route planning data", "team": "Logistics", "description": "Help us plan delivery routes.",
              "standard_ids": [str(standard)], "working_pattern": "hybrid", "minutes_per_week": "30",
              "start_date": [str(start.day), str(start.month), str(start.year)],
              "end_date": [str(end.day), str(end.month), str(end.year)], "places": "1", "closing_date": ["", "", ""],
              "host_supervisor_id": "", "save_draft": "Save as draft"}
    return {**values, **changes}


def placement_id(app, title: str) -> int:
    return lookup(app, sa.select(Placement.id).where(Placement.title == title))


def post_placement(app, employer_client, **changes):
    return post_form(employer_client, "/placements/new", placement_data(app, **changes))


# Employer partners (coordinator) ------------------------------------------------------------

def test_the_directory_searches_and_filters(coordinator_client):
    soup = page(coordinator_client.get("/employers"))
    assert "Showing 1 to 8 of 8 employer partners." in text_of(soup)
    def names(query: str) -> list[str]:
        return [a.get_text() for a in page(coordinator_client.get(f"/employers?{query}")).select(
            "#employer-table tbody a")]

    assert names("status=paused") == ["Cobalt Credit Union"]
    assert names("sector=Health") == ["Northmoor Community Health Trust"]
    part = coordinator_client.get("/employers?q=kest", headers={"HX-Request": "true", "HX-Target": "employer-table"})
    html = part.get_data(as_text=True)
    assert "<html" not in html and "Kestrel Logistics Ltd" in html and "Cobalt" not in html


@pytest.mark.parametrize("changes,field,message", [
    ({"name": ""}, "name", "Enter the organisation's name"),
    ({"name": "kestrel logistics ltd"}, "name", "An employer partner with this name already exists"),
    ({"size": ""}, "size", "Select the organisation's size"),
    ({"postcode": "12345"}, "postcode", "Enter a real postcode, like NM1 4QT"),
    ({"website": "not a site"}, "website", "Enter a full web address, like https://example.org"),
])
def test_employer_validation(coordinator_client, changes, field, message):
    data = {"name": "Harbour Café", "sector": "Hospitality", "size": "small", "status": "prospect", **changes}
    assert errors(page(post_form(coordinator_client, "/employers/new", data)))[field] == message


def test_adding_an_employer_a_contact_inviting_them_and_logging_activity(app, coordinator_client):
    response = post_form(coordinator_client, "/employers/new", {"name": "Harbour Café", "sector": "Hospitality",
                                                                "size": "small", "status": "prospect",
                                                                "postcode": "nm1 2ab"})
    employer_id = int(response.headers["Location"].split("#")[0].rsplit("/", 1)[1])
    assert lookup(app, sa.select(EmployerPartner.postcode).where(EmployerPartner.id == employer_id)) == "NM1 2AB"
    post_form(coordinator_client, f"/employers/{employer_id}/contacts/new",
              {"name": "Mo Patel", "email": "mo@harbour.example", "job_title": "Owner"})
    soup = page(coordinator_client.get(f"/employers/{employer_id}"))
    assert "Mo Patel" in text_of(soup.find(id="contacts").find_next("table"))
    contact_id = int(soup.find("a", string="Mo Patel")["href"].split("/")[-2])
    link_page = page(post_form(coordinator_client, f"/employers/{employer_id}/contacts/{contact_id}/invite", {},
                               page=f"/employers/{employer_id}", follow_redirects=True))
    assert "/invite/" in link_page.find(id="invite-url")["value"]
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "mo@harbour.example"))
        assert (user.role, user.employer_id) == (Role.EMPLOYER, employer_id)
    # The activity log: a note needs a date, a type and some words.
    soup = page(post_form(coordinator_client, f"/employers/{employer_id}",
                          {"occurred_on": ["", "", ""], "kind": "", "note": ""}))
    assert errors(soup) == {"occurred_on": "Enter the date", "kind": "Select the type of activity",
                            "note": "Enter a note"}
    today = date.today()
    post_form(coordinator_client, f"/employers/{employer_id}", {
        "occurred_on": [str(today.day), str(today.month), str(today.year)], "kind": "meeting",
        "note": "Met Mo about hosting a placement in spring."})
    assert "Met Mo about hosting a placement in spring." in text_of(page(coordinator_client.get(
        f"/employers/{employer_id}")))
    assert lookup(app, sa.select(sa.func.count()).select_from(EmployerActivity)
                  .where(EmployerActivity.employer_id == employer_id)) == 1


# Posting, approval, matching --------------------------------------------------------------

@pytest.mark.parametrize("changes,field,message", [
    ({"title": ""}, "title", "Enter a title for the placement"),
    ({"standard_ids": []}, "standard_ids", "Select at least one standard it suits"),
    ({"minutes_per_week": "0.5"}, "minutes_per_week", "Hours a week must be between 1 and 60"),
    ({"end_date": ["1", "1", "2020"]}, "end_date", "End date must be on or after the start date"),
    ({"places": "0"}, "places", "Number of places must be between 1 and 50"),
    ({"working_pattern": ""}, "working_pattern", "Select the working pattern"),
    ({"host_supervisor_id": "999"}, "host_supervisor_id", "Select a host supervisor from your contacts"),
])
def test_posting_validation(app, employer_client, changes, field, message):
    submitted = {"save_draft": "", "submit": "Submit for approval"}
    assert errors(page(post_placement(app, employer_client, **changes, **submitted)))[field] == message
    assert placement_id(app, "Route planning data") is None


EMPTY_DRAFT = {"team": "", "description": "", "standard_ids": [], "working_pattern": "", "minutes_per_week": "",
               "start_date": ["", "", ""], "end_date": ["", "", ""], "places": ""}


def test_a_draft_needs_only_a_title_and_cannot_be_submitted_until_complete(app, employer_client,
                                                                          coordinator_client):
    # Saved as a draft, only the title is needed.
    assert errors(page(post_placement(app, employer_client, **EMPTY_DRAFT, title=""))) == {
        "title": "Enter a title for the placement"}
    response = post_placement(app, employer_client, **EMPTY_DRAFT)
    assert response.status_code == 303
    pid = placement_id(app, "Route planning data")
    shown = page(employer_client.get(f"/placements/{pid}"))
    details = {dt.get_text(strip=True): dd.get_text(" ", strip=True)
               for dt, dd in zip(shown.select(".govuk-summary-list__key"), shown.select(".govuk-summary-list__value"),
                                 strict=True)}
    assert details["What the apprentice will do"] == "Not given yet"
    assert details["Suits"] == "Not given yet"
    assert details["Where"] == "Working pattern not given yet"
    assert details["Hours a week"] == "Not given yet"
    assert details["Dates"] == "Start date not given yet to end date not given yet"
    assert details["Places"] == "1"
    # What it still needs, and no Submit button until it has it.
    assert "Before you can submit it for approval, edit it to give:" in text_of(shown)
    assert [li.get_text(strip=True) for li in shown.find(id="missing").find_next("ul").find_all("li")] == [
        "what the apprentice will do", "the apprenticeship standards it suits", "the working pattern",
        "the hours a week", "the start date", "the end date"]
    assert not shown.find("button", string="Submit for approval")
    refused = post_form(employer_client, f"/placements/{pid}/submit", {}, page=f"/placements/{pid}",
                        follow_redirects=True)
    assert ("It cannot be submitted until it is complete. Edit it to give what the apprentice will do, the "
            "apprenticeship standards it suits, the working pattern, the hours a week, the start date and the "
            "end date.") in text_of(page(refused))
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.DRAFT
    # The lists show it too, without dates.
    for client in (employer_client, coordinator_client):
        row = page(client.get("/placements")).find("a", string="Route planning data").find_parent("tr")
        assert row.find("td", attrs={"data-label": "Dates"}).get_text(strip=True) == "Not given yet"
    # Its edit form opens with what was saved, and submitting from it says what is missing.
    edit = page(employer_client.get(f"/placements/{pid}/edit"))
    assert edit.find(id="title")["value"] == "Route planning data"
    soup = page(post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, **{**EMPTY_DRAFT, "description": "Help us plan delivery routes."}, save_draft="",
        submit="Submit for approval")))
    assert errors(soup) == {"standard_ids": "Select at least one standard it suits",
                            "working_pattern": "Select the working pattern",
                            "minutes_per_week": "Enter the hours a week", "start_date": "Enter the start date",
                            "end_date": "Enter the end date", "places": "Enter the number of places"}
    # Saved as a draft again with a little more, then completed and submitted.
    assert post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, **{**EMPTY_DRAFT, "description": "Help us plan delivery routes."})).status_code == 303
    assert lookup(app, sa.select(Placement.description).where(Placement.id == pid)) == "Help us plan delivery routes."
    assert post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, save_draft="", submit="Submit for approval")).status_code == 303
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.SUBMITTED


def test_a_placement_sent_back_keeps_everything_needed_when_saved(app, employer_client, coordinator_client):
    post_placement(app, employer_client)
    pid = placement_id(app, "Route planning data")
    post_form(employer_client, f"/placements/{pid}/submit", {}, page=f"/placements/{pid}")
    post_form(coordinator_client, f"/placements/{pid}/review",
              {"decision": "send_back", "comment": "Say more."}, page=f"/placements/{pid}")
    soup = page(post_form(employer_client, f"/placements/{pid}/edit", placement_data(app, description="")))
    assert errors(soup) == {"description": "Describe what the apprentice will do"}


def test_the_database_keeps_only_a_draft_incomplete(app, employer_client):
    post_placement(app, employer_client, **EMPTY_DRAFT)
    pid = placement_id(app, "Route planning data")
    with app.app_context(), pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Placement).where(Placement.id == pid).values(status=PlacementStatus.SUBMITTED))
        db.session.flush()
    with app.app_context():
        db.session.rollback()


def test_closing_date_must_not_be_after_the_start(app, employer_client):
    later = date.today() + timedelta(weeks=20)
    soup = page(post_placement(app, employer_client, closing_date=[str(later.day), str(later.month),
                                                                    str(later.year)]))
    assert errors(soup)["closing_date"] == "Closing date must be on or before the start date"


def test_post_submit_send_back_edit_resubmit_publish(app, employer_client, coordinator_client):
    response = post_placement(app, employer_client)
    assert response.status_code == 303
    pid = placement_id(app, "Route planning data")
    assert "Draft" in text_of(page(employer_client.get(f"/placements/{pid}")))
    post_form(employer_client, f"/placements/{pid}/submit", {}, page=f"/placements/{pid}")
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.SUBMITTED
    # Submitted: the employer can no longer edit it.
    assert employer_client.get(f"/placements/{pid}/edit").status_code == 303
    waiting = page(coordinator_client.get("/placements"))
    assert "Route planning data" in text_of(waiting.find("h2", string="Waiting for your approval").find_next("table"))
    soup = page(post_form(coordinator_client, f"/placements/{pid}/review", {"decision": "send_back", "comment": ""},
                          page=f"/placements/{pid}"))
    assert errors(soup)["comment"] == "Enter a comment so the employer knows what to change"
    post_form(coordinator_client, f"/placements/{pid}/review",
              {"decision": "send_back", "comment": "Please add what they will learn."}, page=f"/placements/{pid}")
    seen = text_of(page(employer_client.get(f"/placements/{pid}")))
    assert "Sent back by the coordinator: Please add what they will learn." in seen
    edit = page(employer_client.get(f"/placements/{pid}/edit"))
    assert edit.find(id="title")["value"] == "Route planning data"
    post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, learning_outcomes="Route optimisation with real data.", save_draft="", submit="Submit for approval"))
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.SUBMITTED
    post_form(coordinator_client, f"/placements/{pid}/review", {"decision": "publish"}, page=f"/placements/{pid}")
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.PUBLISHED


def test_matching_shows_why_and_places_cannot_be_overfilled(app, coordinator_client):
    fleet = placement_id(app, "Fleet data placement")  # one place, suits Data analyst
    soup = page(coordinator_client.get(f"/placements/{fleet}"))
    cards = {c.h3.contents[0].strip(): text_of(c) for c in soup.select("#candidates .app-card")}
    assert set(cards) == {"Ethan Clarke", "Callum Murphy"}  # Zainab Hussain is already placed for those dates
    assert "Registered interest in this placement" in cards["Ethan Clarke"]
    assert "On a standard it suits: Data analyst (level 4)" in cards["Ethan Clarke"]
    anyone = coordinator_client.get(f"/placements/{fleet}/candidates?available=no",
                                    headers={"HX-Request": "true", "HX-Target": "candidates"})
    assert "Already placed or proposed (perhaps as a reserve) for some of these dates" in anyone.get_data(as_text=True)
    ethan = lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == "Ethan"))
    callum = lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == "Callum"))
    post_form(coordinator_client, f"/placements/{fleet}/propose/{ethan}", {}, page=f"/placements/{fleet}")
    response = post_form(coordinator_client, f"/placements/{fleet}/propose/{callum}", {}, page=f"/placements/{fleet}")
    assert "All the places on this placement are taken." in text_of(page(coordinator_client.get(
        response.headers["Location"].split("#")[0])))
    assert lookup(app, sa.select(sa.func.count()).select_from(PlacementAssignment)
                  .where(PlacementAssignment.placement_id == fleet)) == 1


def test_an_apprentice_placed_elsewhere_for_those_dates_cannot_be_proposed(app, coordinator_client):
    fleet = placement_id(app, "Fleet data placement")
    zainab = lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == "Zainab"))
    response = post_form(coordinator_client, f"/placements/{fleet}/propose/{zainab}", {}, page=f"/placements/{fleet}")
    assert "Zainab Hussain is already placed or proposed elsewhere for those dates." in text_of(page(
        coordinator_client.get(response.headers["Location"].split("#")[0])))


def test_the_employer_accepts_or_declines_with_a_reason(app, employer_client):
    proposal = lookup(app, sa.select(PlacementAssignment.id).where(
        PlacementAssignment.status == AssignmentStatus.PROPOSED))
    assert "Waiting for your decision" in text_of(page(employer_client.get("/employer")))
    soup = page(post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "decline", "reason": ""}))
    assert errors(soup)["reason"] == "Enter the reason for declining"
    post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "decline",
                                                                    "reason": "No desk free until spring"})
    with app.app_context():
        assignment = db.session.get(PlacementAssignment, proposal)
        assert (assignment.status, assignment.decision_reason) == (AssignmentStatus.DECLINED,
                                                                   "No desk free until spring")
    name = lookup(app, sa.select(Apprentice.first_name + " " + Apprentice.last_name).join(
        PlacementAssignment).where(PlacementAssignment.id == proposal))
    # Answered: the page leads back to the placement, saying so; an answer posted again (from a
    # page left open) is refused the same way, and changes nothing.
    shown = employer_client.get(f"/placements/proposals/{proposal}")
    assert f"{name} has already been declined." in text_of(page(employer_client.get(shown.headers["Location"])))
    again = post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "accept"}, page="/employer")
    assert f"{name} has already been declined." in text_of(page(employer_client.get(again.headers["Location"])))
    assert lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal)) \
        == AssignmentStatus.DECLINED


def test_accepted_then_started_then_ended_early(app, coordinator_client, employer_client):
    proposal = lookup(app, sa.select(PlacementAssignment.id).where(
        PlacementAssignment.status == AssignmentStatus.PROPOSED))
    post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "accept"})
    today = date.today()
    d = [str(today.day), str(today.month), str(today.year)]
    post_form(coordinator_client, f"/placements/assignments/{proposal}/start", {"start_date": d})
    soup = page(post_form(coordinator_client, f"/placements/assignments/{proposal}/finish",
                          {"end_date": d, "outcome": "ended_early", "reason": ""}))
    assert errors(soup)["reason"] == "Enter the reason it ended early"
    post_form(coordinator_client, f"/placements/assignments/{proposal}/finish",
              {"end_date": d, "outcome": "ended_early", "reason": "Moved to a different team"})
    with app.app_context():
        assert db.session.get(PlacementAssignment, proposal).status == AssignmentStatus.ENDED_EARLY


def test_a_placement_with_apprentices_on_it_cannot_be_withdrawn(app, employer_client):
    warehouse = placement_id(app, "Warehouse systems developer")
    shown = page(employer_client.get(f"/placements/{warehouse}"))  # not offered, and why
    assert shown.find("button", string="Withdraw it") is None
    assert text_of(shown.find(id="cannot-withdraw")) == \
        "Apprentices are proposed for or on this placement, so it cannot be withdrawn: close it when it ends."
    response = post_form(employer_client, f"/placements/{warehouse}/withdraw", {}, page=f"/placements/{warehouse}")
    assert "close it when it ends instead" in text_of(page(employer_client.get(response.headers["Location"])))
    post_form(employer_client, f"/placements/{warehouse}/close", {}, page=f"/placements/{warehouse}")
    assert lookup(app, sa.select(Placement.status).where(Placement.id == warehouse)) == PlacementStatus.CLOSED


def test_apprentices_browse_placements_for_their_standard_and_register_interest(app, apprentice_client,
                                                                               coordinator_client):
    soup = page(apprentice_client.get("/opportunities"))
    titles = [a.get_text() for a in soup.select(".app-card h2 a")]
    # The only one for a software developer still open to join (Warehouse systems developer is full).
    assert titles == ["Maintenance scheduling app"]
    warehouse = placement_id(app, "Maintenance scheduling app")
    post_form(apprentice_client, f"/opportunities/{warehouse}", {"interested": "yes"})
    assert "You are interested" in text_of(page(apprentice_client.get("/opportunities")))
    assert "Jordan Ellis" in text_of(page(coordinator_client.get(f"/placements/{warehouse}")).find(
        "h3", string="Interested apprentices").find_next("ul"))
    post_form(apprentice_client, f"/opportunities/{warehouse}", {"interested": "no"})
    assert lookup(app, sa.select(sa.func.count()).select_from(PlacementInterest)
                  .where(PlacementInterest.placement_id == warehouse)) == 0
    # Jordan is on the warehouse placement: one that overlaps it says so, and interest is still allowed.
    maintenance = page(apprentice_client.get(f"/opportunities/{warehouse}"))
    with app.app_context():
        placed = db.session.scalar(sa.select(PlacementAssignment).join(Placement).where(
            Placement.title == "Warehouse systems developer", PlacementAssignment.status.in_(AssignmentStatus.PLACED)))
        chosen = db.session.get(Placement, warehouse)
        overlaps = (placed.start_date or placed.placement.start_date) <= chosen.end_date \
            and (placed.end_date or placed.placement.end_date) >= chosen.start_date
    clash = maintenance.find(id="clash")
    assert overlaps  # as the demo has it
    assert "You are on Warehouse systems developer with" in text_of(clash)
    assert maintenance.find("button", string="I am interested")
    # A placement that is not published is not there for apprentices.
    draft = placement_id(app, "Member app discovery")
    assert apprentice_client.get(f"/opportunities/{draft}").status_code == 404


YESTERDAY = date.today() - timedelta(days=1)


@pytest.mark.parametrize("change,reason", [
    ({"closing_date": YESTERDAY}, "This placement closed on"),
    ({"places": 1}, "All the places on this placement are taken"),
    ({"closing_date": None, "start_date": YESTERDAY - timedelta(days=60), "end_date": YESTERDAY},
     "This placement has finished"),
])
def test_apprentices_are_offered_only_placements_they_can_still_join(app, apprentice_client, change, reason):
    warehouse = placement_id(app, "Maintenance scheduling app")
    post_form(apprentice_client, f"/opportunities/{warehouse}", {"interested": "yes"})  # while it is open
    with app.app_context():
        placement = db.session.get(Placement, warehouse)
        for key, value in change.items():
            setattr(placement, key, value)
        if "places" in change:  # someone else holds its only place
            other = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Ruby"))
            db.session.add(PlacementAssignment(placement=placement, apprentice=other,
                                               status=AssignmentStatus.ACCEPTED))
        db.session.commit()
    assert "Warehouse systems developer" not in text_of(page(apprentice_client.get("/opportunities")))
    soup = page(apprentice_client.get(f"/opportunities/{warehouse}"))  # still there to read, and to withdraw from
    assert "You are interested" in text_of(soup)
    post_form(apprentice_client, f"/opportunities/{warehouse}", {"interested": "no"})
    soup = page(apprentice_client.get(f"/opportunities/{warehouse}"))
    assert reason in text_of(soup) and soup.find("button", string="I am interested") is None
    refused = post_form(apprentice_client, f"/opportunities/{warehouse}", {"interested": "yes"},
                        follow_redirects=True)
    assert reason in text_of(page(refused))
    assert lookup(app, sa.select(sa.func.count()).select_from(PlacementInterest)
                  .where(PlacementInterest.placement_id == warehouse)) == 0


def test_the_employer_sees_headlines_of_their_apprentices_only(app, employer_client):
    soup = page(employer_client.get("/employer"))
    text = text_of(soup)
    for other in ("Fatima Begum", "Isla Morgan", "Zainab Hussain", "Liam Walsh", "Callum Murphy"):
        assert other not in text
    # On the placement (Jordan Ellis): the headlines of their progress.
    with_you = text_of(soup.select_one("[aria-label='Apprentices with this employer']"))
    assert "Jordan Ellis" in with_you and "verified of" in with_you and "Yusuf Ali" not in with_you
    # Only proposed (Yusuf Ali): what the decision page shows, and no more, in its own section.
    waiting = soup.select_one("[aria-label='Apprentices waiting for your decision']")
    assert text_of(soup.find("h2", id="waiting")) == "Waiting for your decision"
    proposal = lookup(app, sa.select(PlacementAssignment.id).where(
        PlacementAssignment.status == AssignmentStatus.PROPOSED))
    with app.app_context():
        standard = db.session.get(PlacementAssignment, proposal).apprentice.standard.display_name
    assert [text_of(tr) for tr in waiting.select("tbody tr")] == [
        f"Yusuf Ali {standard} Warehouse systems developer Accept or decline Yusuf Ali for Warehouse systems developer"]
    assert waiting.find("a")["href"] == f"/placements/proposals/{proposal}"
    assert "verified" not in text_of(waiting) and "review" not in text_of(waiting).lower()


# Isolation: an employer never reaches another employer's records -------------------------

def test_another_employers_placements_and_proposals_are_404s_with_none_of_their_data(app, signed_in):
    other = placement_id(app, "Patient records support")  # Northmoor Community Health Trust
    draft = placement_id(app, "Member app discovery")  # Cobalt Credit Union
    others_assignment = lookup(app, sa.select(PlacementAssignment.id).where(PlacementAssignment.placement_id == other))
    client = signed_in("employer")
    for method, path in [("get", f"/placements/{other}"), ("get", f"/placements/{other}/edit"),
                         ("get", f"/placements/{draft}/edit"), ("get", f"/placements/proposals/{others_assignment}"),
                         ("post", f"/placements/{other}/withdraw"), ("post", f"/placements/{draft}/submit"),
                         ("post", f"/placements/proposals/{others_assignment}")]:
        if method == "get":
            response = client.get(path)
        else:
            response = post_form(client, path, {}, page="/employer")
        assert response.status_code == 404, path
        body = response.get_data(as_text=True)
        assert "Patient records" not in body and "Fatima" not in body and "Member app" not in body
    assert lookup(app, sa.select(Placement.status).where(Placement.id == other)) == PlacementStatus.PUBLISHED
    # Apprentice records and coordinator pages are not theirs at all.
    fatima = lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == "Fatima"))
    assert client.get(f"/apprentices/{fatima}").status_code == 403
    assert client.get("/employers/2").status_code == 403
    listing = text_of(page(client.get("/placements")))
    assert "Patient records support" not in listing and "Warehouse systems developer" in listing


def test_a_signed_out_person_reaches_no_placement(app):
    client = app.test_client()
    for path in ("/placements/1", "/opportunities", "/opportunities/1", "/employers/1"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in"), path


def test_where_a_placement_is_reads_with_its_working_pattern_capitalised(app, coordinator_client):
    fleet = placement_id(app, "Fleet data placement")
    with app.app_context():
        placement = db.session.get(Placement, fleet)
        placement.working_pattern, placement.location = WorkingPattern.HYBRID, "Northmoor"
        db.session.commit()

    def where() -> str:
        soup = page(coordinator_client.get(f"/placements/{fleet}"))
        return next(text_of(row.dd) for row in soup.select(".govuk-summary-list__row") if text_of(row.dt) == "Where")

    assert where() == "Hybrid, Northmoor"
    with app.app_context():
        db.session.get(Placement, fleet).location = None
        db.session.commit()
    assert where() == "Hybrid"


def test_the_error_summary_lists_problems_in_the_order_of_the_fields(signed_in):
    # A summary that jumps about the page makes the person hunt for each box.
    response = post_form(signed_in("employer"), "/placements/new", {"places": "99999999999"})
    soup = page(response)
    links = [a["href"].removeprefix("#") for a in soup.select(".govuk-error-summary a")]
    assert links[0] == "title" and links[-1] == "places"
    on_page = [element["id"] for element in soup.select("form input[id], form textarea[id], form select[id]")]
    positions = [on_page.index(anchor) for anchor in links]
    assert positions == sorted(positions), links


# An employer's daily work: dates that have passed, what a placement's status says, what they can change

def _day_parts(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _set(app, pid: int, **values) -> None:
    """Time passes (or a record is as old as it is): change the stored placement directly."""
    with app.app_context():
        placement = db.session.get(Placement, pid)
        for key, value in values.items():
            setattr(placement, key, value)
        db.session.commit()


@pytest.mark.parametrize("changes,field,message", [
    ({"closing_date": _day_parts(YESTERDAY)}, "closing_date", "Closing date must be today or in the future"),
    ({"start_date": _day_parts(YESTERDAY)}, "start_date", "Start date must be today or in the future"),
    ({"start_date": _day_parts(YESTERDAY - timedelta(days=30)), "end_date": _day_parts(YESTERDAY)},
     "start_date", "Start date must be today or in the future"),
])
def test_a_new_placement_cannot_have_dates_that_have_passed(app, employer_client, changes, field, message):
    for button in ({}, {"save_draft": "", "submit": "Submit for approval"}):  # as a draft or submitted
        soup = page(post_placement(app, employer_client, **changes, **button))
        assert errors(soup)[field] == message
        assert placement_id(app, "Route planning data") is None


def test_a_draft_whose_start_has_passed_must_get_new_dates_before_it_is_submitted(app, employer_client):
    post_placement(app, employer_client)
    pid = placement_id(app, "Route planning data")
    _set(app, pid, start_date=YESTERDAY)  # it waited as a draft too long
    # Kept as a draft, the old date may stay; submitted, it may not, from the form or the page's button.
    assert post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, start_date=_day_parts(YESTERDAY))).status_code == 303
    soup = page(post_form(employer_client, f"/placements/{pid}/edit", placement_data(
        app, start_date=_day_parts(YESTERDAY), save_draft="", submit="Submit for approval")))
    assert errors(soup)["start_date"] == "Start date must be today or in the future"
    refused = post_form(employer_client, f"/placements/{pid}/submit", {}, page=f"/placements/{pid}",
                        follow_redirects=True)
    assert (f"Its start date, {YESTERDAY.day} {YESTERDAY:%B %Y}, has passed. Edit it to give new dates, then "
            "submit it.") in text_of(page(refused))
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.DRAFT


@pytest.mark.parametrize("passed,message", [
    ({"closing_date": YESTERDAY}, f"Its closing date for applications, {YESTERDAY.day} {YESTERDAY:%B %Y}, has passed"),
    ({"start_date": YESTERDAY - timedelta(days=60), "end_date": YESTERDAY},
     f"Its end date, {YESTERDAY.day} {YESTERDAY:%B %Y}, has passed"),
])
def test_a_placement_whose_dates_have_passed_cannot_be_published(app, employer_client, coordinator_client, passed,
                                                                 message):
    post_placement(app, employer_client, save_draft="", submit="Submit for approval")
    pid = placement_id(app, "Route planning data")
    _set(app, pid, **passed)  # the coordinator took too long to decide
    soup = page(coordinator_client.get(f"/placements/{pid}"))
    said = f"{message}, so it cannot be published. Send it back to Kestrel Logistics Ltd to give new dates."
    assert said in text_of(soup.find(id="publish-problem"))
    refused = post_form(coordinator_client, f"/placements/{pid}/review", {"decision": "publish"},
                        page=f"/placements/{pid}", follow_redirects=True)
    assert said in text_of(page(refused))
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.SUBMITTED
    # Sending it back is how it gets new dates.
    post_form(coordinator_client, f"/placements/{pid}/review",
              {"decision": "send_back", "comment": "New dates, please."}, page=f"/placements/{pid}")
    assert lookup(app, sa.select(Placement.status).where(Placement.id == pid)) == PlacementStatus.RETURNED


@pytest.mark.parametrize("passed,shown", [
    ({"closing_date": None}, "Published"),  # under way, open until it ends
    ({}, "Applications closed"),  # in the demo it started 26 weeks ago and closed before then
    ({"closing_date": None, "end_date": YESTERDAY}, "Ended"),
])
def test_a_published_placement_says_when_applications_closed_or_it_ended(app, coordinator_client, employer_client,
                                                                         passed, shown):
    fleet = placement_id(app, "Fleet data placement")  # the demo employer's, published
    _set(app, fleet, **passed)
    coordinator_list = page(coordinator_client.get("/placements"))
    row = next(tr for tr in coordinator_list.select("tbody tr") if "Fleet data placement" in text_of(tr))
    assert text_of(row.select_one(".govuk-tag")) == shown
    for client in (coordinator_client, employer_client):
        assert text_of(page(client.get(f"/placements/{fleet}")).select_one("#placement-status .govuk-tag")) == shown
    home = page(employer_client.get("/employer"))
    row = next(tr for tr in home.select("tbody tr") if "Fleet data placement" in text_of(tr))
    assert text_of(row.select_one(".govuk-tag")) == shown


def test_the_employer_is_told_how_to_change_a_placement_they_cannot_edit(app, employer_client, coordinator_client):
    warehouse = placement_id(app, "Warehouse systems developer")  # published
    soup = page(employer_client.get(f"/placements/{warehouse}"))
    assert text_of(soup.find(id="how-to-change")) == \
        "To change anything else about a published placement, contact your programme coordinator."
    assert soup.find(id="change-opening")["href"] == f"/placements/{warehouse}/amend"
    assert soup.find(id="amended") is None  # no one has changed it since it was published
    # The coordinator changes it: the employer sees who and when.
    path = f"/placements/{warehouse}/amend"
    assert amend_post(coordinator_client, path, amend_fields(coordinator_client, path, places="3")).status_code == 303
    assert lookup(app, sa.select(Placement.places).where(Placement.id == warehouse)) == 3
    today = date.today()
    assert text_of(page(employer_client.get(f"/placements/{warehouse}")).find(id="amended")).startswith(
        f"Last changed by the programme coordinator on {today.day} {today:%B %Y} at ")
    # Submitted: wait for the decision, or withdraw it and post it again.
    post_placement(app, employer_client, save_draft="", submit="Submit for approval")
    soup = page(employer_client.get(f"/placements/{placement_id(app, 'Route planning data')}"))
    said = text_of(soup.find(id="how-to-change"))
    assert "cannot be edited now. Wait for their decision" in said and "Or withdraw it below and post it again." in said
    assert soup.find("a", string="Edit") is None and soup.find("button", string="Withdraw it") is not None


def test_a_number_that_is_not_whole_or_is_negative_gets_one_message_that_says_what_is_allowed(app, employer_client):
    soup = page(post_placement(app, employer_client, places="2.5", minutes_per_week="-5"))
    assert errors(soup)["places"] == "Number of places must be a whole number"
    assert errors(soup)["minutes_per_week"] == "Hours a week must be between 1 and 60"
    summary = [text_of(li) for li in soup.select(".govuk-error-summary__list li")]
    assert summary == ["Hours a week must be between 1 and 60", "Number of places must be a whole number"]
    assert errors(page(post_placement(app, employer_client, places="-5")))["places"] == \
        "Number of places must be between 1 and 50"
    assert errors(page(post_placement(app, employer_client, minutes_per_week="lots")))["minutes_per_week"] == \
        "Hours a week must be a number, like 37.5"


def _described_by_problems(soup) -> list[str]:
    """Every aria-describedby names elements that exist and say something."""
    problems = []
    for tag in soup.find_all(attrs={"aria-describedby": True}):
        for target in tag["aria-describedby"].split():
            found = soup.find(id=target)
            if found is None or not text_of(found):
                problems.append(f"{tag.get('id') or tag.name} -> {target}")
    return problems


def test_radios_and_checkboxes_without_a_hint_point_at_no_empty_hint(app, employer_client, coordinator_client):
    submitted = placement_id(app, "Clinic booking service research")  # the coordinator decides: radios
    for client, path in ((employer_client, "/placements/new"), (employer_client, "/notifications/preferences"),
                         (coordinator_client, f"/placements/{submitted}")):
        soup = page(client.get(path))
        assert soup.select(".govuk-radios"), path
        assert _described_by_problems(soup) == [], path
        assert not [h for h in soup.select(".govuk-hint") if not text_of(h)], path
    # A hint with words is still there, and named.
    soup = page(employer_client.get("/placements/new"))
    assert "host_supervisor_id-hint" in soup.find(id="host_supervisor_id")["aria-describedby"]
    # With an error, the radios name their message (and still no empty hint).
    soup = page(post_placement(app, employer_client, working_pattern="", save_draft="", submit="Submit for approval"))
    fieldset = soup.find(id="working_pattern").find_parent("fieldset")
    assert fieldset["aria-describedby"] == "working_pattern-error"
    assert _described_by_problems(soup) == []


def test_every_change_an_employer_makes_is_confirmed_the_same_way(app, employer_client):
    """One success banner, one pattern: the placement named, what happened to it, what happens next."""
    def said(response) -> str:
        assert response.status_code == 303
        banners = page(employer_client.get(response.headers["Location"])).select(
            ".govuk-notification-banner--success .govuk-notification-banner__content")
        assert len(banners) == 1
        return text_of(banners[0])

    assert said(post_placement(app, employer_client)) == \
        "Route planning data has been saved as a draft. Submit it for approval when it is ready."
    draft = placement_id(app, "Route planning data")
    assert said(post_form(employer_client, f"/placements/{draft}/submit", {}, page=f"/placements/{draft}")) == (
        "Route planning data has been submitted for approval. Your programme coordinator will publish it or send "
        "it back to you with a comment.")
    assert said(post_form(employer_client, f"/placements/{draft}/withdraw", {}, page=f"/placements/{draft}")) == \
        "Route planning data has been withdrawn. Apprentices can no longer see it."
    fleet = placement_id(app, "Fleet data placement")
    assert said(post_form(employer_client, f"/placements/{fleet}/close", {}, page=f"/placements/{fleet}")) == \
        "Fleet data placement has been closed. Apprentices can no longer apply for it."


def test_the_employer_sees_an_apprentice_on_a_break_in_learning_as_on_a_break_not_active(
        app, employer_client, coordinator_client):
    from apprenticeships.services import apprentices as apprentice_service

    def jordans_row(soup):
        table = soup.select_one("[aria-label='Apprentices with this employer'], "
                                "[aria-label='Apprentices proposed for or on this placement']")
        [row] = [tr for tr in table.select("tbody tr") if "Jordan Ellis" in text_of(tr)]
        return row

    def status_of_jordan() -> str:
        return text_of(jordans_row(page(employer_client.get("/employer"))).find(attrs={"data-label": "Status"}))

    def on_placement_page(client) -> str:
        row = jordans_row(page(client.get(placement)))
        return text_of(row.find(attrs={"data-label": "Status"}))

    placement = jordans_row(page(employer_client.get("/employer"))).find(attrs={"data-label": "Placement"}).a["href"]
    assert status_of_jordan() == on_placement_page(employer_client) == on_placement_page(coordinator_client) == (
        "Active")
    back = date.today() + timedelta(days=40)
    with app.app_context():
        boss = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR).limit(1))
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan",
                                                                Apprentice.last_name == "Ellis"))
        apprentice_service.start_break(boss, jordan, date.today() - timedelta(days=3), back, "Caring")
        db.session.commit()
    said = status_of_jordan()
    assert said == f"On a break in learning – expected back {format_date(back)}"
    # The placement's page says the same, to the employer and to the coordinator.
    assert on_placement_page(employer_client) == on_placement_page(coordinator_client) == said
    assert "Caring" not in text_of(page(employer_client.get("/employer")))  # the reason stays with the council


# Lists of placements: paginated in the database, filters kept in the page links ------------------

def add_placements(app, count: int, *, status: PlacementStatus = PlacementStatus.PUBLISHED,
                   prefix: str = "Bulk placement") -> list[str]:
    """`count` complete placements of the demo employer's organisation,
    for the software developer standard, each starting a week after the one before; their titles,
    newest start first (the order lists show)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["employer"]))
        standard = db.session.scalar(sa.select(ApprenticeshipStandard).where(
            ApprenticeshipStandard.reference == "ST0116"))
        first = date.today() + timedelta(weeks=30)
        titles = []
        for n in range(count):
            start = first + timedelta(weeks=n)
            titles.append(f"{prefix} {n:02d}")
            db.session.add(Placement(
                employer_id=user.employer_id, title=titles[-1], description="Help the team.",
                working_pattern=WorkingPattern.HYBRID, minutes_per_week=600, start_date=start,
                end_date=start + timedelta(weeks=12), places=2, status=status, standards=[standard]))
        db.session.commit()
    return titles[::-1]


def _demo_employer(app) -> int:
    return lookup(app, sa.select(User.employer_id).where(User.email == DEMO_EMAILS["employer"]))


def _placements_of(app, employer_id: int) -> int:
    return lookup(app, sa.select(sa.func.count()).where(Placement.employer_id == employer_id))


def _titles(soup, label: str = "Placements") -> list[str]:
    return [a.get_text() for a in soup.select(f"[aria-label='{label}'] tbody th a")]


def test_the_employers_placements_come_a_page_at_a_time(app, employer_client):
    shown = _placements_of(app, _demo_employer(app))
    added = add_placements(app, 30)
    total = shown + 30
    first = page(employer_client.get("/placements"))
    assert f"Showing 1 to 25 of {total} placements." in text_of(first)
    assert _titles(first) == added[:25]  # the newest start first
    assert first.select_one(".govuk-pagination__next a")["href"] == "/placements?page=2"
    second = page(employer_client.get("/placements?page=2"))
    assert f"Showing 26 to {total} of {total} placements." in text_of(second)
    assert _titles(second)[:5] == added[25:]
    assert not set(_titles(second)) & set(added[:25])
    # A page past the last shows the last.
    assert _titles(page(employer_client.get("/placements?page=99"))) == _titles(second)


def test_the_coordinators_list_keeps_its_filter_from_page_to_page(app, coordinator_client):
    published = add_placements(app, 27)
    add_placements(app, 3, status=PlacementStatus.DRAFT, prefix="Bulk draft")
    already = lookup(app, sa.select(sa.func.count()).select_from(Placement).where(
        Placement.status == PlacementStatus.PUBLISHED)) - 27
    soup = page(coordinator_client.get("/placements?status=published"))
    all_of_them = soup.find("h2", id="all-placements").find_next("div", class_="app-table-scroll")
    assert f"Showing 1 to 25 of {27 + already} placements." in text_of(soup)
    assert [a.get_text() for a in all_of_them.select("tbody th a")] == published[:25]
    links = [a["href"] for a in soup.select(".govuk-pagination a")]
    assert "/placements?page=2&status=published#all-placements" in links
    second = page(coordinator_client.get("/placements?page=2&status=published"))
    titles = [a.get_text() for a in second.find("h2", id="all-placements").find_next(
        "div", class_="app-table-scroll").select("tbody th a")]
    assert titles[:2] == published[25:] and not any(t.startswith("Bulk draft") for t in titles)
    assert second.select_one(".govuk-pagination__item--current").get_text(strip=True) == "2"


def test_the_coordinator_sees_the_first_placements_waiting_and_a_link_to_them_all(app, coordinator_client):
    waiting = add_placements(app, 12, status=PlacementStatus.SUBMITTED, prefix="Bulk waiting")
    total = lookup(app, sa.select(sa.func.count()).select_from(Placement).where(
        Placement.status == PlacementStatus.SUBMITTED))
    soup = page(coordinator_client.get("/placements"))
    shown = _titles(soup, "Placements waiting for approval")
    # The oldest first, as on the dashboard: the demo's (submitted in the app), then the bulk ones (no
    # submission time) in the order they were made.
    assert len(shown) == 10 and shown[1:] == waiting[::-1][:9]
    assert f"Showing the 10 oldest of {total} placements waiting for approval." in text_of(soup)
    dashboard = text_of(page(coordinator_client.get("/coordinator")))
    assert all(f"{title} at " in dashboard for title in shown)
    link = soup.find("a", string=f"View all {total} placements waiting for approval")
    assert link["href"] == "/placements?status=submitted#all-placements"
    everything = page(coordinator_client.get(link["href"]))
    assert f"of {total} placements." in text_of(everything)


def test_the_employer_home_shows_the_newest_placements_and_links_to_them_all(app, employer_client):
    soup = page(employer_client.get("/employer"))
    few = _placements_of(app, _demo_employer(app))
    assert "Showing the newest" not in text_of(soup)
    assert soup.find("a", string=f"View all {few} placement{'s' if few != 1 else ''}")["href"] == "/placements"
    added = add_placements(app, 15)
    soup = page(employer_client.get("/employer"))
    assert _titles(soup) == added[:10]
    assert f"Showing the newest 10 of {few + 15} placements." in text_of(soup)
    assert soup.find("a", string=f"View all {few + 15} placements")["href"] == "/placements"


def test_an_employer_partners_page_pages_through_their_placements(app, coordinator_client):
    added = add_placements(app, 26)
    employer = _demo_employer(app)
    soup = page(coordinator_client.get(f"/employers/{employer}"))
    assert _titles(soup) == added[:25]
    assert f"Showing 1 to 25 of {_placements_of(app, employer)} placements." in text_of(soup)
    next_link = soup.select_one(".govuk-pagination__next a")["href"]
    assert next_link == f"/employers/{employer}?page=2#placements"
    titles = _titles(page(coordinator_client.get(next_link)))
    assert added[25] in titles and added[0] not in titles


def test_an_apprentice_pages_through_the_placements_they_could_join(app, apprentice_client):
    added = add_placements(app, 26)
    soup = page(apprentice_client.get("/opportunities"))
    titles = [a.get_text() for a in soup.select(".app-card h2 a")]
    assert titles == added[:25]
    assert "Showing 1 to 25 of 27 placements." in text_of(soup)  # and Maintenance scheduling app
    soup = page(apprentice_client.get(soup.select_one(".govuk-pagination__next a")["href"]))
    assert [a.get_text() for a in soup.select(".app-card h2 a")] == [added[25], "Maintenance scheduling app"]


def test_the_dashboard_shows_the_placements_waiting_longest_and_a_link_to_them_all(app, coordinator_client):
    """Ten at most on the dashboard, however many are waiting, with how many and where to see them all."""
    def waiting_items(soup) -> list[str]:
        heading = soup.find("h2", string="Placements waiting for a decision")
        return [text_of(li) for li in heading.find_next("ul").find_all("li")]

    assert "Showing the" not in text_of(page(coordinator_client.get("/coordinator")))
    add_placements(app, 12, status=PlacementStatus.SUBMITTED, prefix="Bulk waiting")
    total = lookup(app, sa.select(sa.func.count()).select_from(Placement).where(
        Placement.status == PlacementStatus.SUBMITTED))
    soup = page(coordinator_client.get("/coordinator"))
    shown = [item for item in waiting_items(soup) if item.endswith("submitted for your approval")]
    assert len(shown) == 10 and len(waiting_items(soup)) <= 20
    assert f"Showing the 10 oldest of {total} placements waiting for approval." in text_of(soup)
    link = soup.find("a", string=f"View all {total} placements waiting for approval")
    assert link["href"] == "/placements?status=submitted#all-placements"


def test_the_employer_home_lists_the_proposals_waiting_longest_and_says_how_many_in_all(app, employer_client):
    """At most 20 on the home page, whatever the number: each placement's page has all of its own."""
    added = add_placements(app, 1, prefix="Busy placement")[0]
    with app.app_context():
        placement = db.session.scalar(sa.select(Placement).where(Placement.title == added))
        already = db.session.scalar(sa.select(sa.func.count()).select_from(PlacementAssignment)
                                    .join(Placement).where(Placement.employer_id == placement.employer_id,
                                                           PlacementAssignment.status == AssignmentStatus.PROPOSED))
        for apprentice_id in db.session.scalars(sa.select(Apprentice.id).order_by(Apprentice.id).limit(21)):
            db.session.add(PlacementAssignment(placement_id=placement.id, apprentice_id=apprentice_id, reserve=True))
        db.session.commit()
    soup = page(employer_client.get("/employer"))
    rows = soup.find("h2", id="waiting").find_next("table").select("tbody tr")
    assert len(rows) == 20
    assert f"Showing the 20 waiting longest of {already + 21}" in text_of(soup)
