"""The coordinator changes a published placement: its wording, closing date and number of places.

The demo's Maintenance scheduling app (Northmoor Engineering) is published, starts in eight
weeks, closes for applications in three and has two places, none held; the Warehouse systems
developer placement has both its places held (one apprentice on it, one proposed).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from apprenticeships.extensions import db
from apprenticeships.models import AuditEvent, Placement
from apprenticeships.services import placements

from ..helpers import lookup, page, post_form, text_of
from .test_apprentices import errors
from .test_concurrency import form_fields


def _placement(app, title: str) -> Placement:
    with app.app_context():
        placement = db.session.scalar(sa.select(Placement).where(Placement.title == title))
        db.session.expunge(placement)
        return placement


def _date(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _fields(client, path: str, **changes) -> list[tuple[str, str]]:
    """The edit form as the page shows it, with some answers changed (a date as its three parts)."""
    fields = form_fields(client.get(path).get_data(as_text=True))
    posted, done = [], set()
    for name, value in fields:
        if name not in changes:
            posted.append((name, value))
        elif name not in done:
            done.add(name)
            new = changes[name]
            posted.extend((name, v) for v in (new if isinstance(new, list) else [new]))
    return posted


def _post(client, path: str, fields: list[tuple[str, str]]):
    return client.post(path, data=MultiDict(fields))


def test_the_coordinator_changes_the_closing_date_and_places_and_it_is_audited(app, coordinator_client):
    placement = _placement(app, "Maintenance scheduling app")
    path = f"/placements/{placement.id}/amend"
    soup = page(coordinator_client.get(f"/placements/{placement.id}"))
    assert soup.find("a", string="Change the details, closing date or number of places")["href"] == path
    form = page(coordinator_client.get(path))
    assert text_of(form.h1) == "Change Maintenance scheduling app"
    # No one was proposed for it: the page does not say they were.
    assert "Its dates and hours cannot change once it is published." in text_of(form)
    assert "apprentices were proposed for them" not in text_of(form)
    warehouse = _placement(app, "Warehouse systems developer")  # someone was
    assert "Its dates and hours cannot change once it is published: apprentices were proposed for them." in \
        text_of(page(coordinator_client.get(f"/placements/{warehouse.id}/amend")))
    assert "No places are taken or held for a proposed apprentice yet." in text_of(form)
    assert "2 places are taken or held for proposed apprentices, so it needs at least 2." in \
        text_of(page(coordinator_client.get(f"/placements/{warehouse.id}/amend")))
    later = placement.closing_date + timedelta(weeks=2)
    response = _post(coordinator_client, path, _fields(coordinator_client, path, places="4",
                                                       closing_date=_date(later),
                                                       title="Maintenance scheduling app (two teams)"))
    assert response.status_code == 303
    shown = text_of(page(coordinator_client.get(response.headers["Location"])))
    assert "Your changes to Maintenance scheduling app (two teams) have been saved." in shown
    assert "2 places" not in shown
    assert "4 places, all free." in shown
    with app.app_context():
        stored = db.session.get(Placement, placement.id)
        assert (stored.places, stored.closing_date, stored.version) == (4, later, placement.version + 1)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "placement.amended"))
        assert (event.subject_id, event.details) == (placement.id, {"fields": ["closing_date", "places", "title"]})


@pytest.mark.parametrize("changes,field,message", [
    ({"places": "1"}, "places", "Number of places must be at least 2, the places held now"),
    ({"places": "51"}, "places", "Number of places must be between 1 and 50"),
    ({"places": "two"}, "places", "Number of places must be a whole number"),
    ({"places": "99999999999"}, "places", "Number of places must be between 1 and 50"),
    ({"places": "0"}, "places", "Number of places must be between 1 and 50"),
    ({"closing_date": "after start"}, "closing_date", "Closing date must be on or before the start date"),
    ({"closing_date": ["31", "2", "2027"]}, "closing_date", "Closing date for applications must be a real date"),
    ({"title": ""}, "title", "Enter a title for the placement"),
])
def test_places_never_go_below_those_held_and_the_closing_date_is_checked(app, coordinator_client, changes, field,
                                                                          message):
    warehouse = _placement(app, "Warehouse systems developer")  # both its places held
    path = f"/placements/{warehouse.id}/amend"
    if changes.get("closing_date") == "after start":
        changes = {"closing_date": _date(date.today() + timedelta(days=1))}
    soup = page(_post(coordinator_client, path, _fields(coordinator_client, path, **changes)))
    assert errors(soup)[field].startswith(message)
    assert len(soup.select(".govuk-error-summary li")) == 1  # one message for one field
    assert lookup(app, sa.select(Placement.version).where(Placement.id == warehouse.id)) == warehouse.version


def test_a_closing_date_is_before_the_start_or_for_a_running_placement_before_its_end(app, coordinator_client):
    maintenance = _placement(app, "Maintenance scheduling app")  # starts in eight weeks
    path = f"/placements/{maintenance.id}/amend"
    soup = page(_post(coordinator_client, path, _fields(
        coordinator_client, path, closing_date=_date(maintenance.start_date + timedelta(days=1)))))
    start = maintenance.start_date
    assert errors(soup)["closing_date"] == \
        f"Closing date must be on or before the start date, {start.day} {start:%B %Y}"
    # The fleet placement is under way (its closing date long past): a later closing date is
    # refused, saying how to keep it open until it ends; with none, apprentices can still join.
    fleet = _placement(app, "Fleet data placement")
    path = f"/placements/{fleet.id}/amend"
    assert fleet.start_date < date.today() < fleet.end_date
    form = text_of(page(coordinator_client.get(path)))
    assert "It has started. With no closing date, apprentices can still be proposed for it" in form
    soup = page(_post(coordinator_client, path, _fields(coordinator_client, path,
                                                        closing_date=_date(date.today() + timedelta(weeks=4)))))
    end = fleet.end_date
    assert errors(soup)["closing_date"].endswith(
        f"It has started: leave the closing date empty to keep it open until it ends, {end.day} {end:%B %Y}")
    assert _post(coordinator_client, path, _fields(coordinator_client, path, closing_date=["", "", ""])) \
        .status_code == 303
    assert lookup(app, sa.select(Placement.closing_date).where(Placement.id == fleet.id)) is None
    assert (f"No closing date: open until it ends, {end.day} {end:%B %Y}"
            in text_of(page(coordinator_client.get(f"/placements/{fleet.id}"))))
    assert lookup(app, sa.select(Placement.id).where(Placement.id == fleet.id,
                                                     placements.joinable(date.today()))) == fleet.id


def test_a_closing_date_cannot_be_moved_into_the_past_but_an_old_one_can_stay(app, coordinator_client):
    maintenance = _placement(app, "Maintenance scheduling app")
    warehouse = _placement(app, "Warehouse systems developer")
    path = f"/placements/{maintenance.id}/amend"
    soup = page(_post(coordinator_client, path, _fields(coordinator_client, path,
                                                        closing_date=_date(date.today() - timedelta(days=1)))))
    assert errors(soup)["closing_date"] == "Closing date must be today or in the future"
    # The warehouse placement closed for applications long ago: a change to its wording keeps that date.
    path = f"/placements/{warehouse.id}/amend"
    response = _post(coordinator_client, path, _fields(coordinator_client, path, team="Warehouse software"))
    assert response.status_code == 303
    with app.app_context():
        stored = db.session.get(Placement, warehouse.id)
        assert (stored.team, stored.closing_date) == ("Warehouse software", warehouse.closing_date)


def test_two_edits_from_the_same_version_conflict_visibly_and_nothing_is_lost(app, coordinator_client, signed_in):
    placement = _placement(app, "Maintenance scheduling app")
    path = f"/placements/{placement.id}/amend"
    other = signed_in("coordinator")
    mine, theirs = (_fields(c, path) for c in (coordinator_client, other))  # both open the form
    assert _post(other, path, [(n, "3" if n == "places" else v) for n, v in theirs]).status_code == 303
    response = _post(coordinator_client, path, [(n, "5" if n == "places" else v) for n, v in mine])
    soup = page(response)
    summary = text_of(soup.select_one(".govuk-error-summary"))
    assert "Someone else changed this placement while you were editing" in summary
    assert soup.find("input", attrs={"name": "places"})["value"] == "5"  # what they typed is kept
    assert "Someone else changed this to \u201c3\u201d" in errors(soup)["places"]
    assert lookup(app, sa.select(Placement.places).where(Placement.id == placement.id)) == 3
    # Saving again, after a look, goes through.
    assert _post(coordinator_client, path, form_fields(response.get_data(as_text=True))).status_code == 303
    assert lookup(app, sa.select(Placement.places).where(Placement.id == placement.id)) == 5


def test_only_a_published_placement_is_changed_here(app, coordinator_client):
    draft = _placement(app, "Member app discovery")
    response = coordinator_client.get(f"/placements/{draft.id}/amend")
    assert "Only a published placement can be changed here." in text_of(page(coordinator_client.get(
        response.headers["Location"])))
    assert "Change the details" not in text_of(page(coordinator_client.get(f"/placements/{draft.id}")))


def test_the_employer_changes_the_closing_date_and_places_of_their_published_placement(app, employer_client,
                                                                                     coordinator_client):
    warehouse = _placement(app, "Warehouse systems developer")  # Kestrel's; under way, both places held
    path = f"/placements/{warehouse.id}/amend"
    shown = page(employer_client.get(f"/placements/{warehouse.id}"))
    assert text_of(shown.find(id="how-to-change")) == (
        "To change anything else about a published placement, contact your programme coordinator.")
    assert shown.find("a", string="Change the closing date or number of places")["href"] == path
    assert shown.find("a", string="Change the details, closing date or number of places") is None
    form = page(employer_client.get(path))
    assert text_of(form.h1) == "Change the closing date or places of Warehouse systems developer"
    assert "To change how it is described, contact your programme coordinator." in text_of(form)
    # Only these two: its wording is what the coordinator approved.
    assert {i["name"] for i in form.select("main form input, main form textarea") if i["type"] != "hidden"} \
        == {"places", "closing_date"}
    # One more place, and open until it ends; a title posted anyway changes nothing.
    fields = _fields(employer_client, path, places="3", closing_date=["", "", ""]) + [("title", "Renamed")]
    response = _post(employer_client, path, fields)
    assert response.status_code == 303 and response.headers["Location"].startswith(f"/placements/{warehouse.id}#")
    shown = page(employer_client.get(response.headers["Location"]))
    assert text_of(shown.select_one(".govuk-notification-banner--success")) == \
        "Success Your changes to Warehouse systems developer have been saved."
    assert "3 places: 1 taken, 1 held for a proposal waiting for you, 1 free." in text_of(shown)
    with app.app_context():
        stored = db.session.get(Placement, warehouse.id)
        assert (stored.places, stored.closing_date, stored.title) == (3, None, "Warehouse systems developer")
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "placement.amended"))
        assert (event.subject_id, event.details) == (warehouse.id, {"fields": ["closing_date", "places"]})
    # The coordinator sees who changed it.
    assert text_of(page(coordinator_client.get(f"/placements/{warehouse.id}")).find(id="amended")).startswith(
        "Last changed by Kestrel Logistics Ltd on ")


@pytest.mark.parametrize("changes,message", [
    ({"places": "1"}, "Number of places must be at least 2, the places held now"),
    ({"places": "0"}, "Number of places must be between 1 and 50"),
])
def test_the_employer_gets_the_same_rules_never_fewer_places_than_held(
        app, employer_client, changes, message):
    warehouse = _placement(app, "Warehouse systems developer")  # both its places held
    path = f"/placements/{warehouse.id}/amend"
    soup = page(_post(employer_client, path, _fields(employer_client, path, **changes)))
    assert errors(soup)[next(iter(changes))].startswith(message)
    assert lookup(app, sa.select(Placement.version).where(Placement.id == warehouse.id)) == warehouse.version


def test_an_employer_cannot_change_another_employers_placement(app, employer_client):
    maintenance = _placement(app, "Maintenance scheduling app")  # Ironbridge's
    assert employer_client.get(f"/placements/{maintenance.id}/amend").status_code == 404
    assert post_form(employer_client, f"/placements/{maintenance.id}/amend", {"places": "9"},
                     page="/placements").status_code == 404
    assert lookup(app, sa.select(Placement.places).where(Placement.id == maintenance.id)) == 2