"""Proposing apprentices for placements: a note to the employer, reserves when every place is
held, withdrawing a proposal the employer has not answered, and what the employer sees to decide.

In the demo, the Warehouse systems developer placement (Kestrel Logistics, the demo employer's)
has both its places held: Jordan Ellis is on it and Yusuf Ali is proposed, unanswered. The
Fleet data placement (also theirs) has one place, free.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    AssignmentStatus,
    AuditEvent,
    EmployerPartner,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    Role,
    User,
)
from apprenticeships.services import placements
from apprenticeships.services.placements import PlacementError

from ..helpers import DEMO_EMAILS, lookup, page, post_form, served, text_of
from . import test_concurrency as racing
from .test_apprentices import errors


def _placement(app, title: str) -> int:
    return lookup(app, sa.select(Placement.id).where(Placement.title == title))


def _apprentice(app, first_name: str) -> int:
    return lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == first_name))


def _assignment(app, placement_id: int, apprentice_id: int) -> PlacementAssignment | None:
    with app.app_context():
        found = db.session.scalar(sa.select(PlacementAssignment).where(
            PlacementAssignment.placement_id == placement_id, PlacementAssignment.apprentice_id == apprentice_id)
            .order_by(PlacementAssignment.id.desc()).limit(1))
        if found is not None:
            db.session.expunge(found)
        return found


def _link(soup, text: str):
    """The first link whose words (hidden ones included, as a screen reader hears them) are `text`."""
    return next(a for a in soup.find_all("a") if text_of(a) == text)


def _row(soup, name: str) -> str:
    """The words of the first table row about `name`."""
    return next(text_of(tr) for tr in soup.select("tbody tr") if name in text_of(tr))


def _flashed(client, response) -> str:
    assert response.status_code == 303, response.status_code
    return text_of(page(client.get(response.headers["Location"])))


def _propose(client, placement_id: int, apprentice_id: int, **data):
    return post_form(client, f"/placements/{placement_id}/propose/{apprentice_id}", data)


def _yusuf(app) -> int:
    """The demo's proposal the employer has not answered: Yusuf Ali for Warehouse systems developer."""
    return lookup(app, sa.select(PlacementAssignment.id).where(PlacementAssignment.status == AssignmentStatus.PROPOSED))


def _actions(app, assignment_id: int) -> list[tuple[str, dict]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.subject_type == "placement_assignments", AuditEvent.subject_id == assignment_id)
            .order_by(AuditEvent.id))]


# Withdrawing a proposal --------------------------------------------------------------------

def test_withdrawing_asks_first_then_frees_the_place_and_the_employer_no_longer_sees_it(app, coordinator_client,
                                                                                       employer_client):
    proposal, warehouse = _yusuf(app), _placement(app, "Warehouse systems developer")
    soup = page(coordinator_client.get(f"/placements/{warehouse}"))
    link = _link(soup, "Withdraw the proposal of Yusuf Ali")
    assert link["href"] == f"/placements/proposals/{proposal}/withdraw"
    assert "2 places: 1 taken, 1 held for a proposal waiting for the employer, none free." in text_of(soup)

    confirm = page(coordinator_client.get(link["href"]))
    assert text_of(confirm.h1) == "Are you sure you want to withdraw the proposal of Yusuf Ali?"
    assert "Once the proposal is withdrawn, Kestrel Logistics Ltd will no longer see it." in text_of(confirm)
    assert confirm.find("a", string="No, keep the proposal")["href"] == f"/placements/{warehouse}#apprentices"
    assert confirm.find("button", string="Yes, withdraw it") is not None
    assert lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal)) \
        == AssignmentStatus.PROPOSED  # asking changes nothing

    shown = _flashed(coordinator_client, post_form(coordinator_client, link["href"], {}))
    assert "The proposal of Yusuf Ali was withdrawn." in shown
    assert "2 places: 1 taken, 1 free." in shown and "Withdrawn" in shown  # the coordinator keeps its history
    assert [a for a, _ in _actions(app, proposal)][-1] == "placement.proposal_withdrawn"

    # The employer: not on the placement's page, their home page, or their list of apprentices.
    for path in (f"/placements/{warehouse}", "/employer"):
        text = text_of(page(employer_client.get(path)))
        assert "Yusuf Ali" not in text, path
    assert "Waiting for your decision" not in text_of(page(employer_client.get("/employer")))
    # An old link to it leads to the placement, saying what happened; an answer is refused.
    response = employer_client.get(f"/placements/proposals/{proposal}")
    assert "The coordinator withdrew the proposal of Yusuf Ali." in _flashed(employer_client, response)
    answer = post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "accept"}, page="/employer")
    assert "The coordinator withdrew the proposal of Yusuf Ali." in _flashed(employer_client, answer)
    assert lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal)) \
        == AssignmentStatus.WITHDRAWN
    # Nor can they open the apprentice's reviews any more than anyone else's they do not host.
    assert employer_client.get(f"/apprentices/{_apprentice(app, 'Yusuf')}").status_code == 403


@pytest.mark.parametrize("answer,message", [
    ({"decision": "accept"}, "Kestrel Logistics Ltd has already accepted Yusuf Ali, so the proposal cannot be "
                             "withdrawn. If the placement will not go ahead, record that it ended early."),
    ({"decision": "decline", "reason": "No desk"}, "Kestrel Logistics Ltd has already declined Yusuf Ali, so there "
                                                   "is no proposal to withdraw."),
])
def test_a_proposal_the_employer_has_answered_cannot_be_withdrawn(app, coordinator_client, employer_client, answer,
                                                                  message):
    proposal = _yusuf(app)
    withdraw = f"/placements/proposals/{proposal}/withdraw"
    token_page = coordinator_client.get(withdraw).get_data(as_text=True)  # the confirmation, open in a tab
    post_form(employer_client, f"/placements/proposals/{proposal}", answer)
    status = lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal))
    assert status in (AssignmentStatus.ACCEPTED, AssignmentStatus.DECLINED)
    # The confirmation page is not offered any more, and a post from the open tab is refused.
    assert message in _flashed(coordinator_client, coordinator_client.get(withdraw))
    assert "Yes, withdraw it" in token_page
    refused = post_form(coordinator_client, withdraw, {}, page=f"/placements/{_placement(app, 'Fleet data placement')}")
    assert message in _flashed(coordinator_client, refused)
    assert lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal)) == status
    assert "placement.proposal_withdrawn" not in [a for a, _ in _actions(app, proposal)]


def test_a_withdrawal_decides_on_the_stored_status_not_the_copy_it_read(demo_db):
    """The employer's answer lands between the coordinator's request reading the proposal and
    saving the withdrawal: the conditional UPDATE finds it answered, and changes nothing."""
    assignment = db.session.scalar(sa.select(PlacementAssignment).where(
        PlacementAssignment.status == AssignmentStatus.PROPOSED))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    db.session.execute(sa.update(PlacementAssignment).where(PlacementAssignment.id == assignment.id)
                       .values(status=AssignmentStatus.ACCEPTED).execution_options(synchronize_session=False))
    assert assignment.status == AssignmentStatus.PROPOSED  # what this request read
    with pytest.raises(PlacementError, match="has already accepted Yusuf Ali"):
        placements.withdraw_proposal(coordinator, assignment)
    assert db.session.scalar(sa.select(PlacementAssignment.status).where(
        PlacementAssignment.id == assignment.id)) == AssignmentStatus.ACCEPTED


# Reserves ------------------------------------------------------------------------------------

def test_a_full_placement_takes_reserves_which_hold_no_place(app, coordinator_client, employer_client):
    warehouse, ethan = _placement(app, "Warehouse systems developer"), _apprentice(app, "Ethan")
    # Proposed for a place that is not there: refused, pointing to a reserve.
    refused = post_form(coordinator_client, f"/placements/{warehouse}/propose/{ethan}", {"reserve": ""})
    assert ("All the places on this placement are taken. You can propose Ethan Clarke as a reserve instead."
            in _flashed(coordinator_client, refused))
    assert _assignment(app, warehouse, ethan) is None

    soup = page(coordinator_client.get(f"/placements/{warehouse}?standard=any"))
    assert "All places are taken. You can still propose apprentices as reserves" in text_of(soup.find(id="candidates"))
    button = _link(soup, "Propose as a reserve Ethan Clarke")
    assert button["href"] == f"/placements/{warehouse}/propose/{ethan}"

    form = page(coordinator_client.get(button["href"]))
    assert text_of(form.h1) == "Propose Ethan Clarke as a reserve"
    assert "All 2 places are taken. A reserve holds no place" in text_of(form)
    assert form.find("input", attrs={"name": "reserve"})["value"] == "yes"
    shown = _flashed(coordinator_client, post_form(coordinator_client, button["href"], {
        "reserve": "yes", "note": "Keen to work on logistics software; free from January."}))
    assert "Ethan Clarke proposed to Kestrel Logistics Ltd as a reserve." in shown
    reserve = _assignment(app, warehouse, ethan)
    assert (reserve.status, reserve.reserve) == (AssignmentStatus.PROPOSED, True)
    assert reserve.note_to_employer == "Keen to work on logistics software; free from January."
    # A reserve takes no place.
    assert "2 places: 1 taken, 1 held for a proposal waiting for the employer, none free." in shown
    assert "Proposed as a reserve" in _row(page(coordinator_client.get(f"/placements/{warehouse}")), "Ethan Clarke")
    # The audit log says a reserve was proposed with a note, not what the note says.
    (action, details), = _actions(app, reserve.id)
    assert action == "placement.apprentice_proposed" and details == {"reserve": True, "note": True}

    # The employer sees it labelled, everywhere it shows.
    home = page(employer_client.get("/employer"))
    assert "Warehouse systems developer Reserve Decline Ethan Clarke" in _row(home, "Ethan Clarke")  # no place free
    assert "Proposed as a reserve" in _row(page(employer_client.get(f"/placements/{warehouse}")), "Ethan Clarke")


def test_a_reserve_can_be_accepted_only_once_a_place_is_free(app, coordinator_client, employer_client):
    fleet = _placement(app, "Fleet data placement")  # one place
    ethan, callum = _apprentice(app, "Ethan"), _apprentice(app, "Callum")
    _propose(coordinator_client, fleet, ethan)
    _propose(coordinator_client, fleet, callum, reserve="yes")
    held, reserve = _assignment(app, fleet, ethan), _assignment(app, fleet, callum)
    assert (held.reserve, reserve.reserve) == (False, True)

    decide = page(employer_client.get(f"/placements/proposals/{reserve.id}"))
    assert "Reserve" in text_of(decide.find(id="reserve"))
    # No place is free: accepting is not offered, only declining.
    assert "All places are taken: you can accept Callum Murphy when a place is free." in text_of(decide)
    assert decide.find("input", attrs={"name": "decision", "value": "accept"}) is None
    assert "Yes, accept" not in text_of(decide)
    assert decide.find("button", string="Decline Callum Murphy") is not None
    # An acceptance posted anyway (from a page loaded while a place was free) is still refused.
    refused = post_form(employer_client, f"/placements/proposals/{reserve.id}", {"decision": "accept"})
    assert ("All the places on Fleet data placement are taken, so Callum Murphy is still a reserve. You can accept "
            "them when a place is free." in _flashed(employer_client, refused))
    assert _assignment(app, fleet, callum).status == AssignmentStatus.PROPOSED

    # The proposal holding the place is withdrawn: the place is free, and the reserve can take it.
    post_form(coordinator_client, f"/placements/proposals/{held.id}/withdraw", {})
    free = page(employer_client.get(f"/placements/proposals/{reserve.id}"))
    assert "1 place is free now, so you can accept them" in text_of(free)
    assert free.find("input", attrs={"name": "decision", "value": "accept"}) is not None
    accepted = post_form(employer_client, f"/placements/proposals/{reserve.id}", {"decision": "accept"})
    assert "You accepted Callum Murphy." in _flashed(employer_client, accepted)
    taken = _assignment(app, fleet, callum)
    assert (taken.status, taken.reserve) == (AssignmentStatus.ACCEPTED, False)  # it holds the place now
    with app.app_context():
        assert placements.places_left(db.session.get(Placement, fleet)) == 0
    assert _actions(app, reserve.id)[-1] == ("placement.proposal_accepted", {"reserve": True})


def test_a_place_freed_by_a_placement_ending_early_lets_a_reserve_in(app, coordinator_client, employer_client):
    warehouse, ethan = _placement(app, "Warehouse systems developer"), _apprentice(app, "Ethan")
    _propose(coordinator_client, warehouse, ethan, reserve="yes")
    reserve = _assignment(app, warehouse, ethan)
    jordan = _assignment(app, warehouse, _apprentice(app, "Jordan"))
    post_form(coordinator_client, f"/placements/assignments/{jordan.id}/finish", {
        "end_date": ["1", "12", "2026"], "outcome": "ended_early", "reason": "Moved to a council team"})
    assert _assignment(app, warehouse, _apprentice(app, "Jordan")).status == AssignmentStatus.ENDED_EARLY
    post_form(employer_client, f"/placements/proposals/{reserve.id}", {"decision": "accept"})
    assert _assignment(app, warehouse, ethan).status == AssignmentStatus.ACCEPTED


def test_a_reserve_is_refused_while_a_place_is_free(app, coordinator_client):
    fleet, ethan = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    form = page(coordinator_client.get(f"/placements/{fleet}/propose/{ethan}"))
    assert text_of(form.h1) == "Propose Ethan Clarke" and "1 of 1 place free" in text_of(form)
    refused = _propose(coordinator_client, fleet, ethan, reserve="yes")  # a page loaded when it was full
    assert ("A place on this placement is free now, so Ethan Clarke can be proposed for it rather than as a "
            "reserve." in _flashed(coordinator_client, refused))
    assert _assignment(app, fleet, ethan) is None


def test_accepting_a_reserve_counts_places_as_it_saves(demo_db):
    """Another proposal takes the last place after the employer's request has read the reserve:
    the UPDATE that accepts it counts the places itself, and refuses."""
    fleet = db.session.scalar(sa.select(Placement).where(Placement.title == "Fleet data placement"))
    ethan, callum = (db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == n))
                     for n in ("Ethan", "Callum"))
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))
    employer = db.session.scalar(sa.select(User).where(User.email == "employer@example.org"))
    reserve = PlacementAssignment(placement=fleet, apprentice=callum, status=AssignmentStatus.PROPOSED, reserve=True)
    db.session.add(reserve)
    db.session.commit()
    assert placements.places_left(fleet) == 1  # as the employer's page showed it
    db.session.execute(sa.insert(PlacementAssignment).values(
        placement_id=fleet.id, apprentice_id=ethan.id, status=AssignmentStatus.PROPOSED, reserve=False,
        proposed_by_id=coordinator.id, proposed_at=sa.func.now()))
    with pytest.raises(PlacementError, match="Callum Murphy is still a reserve"):
        placements.decide(employer, reserve, accept=True, reason=None)
    assert db.session.scalar(sa.select(PlacementAssignment.status).where(PlacementAssignment.id == reserve.id)) \
        == AssignmentStatus.PROPOSED


def test_the_database_keeps_a_reserve_from_being_placed_as_one(demo_db):
    fleet = db.session.scalar(sa.select(Placement).where(Placement.title == "Fleet data placement"))
    ethan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Ethan"))
    db.session.add(PlacementAssignment(placement=fleet, apprentice=ethan, status=AssignmentStatus.ACCEPTED,
                                       reserve=True))
    with pytest.raises(sa.exc.IntegrityError, match="reserve_undecided"):
        db.session.flush()
    db.session.rollback()


# What the employer sees to decide --------------------------------------------------------------

def test_the_employer_decides_from_a_short_profile_the_placement_and_the_coordinators_note(
        app, coordinator_client, employer_client):
    fleet, ethan_id = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    form = page(coordinator_client.get(f"/placements/{fleet}/propose/{ethan_id}"))
    assert form.find("textarea", attrs={"name": "note"}) is not None
    too_long = page(post_form(coordinator_client, f"/placements/{fleet}/propose/{ethan_id}", {"note": "x" * 2001}))
    assert errors(too_long)["note"] == "Note to the employer must be 2,000 characters or fewer"
    _propose(coordinator_client, fleet, ethan_id, note="Ethan asked for this one: he has built route maps before.")
    proposal = _assignment(app, fleet, ethan_id)

    soup = page(employer_client.get(f"/placements/proposals/{proposal.id}"))
    text = text_of(soup)
    assert text_of(soup.h1) == "Will you take Ethan Clarke?"
    assert "Note from your coordinator Ethan asked for this one: he has built route maps before." in text
    with app.app_context():
        ethan = db.session.get(Apprentice, ethan_id)
        standard, level = ethan.standard.title, ethan.standard.level
        hours, start, end = ethan.contracted_hours_per_week, ethan.start_date, ethan.planned_end_date
        private = [ethan.email, ethan.uln, ethan.mentor.name if ethan.mentor else None, ethan.job_title]
        placement = db.session.get(Placement, fleet)
        planned = (placement.start_date, placement.end_date)
    rows = {text_of(r.dt): text_of(r.dd) for r in soup.select(".govuk-summary-list__row")}
    assert rows["Apprenticeship"] == standard and rows["Level"] == str(level)
    assert rows["Contracted hours a week"].startswith(f"{hours:g}")
    assert rows["Apprenticeship dates"] == f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y} (planned)"
    assert rows["Planned dates"] == f"{planned[0].day} {planned[0]:%B %Y} to {planned[1].day} {planned[1]:%B %Y}"
    assert rows["Places"] == "1 place: 1 held for a proposal waiting for you, none free"  # this proposal's
    # Nothing the programme does not share with an employer: contact details, ULN, mentor, job title.
    html = soup.decode()
    for detail in filter(None, private):
        assert detail not in html, detail
    assert "Ethan asked for this one" not in str([d for _, d in _actions(app, proposal.id)])


def test_a_proposal_without_a_note_shows_no_note(app, employer_client):
    yusuf = _yusuf(app)
    assert "Note from your coordinator Yusuf has built" in text_of(page(
        employer_client.get(f"/placements/proposals/{yusuf}")))  # the demo's proposal has one
    with app.app_context():
        db.session.get(PlacementAssignment, yusuf).note_to_employer = None
        db.session.commit()
    soup = page(employer_client.get(f"/placements/proposals/{yusuf}"))
    assert "Note from your coordinator" not in text_of(soup)
    assert "This proposal holds one of its 2 places until you answer." in text_of(soup)


# Races between real requests ---------------------------------------------------------------------

def _two_reserves_for_the_one_place(app) -> tuple[list[int], int]:
    """Ethan Clarke and Callum Murphy as reserves for the Fleet data placement, whose one place is free."""
    with app.app_context():
        fleet = db.session.scalar(sa.select(Placement).where(Placement.title == "Fleet data placement"))
        people = [db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == n))
                  for n in ("Ethan", "Callum")]
        reserves = [PlacementAssignment(placement=fleet, apprentice=person, status=AssignmentStatus.PROPOSED,
                                        reserve=True) for person in people]
        db.session.add_all(reserves)
        db.session.commit()
        return [r.id for r in reserves], fleet.id


@pytest.fixture
def server(app):
    with served(app) as address:
        yield address


def test_the_employer_accepting_as_the_coordinator_withdraws_one_wins_and_the_other_is_told(app, server):
    proposal = _yusuf(app)
    employer = racing.signed_in(server, DEMO_EMAILS["employer"])
    coordinator = racing.signed_in(server, DEMO_EMAILS["coordinator"])
    decide, withdraw = f"{server}/placements/proposals/{proposal}", f"{server}/placements/proposals/{proposal}/withdraw"
    answer = racing.hidden_fields(employer.get(decide, timeout=racing.TIMEOUT).text)
    confirm = racing.hidden_fields(coordinator.get(withdraw, timeout=racing.TIMEOUT).text)

    accepted, withdrawn = racing.at_once([
        lambda: employer.post(decide, data={**answer, "decision": "accept"}, allow_redirects=False,
                              timeout=racing.TIMEOUT),
        lambda: coordinator.post(withdraw, data=confirm, allow_redirects=False, timeout=racing.TIMEOUT),
    ])

    employer_page, coordinator_page = (racing.flash_text(employer, accepted),
                                       racing.flash_text(coordinator, withdrawn))
    status = lookup(app, sa.select(PlacementAssignment.status).where(PlacementAssignment.id == proposal))
    actions = [a for a, _ in _actions(app, proposal)]
    if status == AssignmentStatus.ACCEPTED:
        assert "You accepted Yusuf Ali." in employer_page
        assert "Kestrel Logistics Ltd has already accepted Yusuf Ali, so the proposal cannot be withdrawn" \
            in coordinator_page
        assert "placement.proposal_withdrawn" not in actions
    else:
        assert status == AssignmentStatus.WITHDRAWN
        assert "The proposal of Yusuf Ali was withdrawn." in coordinator_page
        assert "The coordinator withdrew the proposal of Yusuf Ali." in employer_page, employer_page
        assert "placement.proposal_accepted" not in actions


def test_two_reserves_accepted_at_once_for_the_one_free_place_take_it_once(app, server):
    ids, fleet_id = _two_reserves_for_the_one_place(app)
    browsers = racing.copies(racing.signed_in(server, DEMO_EMAILS["employer"]), 2)
    forms = [racing.hidden_fields(b.get(f"{server}/placements/proposals/{i}", timeout=racing.TIMEOUT).text)
             for b, i in zip(browsers, ids, strict=True)]

    responses = racing.at_once([
        lambda b=b, i=i, f=f: b.post(f"{server}/placements/proposals/{i}", data={**f, "decision": "accept"},
                                     allow_redirects=False, timeout=racing.TIMEOUT)
        for b, i, f in zip(browsers, ids, forms, strict=True)])

    pages = [racing.flash_text(b, r) for b, r in zip(browsers, responses, strict=True)]
    assert sum("You accepted" in p for p in pages) == 1
    assert sum("is still a reserve. You can accept them when a place is free" in p for p in pages) == 1
    with app.app_context():
        statuses = sorted(db.session.scalars(sa.select(PlacementAssignment.status).where(
            PlacementAssignment.placement_id == fleet_id)))
        assert statuses == sorted([AssignmentStatus.ACCEPTED, AssignmentStatus.PROPOSED])
        assert placements.places_left(db.session.get(Placement, fleet_id)) == 0


def test_on_postgresql_accepting_a_reserve_waits_for_another_acceptance_on_the_placement(app):
    """Deterministic: the first acceptance holds its transaction open; the second waits until it
    is saved, then counts the place the first took, and is refused. What it waits on is the
    placement's row lock (services/placements.py); every change also moves the programme's data
    version (services/changes.py), a row lock of its own, so either alone would hold this."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writing request at a time: BEGIN IMMEDIATE (see transactions.py)")
    ids, _ = _two_reserves_for_the_one_place(app)
    results: dict[str, str] = {}
    first_saved, release = threading.Event(), threading.Event()

    def accept(assignment_id: int, key: str, hold: bool) -> None:
        with app.app_context():
            employer = db.session.scalar(sa.select(User).where(User.email == DEMO_EMAILS["employer"]))
            try:
                placements.decide(employer, db.session.get(PlacementAssignment, assignment_id), True, None)
                results[key] = "accepted"
                if hold:
                    first_saved.set()
                    release.wait(10)
                db.session.commit()
            except PlacementError as refused:
                results[key] = str(refused)
                db.session.rollback()
            finally:
                db.session.remove()

    first = threading.Thread(target=accept, args=(ids[0], "first", True))
    first.start()
    assert first_saved.wait(10)
    second = threading.Thread(target=accept, args=(ids[1], "second", False))
    second.start()
    second.join(1.0)
    assert second.is_alive(), results  # waiting for the first to finish with the placement
    release.set()
    first.join(10)
    second.join(10)
    assert results["first"] == "accepted"
    assert "Callum Murphy is still a reserve" in results["second"]


def test_a_reserve_with_no_place_free_can_be_declined_from_its_page(app, coordinator_client, employer_client):
    fleet = _placement(app, "Fleet data placement")  # one place
    _propose(coordinator_client, fleet, _apprentice(app, "Ethan"))
    _propose(coordinator_client, fleet, _apprentice(app, "Callum"), reserve="yes")
    reserve = _assignment(app, fleet, _apprentice(app, "Callum"))
    url = f"/placements/proposals/{reserve.id}"
    soup = page(post_form(employer_client, url, {"decision": "decline", "reason": ""}))
    assert errors(soup)["reason"] == "Enter the reason for declining"
    assert soup.find("input", attrs={"name": "decision", "value": "accept"}) is None
    declined = post_form(employer_client, url, {"decision": "decline", "reason": "We need Java for this one"})
    assert declined.headers["Location"].startswith("/employer")
    assert "You declined Callum Murphy." in _flashed(employer_client, declined)
    assert _assignment(app, fleet, _apprentice(app, "Callum")).status == AssignmentStatus.DECLINED


def test_withdrawn_and_declined_proposals_fold_away_and_interested_apprentices_show_who_is_proposed(
        app, coordinator_client, employer_client):
    warehouse, fleet = _placement(app, "Warehouse systems developer"), _placement(app, "Fleet data placement")
    post_form(coordinator_client, f"/placements/proposals/{_yusuf(app)}/withdraw", {})
    soup = page(coordinator_client.get(f"/placements/{warehouse}"))
    table = soup.select_one("[aria-label='Apprentices proposed for or on this placement']")
    assert "Yusuf Ali" not in text_of(table) and "Jordan Ellis" in text_of(table)
    folded = soup.select_one("details#ended-proposals")
    assert text_of(folded.summary) == "Withdrawn and declined proposals (1)"
    assert "Yusuf Ali: Withdrawn" in text_of(folded)

    # Ethan Clarke and Callum Murphy said they are interested in the fleet placement.
    _propose(coordinator_client, fleet, _apprentice(app, "Ethan"))
    soup = page(coordinator_client.get(f"/placements/{fleet}"))
    interested = soup.find("h3", string="Interested apprentices").find_next("ul")
    ethan = next(li for li in interested.find_all("li") if "Ethan Clarke" in text_of(li))
    callum = next(li for li in interested.find_all("li") if "Callum Murphy" in text_of(li))
    assert text_of(ethan.select_one(".govuk-tag")) == "Proposed" and ethan.find("a") is None
    assert callum.select_one(".govuk-tag") is None
    assert callum.find("a")["href"] == f"/placements/{fleet}/propose/{_apprentice(app, 'Callum')}"

    # The employer declines Ethan: folded away for them too, as a declined proposal.
    proposal = _assignment(app, fleet, _apprentice(app, "Ethan"))
    post_form(employer_client, f"/placements/proposals/{proposal.id}", {"decision": "decline", "reason": "No desk"})
    folded = page(employer_client.get(f"/placements/{fleet}")).select_one("details#ended-proposals")
    assert text_of(folded.summary) == "Declined proposals (1)" and "Ethan Clarke: Declined (No desk)" in text_of(folded)


# What the employer is offered, and told, as they decide ----------------------------------------

def test_a_reserve_with_no_place_free_offers_the_employer_only_a_decline(app, coordinator_client, employer_client):
    warehouse, ethan = _placement(app, "Warehouse systems developer"), _apprentice(app, "Ethan")  # both places held
    _propose(coordinator_client, warehouse, ethan, reserve="yes")
    reserve = _assignment(app, warehouse, ethan)
    home = page(employer_client.get("/employer"))
    assert _link(home, "Decline Ethan Clarke for Warehouse systems developer")["href"] == \
        f"/placements/proposals/{reserve.id}"
    assert _link(home, "Accept or decline Yusuf Ali for Warehouse systems developer")  # holds a place: both
    on_placement = page(employer_client.get(f"/placements/{warehouse}"))
    assert _link(on_placement, "Decline Ethan Clarke")["href"] == \
        f"/placements/proposals/{reserve.id}?next=/placements/{warehouse}%23apprentices"
    decide = page(employer_client.get(f"/placements/proposals/{reserve.id}"))
    said = text_of(decide)
    assert "If Ethan will not suit this placement, you can decline them now rather than wait for a place to be free." \
        in said and "Or decline" not in said
    # Back to the home page, where what waits for the employer is listed.
    assert decide.select_one(".govuk-back-link")["href"] == "/employer#waiting"
    assert _link(decide, "See the placement")["href"] == f"/placements/{warehouse}"


def test_accepting_says_the_coordinator_is_told_and_when_they_start(app, coordinator_client, employer_client):
    fleet, ethan = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    _propose(coordinator_client, fleet, ethan)
    accepted = post_form(employer_client, f"/placements/proposals/{_assignment(app, fleet, ethan).id}",
                         {"decision": "accept"})
    # The demo's placement is under way: they join it on the day they are accepted, and are told what happens next.
    assert ("You accepted Ethan Clarke. The coordinator has been told; Ethan starts today. The coordinator will "
            "confirm with you when Ethan has started.") in _flashed(employer_client, accepted)
    url = f"/placements/proposals/{_yusuf(app)}"
    declined = post_form(employer_client, url, {"decision": "decline", "reason": "x" * 1001})
    assert errors(page(declined))["reason"] == "Reason must be 1,000 characters or fewer"
    declined = post_form(employer_client, url, {"decision": "decline", "reason": "No desk"})
    assert "You declined Yusuf Ali. The coordinator has been told." in _flashed(employer_client, declined)


def test_before_the_placement_starts_the_employer_sees_neither_hours_nor_reviews_due(app, coordinator_client,
                                                                                    employer_client):
    fleet, ethan = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    starts = date.today() + timedelta(weeks=4)
    with app.app_context():  # a placement starting in four weeks
        placement = db.session.get(Placement, fleet)
        placement.start_date, placement.closing_date = starts, None
        db.session.commit()
    _propose(coordinator_client, fleet, ethan)
    accepted = post_form(employer_client, f"/placements/proposals/{_assignment(app, fleet, ethan).id}",
                         {"decision": "accept"})
    assert (f"You accepted Ethan Clarke. The coordinator has been told; Ethan starts on {starts.day} "
            f"{starts:%B %Y}.") in _flashed(employer_client, accepted)
    home = page(employer_client.get("/employer"))
    row = _row(home.select_one("[aria-label='Apprentices with this employer']"), "Ethan Clarke")
    assert f"Accepted – starts {starts.day} {starts:%B %Y} Your coordinator confirms when they start. " \
           "Not started yet" in row
    assert "verified" not in row and "due" not in row.lower()
    jordan = _row(home.select_one("[aria-label='Apprentices with this employer']"), "Jordan Ellis")
    assert "verified of" in jordan  # on a placement that has started
    # The coordinator sees everyone's headlines on the employer's page.
    employer_id = lookup(app, sa.select(Placement.employer_id).where(Placement.id == fleet))
    assert "verified of" in _row(page(coordinator_client.get(f"/employers/{employer_id}")), "Ethan Clarke")


def test_accepted_onto_a_running_placement_the_hours_wait_for_the_coordinator_to_record_the_start(
        app, coordinator_client, employer_client):
    fleet, ethan = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    _propose(coordinator_client, fleet, ethan)
    proposal = _assignment(app, fleet, ethan).id
    decide = page(employer_client.get(f"/placements/proposals/{proposal}"))
    # The radios' hint, which they point to, says what happens after an acceptance.
    radios = decide.select_one("fieldset[aria-describedby]")
    hint = decide.find(id=radios["aria-describedby"])
    assert text_of(hint) == "If you accept, the coordinator will confirm with you the day Ethan starts."
    post_form(employer_client, f"/placements/proposals/{proposal}", {"decision": "accept"})
    hosted = "[aria-label='Apprentices with this employer']"
    row = _row(page(employer_client.get("/employer")).select_one(hosted), "Ethan Clarke")
    # Not his whole apprenticeship's hours as if with this employer: not started until the coordinator says.
    assert "Accepted – starts today Your coordinator confirms when they start. Not started yet" in row
    assert "verified" not in row
    today = date.today()
    post_form(coordinator_client, f"/placements/assignments/{proposal}/start",
              {"start_date": [str(today.day), str(today.month), str(today.year)]})
    row = _row(page(employer_client.get("/employer")).select_one(hosted), "Ethan Clarke")
    assert "Active" in row and "verified of" in row and "Not started yet" not in row


def test_the_action_column_shows_only_when_the_employer_has_something_to_do(app, coordinator_client,
                                                                            employer_client):
    warehouse = _placement(app, "Warehouse systems developer")  # Jordan on it, Yusuf proposed

    def headers(client) -> list[str]:
        table = page(client.get(f"/placements/{warehouse}")).select_one(
            "[aria-label='Apprentices proposed for or on this placement'] table")
        return [text_of(th) for th in table.select("thead th")]

    assert headers(employer_client) == ["Apprentice", "Status", "Action"]
    post_form(employer_client, f"/placements/proposals/{_yusuf(app)}", {"decision": "decline", "reason": "No desk"})
    assert headers(employer_client) == ["Apprentice", "Status"]  # only Jordan, on it: nothing to do
    assert headers(coordinator_client) == ["Apprentice", "Status", "Action"]  # the coordinator records the end


def test_proposing_to_an_employer_nobody_can_answer_for_warns_first(app, coordinator_client):
    with app.app_context():
        kestrel = db.session.scalar(sa.select(Placement).join(EmployerPartner).where(
            EmployerPartner.name == "Kestrel Logistics Ltd", Placement.status == PlacementStatus.PUBLISHED).limit(1))
        apprentice_id = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Ethan"))
        path = f"/placements/{kestrel.id}/propose/{apprentice_id}"
    # Kestrel's contact signs in: no warning.
    assert page(coordinator_client.get(path)).find(id="nobody-to-answer") is None
    with app.app_context():
        db.session.execute(sa.update(User).where(User.role == Role.EMPLOYER).values(active=False))
        db.session.commit()
    warning = page(coordinator_client.get(path)).find(id="nobody-to-answer")
    assert "Nobody at Kestrel Logistics Ltd can sign in to answer yet" in text_of(warning)
    assert warning.find("a")["href"] == "/users/invite/employer"


def test_the_proposals_back_link_goes_back_where_the_employer_came_from(app, coordinator_client, employer_client):
    fleet, ethan = _placement(app, "Fleet data placement"), _apprentice(app, "Ethan")
    _propose(coordinator_client, fleet, ethan)
    proposal = _assignment(app, fleet, ethan).id
    path = f"/placements/proposals/{proposal}"

    def back(soup) -> str:
        return soup.select_one(".govuk-back-link")["href"]

    # From the placement's page (its link says so): back there, kept through an answer with an error,
    # and where they land once they have answered.
    link = _link(page(employer_client.get(f"/placements/{fleet}")), "Accept or decline Ethan Clarke")["href"]
    assert back(page(employer_client.get(link))) == f"/placements/{fleet}#apprentices"
    wrong = post_form(employer_client, link, {"decision": "decline"})
    assert errors(page(wrong))["reason"] == "Enter the reason for declining"
    assert back(page(wrong)) == f"/placements/{fleet}#apprentices"
    # From the Notifications page (the browser says where it came from).
    from_list = page(employer_client.get(path, headers={"Referer": "http://localhost/notifications?page=2"}))
    assert back(from_list) == "/notifications?page=2"
    # Nowhere else: another site, or an address that is not a page, gives the home page, where proposals wait.
    for elsewhere in ("https://evil.example/employer", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
                      "/no/such/page", f"/placements/{fleet}/close"):
        assert back(page(employer_client.get(path, query_string={"next": elsewhere}))) == "/employer#waiting"
        assert back(page(employer_client.get(path, headers={"Referer": elsewhere}))) == "/employer#waiting"
    assert back(page(employer_client.get(path))) == "/employer#waiting"

    answered = post_form(employer_client, link, {"decision": "accept"})
    assert answered.headers["Location"].startswith(f"/placements/{fleet}#")  # at the message (templating.py)
    assert "You accepted Ethan Clarke." in _flashed(employer_client, answered)
