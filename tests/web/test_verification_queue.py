"""The verification queue: filters, verifying several at once, and verifying or querying one in place.

The demo mentor (Priya Shah) mentors Jordan Ellis, Amara Okoro, Liam Walsh and Chloe Bennett:
eleven entries waiting for verification and one of Amara's queried. Callum Murphy is another
mentor's mentee.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    ActivityType,
    Apprentice,
    ApprenticeStatus,
    AuditEvent,
    LogEntry,
    LogEntryRevision,
    User,
    VerificationStatus,
)
from apprenticeships.text import hour_figure

from ..helpers import csrf_token_from, page, post_form, text_of
from .test_apprentices import errors
from .test_logbook import entry_data
from .test_query_counts import counting, grow


def apprentice_id(app, first_name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == first_name))


def waiting_line(entries: list[LogEntry]) -> str:
    """What the queue's counts line says of these entries (the demo's figures depend on today's date)."""
    return (f"{len(entries)} entries waiting for verification, "
            f"{hour_figure(sum(e.minutes for e in entries) / 60)} hours.")


def mentees_waiting(app) -> list[LogEntry]:
    return sorted((e for n in ("Jordan", "Amara", "Liam", "Chloe") for e in entries_of(app, n)),
                  key=lambda e: (e.activity_date, e.id))


def entries_of(app, first_name: str, status: VerificationStatus = VerificationStatus.PENDING) -> list[LogEntry]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(LogEntry).join(Apprentice).where(
            Apprentice.first_name == first_name, LogEntry.status == status).order_by(LogEntry.activity_date,
                                                                                     LogEntry.id)))
        db.session.expunge_all()
        return found


def status_of(app, entry_id: int) -> VerificationStatus:
    with app.app_context():
        return db.session.get(LogEntry, entry_id).status


def add_entries(app, first_name: str, count: int, first_day: date, minutes: int = 60) -> None:
    """`count` entries waiting for verification, one a day from `first_day`."""
    with app.app_context():
        apprentice = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == first_name))
        for n in range(count):
            db.session.add(LogEntry(apprentice=apprentice, activity_date=first_day + timedelta(days=n),
                                    activity_type=ActivityType.STUDY_TIME, minutes=minutes,
                                    description=f"Reading {n}", status=VerificationStatus.PENDING))
        db.session.commit()


def rows(soup: BeautifulSoup) -> list[BeautifulSoup]:
    return soup.select("table tbody tr")


def names(soup: BeautifulSoup) -> set[str]:
    return {row.find_all("td")[1].find("a").get_text(strip=True) for row in rows(soup)}


def counts_line(soup: BeautifulSoup) -> str:
    return text_of(soup.find(id="queue-counts").find("p"))


def read_out(cell: BeautifulSoup) -> str:
    """A cell's text as a screen reader says it: without what is only shown (aria-hidden), such as the
    short date of a phone's compact card."""
    cell = BeautifulSoup(str(cell), "html.parser")
    for hidden in cell.select('[aria-hidden="true"]'):
        hidden.decompose()
    return text_of(cell)


def link(soup: BeautifulSoup, starting: str):
    """The first link whose text (visually hidden context included) starts with `starting`, or None."""
    return next((a for a in soup.find_all("a") if text_of(a).startswith(starting)), None)


def queue(client, query: str = "") -> BeautifulSoup:
    return page(client.get(f"/verification{query}"))


# Filters


def test_the_queue_shows_what_is_waiting_with_counts_and_links_to_each_apprentice(app, mentor_client):
    soup = queue(mentor_client)
    waiting = mentees_waiting(app)
    assert counts_line(soup) == waiting_line(waiting)
    assert "1 other entry is queried" in text_of(soup.find(id="queue-counts"))
    assert names(soup) == {"Jordan Ellis", "Amara Okoro", "Liam Walsh", "Chloe Bennett"}
    jordan = apprentice_id(app, "Jordan")
    assert soup.find("a", string="Jordan Ellis")["href"] == f"/apprentices/{jordan}"
    assert mentor_client.get(f"/apprentices/{jordan}").status_code == 200  # a link the mentor may follow
    # Oldest first, and only the mentor's own mentees in the apprentice filter.
    assert [row["id"] for row in rows(soup)] == [f"entry-{e.id}" for e in waiting]
    assert [o.get_text() for o in soup.find(id="apprentice").find_all("option")] == [
        "All apprentices", "Amara Okoro", "Chloe Bennett", "Jordan Ellis", "Liam Walsh"]


def test_every_checkbox_has_a_label_naming_the_entry(mentor_client):
    soup = queue(mentor_client)
    for box in soup.select('input[name="entries"]'):
        label = text_of(soup.find("label", attrs={"for": box["id"]}))
        row = box.find_parent("tr")
        assert label == f"Select {text_of(row.find_all('td')[1])}, {read_out(row.find_all('td')[2])}"
        assert box["form"] == "queue-bulk"
    for button in soup.select("tbody button"):
        assert text_of(button).startswith("Verify ") and len(text_of(button)) > len("Verify ")


def test_each_filter_narrows_the_queue(app, mentor_client, apprentice_client):
    amara = apprentice_id(app, "Amara")
    soup = queue(mentor_client, f"?apprentice={amara}")
    assert names(soup) == {"Amara Okoro"} and counts_line(soup) == waiting_line(entries_of(app, "Amara"))

    soup = queue(mentor_client, "?status=queried")
    assert names(soup) == {"Amara Okoro"} and counts_line(soup).startswith("1 entry queried")
    assert not soup.select('tbody input[name="entries"]')  # never verified in bulk
    assert [text_of(b) for b in soup.select("tbody button")] == [
        f"Verify anyway {text_of(rows(soup)[0].find_all('td')[1])}, {read_out(rows(soup)[0].find_all('td')[2])}, "
        "without a written answer"]
    assert "Waiting for their answer. If they answered you another way (in person, say), you can verify it " \
           "anyway." in text_of(soup.find("tbody"))

    answered = queue(mentor_client, "?status=answered")
    assert counts_line(answered) == "No answered queries are waiting for verification." and not rows(answered)
    jordans = entries_of(app, "Jordan")
    post_form(mentor_client, f"/log/{jordans[0].id}/query", {"comment": "Which module?"})
    post_form(apprentice_client, f"/log/{jordans[0].id}/answer", {"response": "Module 3."},
              page=f"/log/{jordans[0].id}")
    soup = queue(mentor_client, "?status=answered")
    assert [row["id"] for row in rows(soup)] == [f"entry-{jordans[0].id}"]
    assert "They answered: Module 3." in text_of(soup)
    assert f"entry-{jordans[0].id}" in [row["id"] for row in rows(queue(mentor_client))]  # still waiting too

    everything = [e for n in ("Jordan", "Amara", "Liam", "Chloe") for e in entries_of(app, n)]
    days = sorted({e.activity_date for e in everything})
    middle = days[len(days) // 2]
    assert days[0] < middle < days[-1]
    soup = queue(mentor_client, f"?date_from={middle.day}&date_from={middle.month}&date_from={middle.year}")
    assert {row["id"] for row in rows(soup)} == {f"entry-{e.id}" for e in everything if e.activity_date >= middle}
    soup = queue(mentor_client, f"?date_to={middle.day}&date_to={middle.month}&date_to={middle.year}")
    assert {row["id"] for row in rows(soup)} == {f"entry-{e.id}" for e in everything if e.activity_date <= middle}

    oldest, newest = queue(mentor_client), queue(mentor_client, "?sort=newest")
    assert [r["id"] for r in rows(newest)] != [r["id"] for r in rows(oldest)]
    assert sorted(e for e in everything if f"entry-{e.id}" == rows(newest)[0]["id"])[0].activity_date == max(
        e.activity_date for e in everything)


@pytest.mark.parametrize("query", [
    "?apprentice=9999999999999999999999", "?apprentice=-1", "?apprentice=%C2%B2", "?apprentice=abc",
    "?status=<script>", "?status=verified", "?sort=sideways", "?page=-3", "?page=99999999999999999999",
    "?page=1e999", "?apprentice=%00",
])
def test_hostile_filter_values_are_ignored(app, mentor_client, query):
    soup = page(mentor_client.get(f"/verification{query}"))
    assert len(rows(soup)) == len(mentees_waiting(app))  # as if the value were not there


@pytest.mark.parametrize("query", ["?date_from=1&date_from=1", "?date_from=%00&date_from=2&date_from=2026",
                                   "?date_to=99&date_to=99&date_to=99999999999"])
def test_hostile_dates_are_errors_and_list_nothing(app, mentor_client, query):
    soup = page(mentor_client.get(f"/verification{query}"))
    assert soup.select(".govuk-error-summary") and not rows(soup) and soup.find(id="queue-bulk") is None


def test_a_filter_with_an_error_lists_nothing_that_could_be_verified_in_bulk(mentor_client):
    soup = page(mentor_client.get("/verification?date_from=31&date_from=2&date_from=2026"
                                  "&date_to=1&date_to=1&date_to=2020"))
    assert soup.title.get_text().startswith("Error:")
    summary = soup.select_one(".govuk-error-summary")
    assert summary.find("a", string="The ‘from’ date must be a real date")["href"] == "#date_from-day"
    assert errors(soup)["date_from"] == "The ‘from’ date must be a real date"
    assert soup.find(id="date_from-day")["value"] == "31"
    missing = page(mentor_client.get("/verification?date_to=1&date_to=&date_to=2026"))
    assert errors(missing)["date_to"] == "The ‘to’ date must include a month"
    assert soup.find(id="queue-filters").has_attr("open")  # the fields with their errors in view
    # Not the list filtered by "to 1 January 2020" alone: no entries, no counts, nothing to verify.
    assert not rows(soup) and soup.find(id="queue-bulk") is None and soup.find(id="queue-counts") is None
    assert not soup.find("button", string=lambda text: text and text.startswith("Verify"))
    problem = text_of(soup.find(id="queue-filter-problem"))
    assert problem.startswith("No entries are shown until the filters are corrected.")

    soup = page(mentor_client.get("/verification?date_from=2&date_from=2&date_from=2026"
                                  "&date_to=1&date_to=1&date_to=2026"))
    assert errors(soup)["date_to"] == "The ‘to’ date must be the same as or after the ‘from’ date"
    assert not rows(soup) and soup.find(id="queue-bulk") is None


def test_the_filters_are_folded_away_and_those_applied_are_summed_up_above_the_list(app, mentor_client):
    soup = queue(mentor_client)
    filters = soup.find(id="queue-filters")
    assert filters.name == "details" and not filters.has_attr("open")
    assert text_of(filters.find("summary")) == "Filter entries" and filters.find(id="apprentice")
    # The dates named as on the audit log, "From" and "To" (the other legend is the status's).
    assert [text_of(legend) for legend in filters.select("legend")][-2:] == ["From", "To"]
    assert soup.find(id="queue-filters-applied") is None
    amara = apprentice_id(app, "Amara")
    soup = queue(mentor_client, f"?apprentice={amara}&status=answered&date_from=1&date_from=3&date_from=2020"
                                "&sort=newest")
    assert not soup.find(id="queue-filters").has_attr("open")
    applied = soup.find(id="queue-filters-applied")
    assert text_of(applied) == ("Filtered by: Amara Okoro; answered; from 1 March 2020; newest first. Clear filters")
    assert applied.find("a", string="Clear filters")["href"] == "/verification"


def test_an_empty_queue_says_so_in_one_line(app, mentor_client):
    amara = apprentice_id(app, "Amara")
    soup = queue(mentor_client, f"?apprentice={amara}&date_to=1&date_to=1&date_to=2000")
    assert counts_line(soup) == "No entries match these filters. Clear filters"
    assert soup.find(id="queue-counts").find("a", string="Clear filters")["href"] == "/verification"
    assert "0 entries" not in text_of(soup) and not rows(soup) and soup.find(id="queue-bulk") is None
    with app.app_context():
        db.session.execute(sa.update(LogEntry).where(LogEntry.status == VerificationStatus.PENDING)
                           .values(status=VerificationStatus.VERIFIED, verified_at=sa.func.current_timestamp(),
                                   verified_by_id=sa.select(User.id).where(User.email == "mentor@example.org")
                                   .scalar_subquery()))
        db.session.commit()
    counts = queue(mentor_client).find(id="queue-counts")
    assert text_of(counts.find("p")) == "Nothing is waiting for verification."
    assert "1 entry is queried" in text_of(counts)  # not "1 other entry"
    assert "0 entries" not in text_of(counts)


def test_another_mentors_mentee_cannot_be_chosen_in_the_filter(app, mentor_client):
    callum = apprentice_id(app, "Callum")
    soup = queue(mentor_client, f"?apprentice={callum}")
    assert "Callum" not in text_of(soup) and len(rows(soup)) == len(mentees_waiting(app))


def test_with_too_many_apprentices_to_list_the_filter_is_a_search_by_name(app, mentor_client):
    grow(app, 200)  # 200 more of Priya's mentees, each with entries waiting
    soup = queue(mentor_client)
    assert soup.find(id="apprentice") is None and soup.find(id="apprentice_name")["type"] == "search"
    soup = queue(mentor_client, "?apprentice_name=grown19")
    assert names(soup) == {"Grown19 Scale"} | {f"Grown{n} Scale" for n in range(190, 200)}
    assert counts_line(soup) == "33 entries waiting for verification, 66 hours."
    assert soup.find(id="apprentice_name")["value"] == "grown19"
    assert len(rows(queue(mentor_client, "?apprentice_name=%25"))) == 0  # a wildcard is only a character
    jordan = apprentice_id(app, "Jordan")
    soup = queue(mentor_client, f"?apprentice={jordan}")  # a link from Jordan's page
    assert names(soup) == {"Jordan Ellis"} and "Only Jordan Ellis’s entries." in text_of(soup)
    assert soup.find("input", attrs={"name": "apprentice", "type": "hidden"})["value"] == str(jordan)


def test_filters_survive_pagination_and_actions(app, mentor_client):
    jordan = apprentice_id(app, "Jordan")
    add_entries(app, "Jordan", 60, date.today() - timedelta(days=200))
    query = f"?apprentice={jordan}&sort=newest"
    soup = queue(mentor_client, query)
    assert len(rows(soup)) == 50 and counts_line(soup) == waiting_line(entries_of(app, "Jordan"))
    next_page = soup.select_one(".govuk-pagination__next a")["href"]
    assert parse_qs(urlsplit(next_page).query) == {"apprentice": [str(jordan)], "sort": ["newest"], "page": ["2"]}
    second = queue(mentor_client, f"{query}&page=2")
    assert len(rows(second)) == 14
    for action in [second.find(id="queue-bulk")["action"]] + [f["action"] for f in second.select("tbody form")]:
        assert parse_qs(urlsplit(action).query) == {"apprentice": [str(jordan)], "sort": ["newest"], "page": ["2"]}


# Verifying several at once


def _chosen(soup: BeautifulSoup, how_many: int) -> list[str]:
    return [box["value"] for box in soup.select('input[name="entries"]')][:how_many]


def verified_events(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "log_entry.verified"))


def test_verifying_several_in_one_go(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    chosen = _chosen(soup, 3)
    with app.app_context():
        minutes = sum(db.session.get(LogEntry, int(value.split(":")[0])).minutes for value in chosen)
    before = verified_events(app)
    response = mentor_client.post(soup.find(id="queue-bulk")["action"],
                                  data={"csrf_token": csrf_token_from(str(soup)), "entries": chosen})
    location = urlsplit(response.headers["Location"])  # to the banner with the message
    assert response.status_code == 303 and (location.path, location.query) == ("/verification", "sort=newest")
    after = queue(mentor_client, "?sort=newest")
    assert f"Verified 3 entries, {minutes / 60:g} hours." in text_of(after)
    assert counts_line(after).startswith(f"{len(mentees_waiting(app))} entries waiting")
    for value in chosen:
        assert status_of(app, int(value.split(":")[0])) == VerificationStatus.VERIFIED
    assert verified_events(app) == before + 3  # audited entry by entry
    with app.app_context():
        actions = db.session.scalars(sa.select(LogEntryRevision.action).where(
            LogEntryRevision.entry_id == int(chosen[0].split(":")[0])).order_by(LogEntryRevision.id)).all()
        assert actions[-1] == "verified"


def test_verify_all_on_this_page_works_without_ticking_anything(app, mentor_client):
    soup = queue(mentor_client)
    button = soup.find("button", attrs={"name": "everything_on_page"})
    waiting = mentees_waiting(app)
    assert text_of(button) == f"Verify all {len(waiting)} on this page"
    on_page = [i["value"] for i in soup.select('input[name="on_page"]')]
    response = mentor_client.post(soup.find(id="queue-bulk")["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "on_page": on_page, "everything_on_page": "yes"})
    assert response.status_code == 303
    assert (f"Verified {len(waiting)} entries, {hour_figure(sum(e.minutes for e in waiting) / 60)} hours."
            in text_of(queue(mentor_client)))
    assert all(status_of(app, int(v.split(":")[0])) == VerificationStatus.VERIFIED for v in on_page)


def test_nothing_is_verified_when_one_chosen_entry_changed_since_the_page_was_shown(app, mentor_client,
                                                                                     apprentice_client):
    soup = queue(mentor_client)
    jordans = {f"{e.id}:{e.version}" for e in entries_of(app, "Jordan")}
    chosen = [v for v in _chosen(soup, 11) if v in jordans][:1] + [v for v in _chosen(soup, 11) if v not in jordans]
    changed = int(chosen[0].split(":")[0])
    with app.app_context():
        when = db.session.get(LogEntry, changed).activity_date
    response = post_form(apprentice_client, f"/log/{changed}/edit", {
        "activity_date": [str(when.day), str(when.month), str(when.year)], "activity_type": "study_time",
        "off_the_job": "yes", "minutes": "0.5", "description": "Changed after the mentor loaded the page."})
    assert response.status_code == 303
    before = verified_events(app)
    response = mentor_client.post("/verification/verify", data={
        "csrf_token": csrf_token_from(str(soup)), "entries": chosen})
    assert response.status_code == 303
    shown = text_of(page(mentor_client.get(response.headers["Location"])))
    assert "Nothing was verified. Jordan Ellis’s entry for" in shown
    assert "was changed by Jordan Ellis while you were looking at it" in shown
    assert verified_events(app) == before
    assert all(status_of(app, int(v.split(":")[0])) == VerificationStatus.PENDING for v in chosen)


def test_nothing_is_verified_when_another_mentors_entry_is_slipped_in(app, mentor_client):
    soup = queue(mentor_client)
    callums = entries_of(app, "Callum")[0]
    chosen = _chosen(soup, 2) + [f"{callums.id}:{callums.version}"]
    response = mentor_client.post("/verification/verify", data={
        "csrf_token": csrf_token_from(str(soup)), "entries": chosen})
    shown = text_of(page(mentor_client.get(response.headers["Location"])))
    assert "Nothing was verified. One of the entries you chose is no longer there for you to verify" in shown
    assert "Callum" not in shown
    assert all(status_of(app, int(v.split(":")[0])) == VerificationStatus.PENDING for v in chosen)


@pytest.mark.parametrize("entries", [[], ["1"], ["abc:1"], ["1:0"], ["9" * 20 + ":1"],
                                     [f"{n}:1" for n in range(1, 200)]])
def test_a_bulk_post_with_nothing_or_nonsense_chosen_verifies_nothing(app, mentor_client, entries):
    soup = queue(mentor_client, "?sort=newest")
    before = verified_events(app)
    response = mentor_client.post("/verification/verify?sort=newest", data={
        "csrf_token": csrf_token_from(str(soup)), "entries": entries})
    assert verified_events(app) == before
    # Back to the queue, with the same filters (a redirect: a refresh of the page asks nothing again), with an
    # error at its top (not a notification banner), linked to the first box to tick.
    assert response.status_code == 303 and response.headers["Location"] == "/verification?sort=newest#main-content"
    shown = page(mentor_client.get(response.headers["Location"]))
    assert shown.title.get_text().startswith("Error:") and not shown.select(".govuk-notification-banner")
    summary = shown.select_one(".govuk-error-summary")
    message = ("Select the entries you want to verify" if not entries else "Select entries from the list"
               if len(entries) == 1 else "You can verify up to 100 entries at a time")
    assert text_of(summary.find("li")) == message
    assert text_of(shown.find(id="queue-bulk-error")) == f"Error: {message}"
    assert [r["id"] for r in rows(shown)] == [r["id"] for r in rows(soup)]  # the same filters still apply
    assert summary.find("a")["href"] == f"#{rows(soup)[0].find('input', attrs={'name': 'entries'})['id']}"
    # The error was for that one view.
    assert page(mentor_client.get(response.headers["Location"])).select_one(".govuk-error-summary") is None


def test_verify_selected_with_nothing_ticked_is_an_error_linked_to_the_first_box(app, mentor_client):
    soup = queue(mentor_client)
    response = mentor_client.post("/verification/verify", data={
        "csrf_token": csrf_token_from(str(soup)),
        "on_page": [b["value"] for b in soup.select('input[name="on_page"]')]})
    assert response.status_code == 303
    shown = page(mentor_client.get(response.headers["Location"]))
    summary = shown.select_one(".govuk-error-summary")
    first_box = shown.select_one('tbody input[name="entries"]')
    assert summary.find("a", string="Select the entries you want to verify")["href"] == f"#{first_box['id']}"
    assert not shown.find(id="queue-bulk-error").has_attr("hidden")
    assert len(rows(shown)) == len(mentees_waiting(app))  # nothing verified


# One entry in place (htmx), and without JavaScript


def test_htmx_verify_answers_with_only_the_row_and_the_counts(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[0]
    form = row.find("form")
    hours = row.find_all("td")[4].get_text()
    response = mentor_client.post(form["hx-post"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]},
        headers={"HX-Request": "true", "HX-Target": row["id"]})
    assert response.status_code == 200 and "HX-Target" in response.headers["Vary"]
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert not part.find("html") and not part.find("h1")
    swapped = part.find_all("tr")
    assert len(swapped) == 1 and swapped[0]["id"] == row["id"]
    assert text_of(swapped[0].find(attrs={"autofocus": True})).startswith(f"Verified {hours} hour")
    assert not swapped[0].find("input", attrs={"name": "entries"})  # no longer part of "verify all"
    counts = part.find(id="queue-counts")
    left = len(mentees_waiting(app))
    assert counts["hx-swap-oob"] == "true" and text_of(counts.find("p")).startswith(f"{left} entries waiting")
    message = part.find(id="queue-message")
    assert message["hx-swap-oob"] == "innerHTML" and text_of(message).startswith(f"Verified {hours} hour")
    assert status_of(app, int(row["id"].removeprefix("entry-"))) == VerificationStatus.VERIFIED


def test_a_row_shown_before_shows_at_once_what_changed_since_and_its_form_still_works(app, mentor_client):
    """Rows are kept by everything they show (templating.kept_row): a second view shows the same row,
    and a new name, a file, its virus check or a changed entry shows in the next view; a kept row's form
    carries this page's CSRF token."""
    from apprenticeships.models import EvidenceFile, ScanStatus

    def newest() -> BeautifulSoup:
        soup = queue(mentor_client, "?sort=newest")
        assert csrf_token_from(str(rows(soup)[0])) == csrf_token_from(str(soup))  # the page's own token
        return rows(soup)[0]

    def without_tokens(row: BeautifulSoup) -> str:
        for hidden in row.find_all("input", attrs={"name": "csrf_token"}):
            hidden["value"] = ""
        return str(row)

    first = newest()
    entry_id = int(first["id"].removeprefix("entry-"))
    assert without_tokens(newest()) == without_tokens(first)
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        entry.apprentice.first_name = "Jo"
        file = EvidenceFile(apprentice_id=entry.apprentice_id, log_entry_id=entry.id, filename="notes.pdf",
                            media_type="application/pdf", size_bytes=2048, digest="a" * 64,
                            scan_status=ScanStatus.PENDING)
        db.session.add(file)
        db.session.commit()
        file_id = file.id
    shown = newest()
    assert text_of(shown.find("a")).startswith("Jo ") and "notes.pdf Being checked" in text_of(shown)
    with app.app_context():
        db.session.get(EvidenceFile, file_id).scan_status = ScanStatus.CLEAN
        db.session.get(LogEntry, entry_id).description = "Read the safety manual twice"
        db.session.commit()
    shown = newest()
    assert shown.find("a", href=f"/evidence/{file_id}") and "Being checked" not in text_of(shown)
    assert "Read the safety manual twice" in text_of(shown)
    form = shown.find("form")
    response = mentor_client.post(form["action"], data={
        field["name"]: field["value"] for field in form.find_all("input", attrs={"type": "hidden"})})
    assert response.status_code == 303 and status_of(app, entry_id) == VerificationStatus.VERIFIED


def test_without_javascript_verify_comes_back_to_the_same_place_at_the_entry(app, mentor_client):
    add_entries(app, "Liam", 55, date.today() - timedelta(days=300))
    query = "?status=waiting&sort=newest&page=2"
    soup = queue(mentor_client, query)
    row = rows(soup)[3]
    who, hours = text_of(row.find_all("td")[1]), row.find_all("td")[4].get_text()
    form = row.find("form")
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    entry_id = row["id"].removeprefix("entry-")
    assert location.path == "/verification" and location.fragment == f"entry-{entry_id}"
    assert parse_qs(location.query) == {"sort": ["newest"], "page": ["2"], "done": [entry_id]}
    after = page(mentor_client.get(f"{location.path}?{location.query}"))
    settled = after.find(id=f"entry-{entry_id}")
    assert settled is not None and "Verified" in text_of(settled) and settled.find(attrs={"autofocus": True})
    assert [r["id"] for r in rows(after)].index(f"entry-{entry_id}") == 3  # where it was
    # Said at the top, as "Verify selected entries" says it, with the same way to undo it (the row offers it too).
    banner = after.find(id="queue-verified")
    assert text_of(banner).startswith(f"Success Verified {hours} hour{'' if hours == '1' else 's'} for {who}. "
                                      "Verified by mistake? You can undo it for an hour.")
    undo = undo_form(banner)
    assert [i["value"] for i in undo.select('input[name="undo"]')] == [entry_id]
    assert parse_qs(urlsplit(undo["action"]).query) == {"sort": ["newest"], "page": ["2"]}  # back to the same place
    assert text_of(after.find(id="queue-message")) == ""  # not said twice
    assert after.select_one(".govuk-pagination__item--current").get_text(strip=True) == "2"


def test_a_query_opens_in_its_row_with_htmx_and_is_sent_from_there(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[1]
    target = {"HX-Request": "true", "HX-Target": row["id"]}
    opened = BeautifulSoup(mentor_client.get(link(row, "Query")["hx-get"], headers=target).get_data(as_text=True),
                           "html.parser")
    form = opened.find("form")
    assert opened.find("tr")["id"] == row["id"] and opened.find("textarea").has_attr("autofocus")
    token = csrf_token_from(str(soup))
    fields = {"csrf_token": token, "version": form.find("input", attrs={"name": "version"})["value"],
              "loaded": form.find("input", attrs={"name": "loaded"})["value"]}
    refused = BeautifulSoup(mentor_client.post(form["hx-post"], data={**fields, "comment": " "}, headers=target)
                            .get_data(as_text=True), "html.parser")
    assert text_of(refused.select_one(".govuk-error-message")) == "Error: Enter what you need to know"
    sent = BeautifulSoup(mentor_client.post(form["hx-post"], data={**fields, "comment": "Which course?"},
                                            headers=target).get_data(as_text=True), "html.parser")
    assert "Queried" in text_of(sent.find("tr")) and text_of(sent.find(id="queue-message")).startswith("Query sent to")
    assert text_of(sent.find(id="queue-counts")).startswith(f"{len(mentees_waiting(app))} entries waiting")
    assert status_of(app, int(row["id"].removeprefix("entry-"))) == VerificationStatus.QUERIED
    assert link(opened, "Cancel")["href"] == f"/verification?sort=newest#{row['id']}"
    restored = BeautifulSoup(mentor_client.get(link(opened, "Cancel")["hx-get"], headers=target).get_data(
        as_text=True), "html.parser")  # Cancel, with htmx: the row as it is now, here already queried
    assert restored.find("tr")["id"] == row["id"] and "Queried" in text_of(restored) and not restored.find("textarea")
    assert restored.find(attrs={"autofocus": True}).get_text(strip=True) == text_of(row.find_all("td")[1])


def test_cancelling_a_query_in_its_row_gives_the_focus_back_to_its_query_link(mentor_client):
    soup = queue(mentor_client)
    row = rows(soup)[0]
    target = {"HX-Request": "true", "HX-Target": row["id"]}
    opened = BeautifulSoup(mentor_client.get(link(row, "Query")["hx-get"], headers=target).get_data(as_text=True),
                           "html.parser")
    restored = BeautifulSoup(mentor_client.get(link(opened, "Cancel")["hx-get"], headers=target).get_data(
        as_text=True), "html.parser")
    focused = restored.find_all(attrs={"autofocus": True})
    assert len(focused) == 1 and text_of(focused[0]).startswith("Query ")
    assert not link(row, "Query").has_attr("autofocus")  # only after a Cancel


def test_without_javascript_a_query_comes_back_to_the_same_place(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[0]
    query_page = link(row, "Query")["href"]
    response = post_form(mentor_client, query_page, {"comment": "Which course?"})
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and location.fragment == row["id"]
    assert parse_qs(location.query) == {"sort": ["newest"], "done": [row["id"].removeprefix("entry-")]}
    assert "Queried" in text_of(page(mentor_client.get(response.headers["Location"])).find(id=row["id"]))


# Apprentices who have left


def _withdraw(app, first_name: str) -> None:
    with app.app_context():
        apprentice = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == first_name))
        apprentice.status, apprentice.withdrawal_date = ApprenticeStatus.WITHDRAWN, date.today()
        apprentice.withdrawal_reason = "Moved away"
        db.session.commit()


def test_a_withdrawn_apprentices_hours_are_left_to_coordinators_who_can_verify_them(app, mentor_client,
                                                                                    coordinator_client):
    amara = apprentice_id(app, "Amara")
    queried = entries_of(app, "Amara", VerificationStatus.QUERIED)[0]
    waiting = entries_of(app, "Amara")[0]
    _withdraw(app, "Amara")
    assert "Amara" not in text_of(queue(mentor_client))
    record = page(coordinator_client.get(f"/apprentices/{amara}"))
    assert "Amara has withdrawn, so their mentor no longer sees their log: only a coordinator can verify " \
           "the hours waiting." in text_of(record.find(id="who-verifies"))
    soup = queue(coordinator_client, record.find(id="who-verifies").find("a")["href"].removeprefix("/verification"))
    assert names(soup) == {"Amara Okoro"} and "Withdrawn" in text_of(rows(soup)[0])
    assert [o.get_text() for o in soup.find(id="apprentice").find_all("option") if o.has_attr("selected")] == [
        "Amara Okoro (has left)"]
    assert link(soup.find("tbody"), "Query") is None  # she can no longer answer
    assert link(queue(coordinator_client, "?sort=newest").find("tbody"), "Query") is not None
    response = post_form(coordinator_client, f"/log/{waiting.id}/query", {"comment": "Which course?"},
                         page=f"/verification?apprentice={amara}")
    assert status_of(app, waiting.id) == VerificationStatus.PENDING
    assert "has left the programme and can no longer answer a query" in text_of(
        page(coordinator_client.get(response.headers["Location"])))
    # A query she can never answer now: it may be verified as it stands.
    soup = queue(coordinator_client, f"?apprentice={amara}&status=queried")
    form = soup.find(id=f"entry-{queried.id}").find("form")
    coordinator_client.post(form["action"], data={"csrf_token": csrf_token_from(str(soup)),
                                                  "version": str(queried.version)})
    assert status_of(app, queried.id) == VerificationStatus.VERIFIED


def test_a_current_apprentices_page_names_their_mentor_as_a_verifier(app, mentor_client, coordinator_client):
    soup = page(coordinator_client.get(f"/apprentices/{apprentice_id(app, 'Jordan')}"))
    assert text_of(soup.find(id="who-verifies")).startswith(
        "Jordan’s mentor, Priya Shah, or a coordinator verifies the hours waiting. Verify Jordan’s hours")
    # Priya herself is told it is her.
    soup = page(mentor_client.get(f"/apprentices/{apprentice_id(app, 'Jordan')}"))
    assert text_of(soup.find(id="who-verifies")).startswith(
        "You or a coordinator verify the hours waiting. Verify Jordan’s hours")


# A fixed number of statements, whatever the data size


@pytest.mark.parametrize("role,path", [
    ("mentor", "/verification"),
    ("mentor", "/verification?status=answered&sort=newest&date_from=1&date_from=1&date_from=2020&page=2"),
    ("mentor", "/verification?apprentice=1&done=1"),
    ("coordinator", "/verification?status=queried&date_to=1&date_to=1&date_to=2030"),
    ("coordinator", "/verification?apprentice_name=e&apprentice=2"),
])
def test_the_queue_runs_the_same_number_of_statements_at_two_data_sizes(app, signed_in, role, path):
    client = signed_in(role)
    client.get(path)  # warm up: the session's own upkeep is not what is measured
    app.extensions.pop("results_cache", None)  # counted as a first view: nothing kept (changes.cached)
    with counting(app) as small:
        assert client.get(path).status_code == 200
    grow(app, 120)
    with counting(app) as large:
        assert client.get(path).status_code == 200
    assert len(small) == len(large) and len(small) <= 12, (len(small), len(large))


def test_the_mentors_home_says_what_waits_for_verification_with_links_into_the_queue(app, mentor_client):
    home = page(mentor_client.get("/mentor"))
    waiting = home.find(id="to-verify")
    assert text_of(waiting.find("a")) == f"{len(mentees_waiting(app))} entries waiting for verification"
    assert waiting.find("a")["href"] == "/verification"
    # None of those waiting came back answered from a query: said plainly.
    assert [text_of(li) for li in waiting.find_all("li")][1] == "No answered queries are waiting"
    amara = entries_of(app, "Amara")[0]
    with app.app_context():  # an answered query: pending again, its question kept
        db.session.get(LogEntry, amara.id).query_comment = "Which course?"
        db.session.commit()
    to_verify = page(mentor_client.get("/mentor")).find(id="to-verify")
    answered = to_verify.find("a", string="1 of them answered after a query")
    assert answered["href"] == "/verification?status=answered"
    assert [r["id"] for r in rows(queue(mentor_client, "?status=answered"))] == [f"entry-{amara.id}"]
    with app.app_context():
        db.session.execute(sa.update(LogEntry).where(LogEntry.status == VerificationStatus.PENDING)
                           .values(status=VerificationStatus.VERIFIED, verified_at=sa.func.current_timestamp(),
                                   verified_by_id=sa.select(User.id).where(User.email == "mentor@example.org")
                                   .scalar_subquery()))
        db.session.commit()
    assert text_of(page(mentor_client.get("/mentor")).find(id="to-verify")) == "Nothing is waiting for verification."


# Undoing a verification (a misclick): for an hour, only one's own, all or none


def undone_events(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "log_entry.verification_undone"))


def last_action(app, entry_id: int) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(LogEntryRevision.action).where(LogEntryRevision.entry_id == entry_id)
                                  .order_by(LogEntryRevision.id)).all()[-1]


def undo_form(soup: BeautifulSoup):
    button = next(b for b in soup.find_all("button") if text_of(b).startswith("Undo"))
    return button.find_parent("form")


def post_undo(client, soup: BeautifulSoup, form, **kwargs):
    return client.post(form["action"], data={"csrf_token": csrf_token_from(str(soup)),
                                             "undo": [i["value"] for i in form.select('input[name="undo"]')]},
                       **kwargs)


def test_verifying_all_on_the_page_can_be_undone_from_its_message(app, mentor_client):
    total, hours = len(mentees_waiting(app)), hour_figure(sum(e.minutes for e in mentees_waiting(app)) / 60)
    soup = queue(mentor_client, "?sort=newest")
    on_page = [int(i["value"].split(":")[0]) for i in soup.select('input[name="on_page"]')]
    mentor_client.post(soup.find(id="queue-bulk")["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "on_page": [i["value"] for i in soup.select('input[name="on_page"]')],
        "everything_on_page": "yes"})
    after = queue(mentor_client, "?sort=newest")
    banner = after.find(id="queue-verified")
    assert text_of(banner).startswith(f"Success Verified {total} entries, {hours} hours. "
                                      "Verified by mistake? You can undo it "
                                      "for an hour.")
    form = undo_form(banner)
    assert text_of(form.find("button")) == f"Undo: put these {total} entries back to waiting"
    assert sorted(int(i["value"]) for i in form.select('input[name="undo"]')) == sorted(on_page)
    assert urlsplit(form["action"]).query == "sort=newest"  # back to the same list
    assert queue(mentor_client, "?sort=newest").find(id="queue-verified") is None  # said once
    before = undone_events(app)
    response = post_undo(mentor_client, after, form)
    assert response.status_code == 303 and urlsplit(response.headers["Location"]).query == "sort=newest"
    back = queue(mentor_client, "?sort=newest")
    assert f"Verification undone: {total} entries are waiting for verification again." in text_of(back)
    assert counts_line(back).startswith(f"{total} entries waiting for verification, {hours} hours")
    with app.app_context():
        for entry in db.session.scalars(sa.select(LogEntry).where(LogEntry.id.in_(on_page))):
            assert (entry.status, entry.verified_by_id, entry.verified_at) == (VerificationStatus.PENDING, None, None)
    assert all(last_action(app, entry_id) == "verification undone" for entry_id in on_page)
    assert undone_events(app) == before + total  # audited entry by entry
    # The same undo again changes nothing: the entries are no longer verified.
    again = post_undo(mentor_client, after, form)
    assert "Nothing was undone" in text_of(page(mentor_client.get(again.headers["Location"])))
    assert undone_events(app) == before + total


def test_one_entry_verified_in_place_is_undone_in_place(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[0]
    target = {"HX-Request": "true", "HX-Target": row["id"]}
    form = row.find("form")
    verified = BeautifulSoup(mentor_client.post(form["hx-post"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]},
        headers=target).get_data(as_text=True), "html.parser")
    undo = undo_form(verified.find("tr"))
    assert text_of(undo.find("button")).startswith("Undo verifying ")
    assert undo["hx-post"] == undo["action"] and undo["hx-target"] == "closest tr"
    undone = BeautifulSoup(post_undo(mentor_client, soup, undo, headers=target).get_data(as_text=True), "html.parser")
    back = undone.find("tr")
    assert back["id"] == row["id"] and back.find("input", attrs={"name": "entries"})  # tickable again
    assert text_of(back.find(attrs={"autofocus": True})).startswith("Verify ")
    assert text_of(undone.find(id="queue-message")).startswith("Verification undone: ")
    assert counts_line(undone).startswith(f"{len(mentees_waiting(app))} entries waiting")
    assert status_of(app, int(row["id"].removeprefix("entry-"))) == VerificationStatus.PENDING


def test_without_javascript_the_settled_row_offers_the_undo(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[0]
    form = row.find("form")
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]})
    after = page(mentor_client.get(response.headers["Location"]))
    undo = undo_form(after.find(id=row["id"]))
    response = post_undo(mentor_client, after, undo)
    assert response.status_code == 303
    # Back at the same filters, at the entry (not the top of the list), which waits again and says so.
    assert response.headers["Location"] == f"/verification?sort=newest#{row['id']}"
    back = page(mentor_client.get(response.headers["Location"]))
    assert_undone_in_its_row(back, row["id"])
    assert status_of(app, int(row["id"].removeprefix("entry-"))) == VerificationStatus.PENDING
    # The message was for that one view.
    again = page(mentor_client.get(response.headers["Location"]))
    assert "Verification undone" not in text_of(again)


def assert_undone_in_its_row(shown: BeautifulSoup, row_id: str) -> None:
    """The queue after one entry's verification was undone without JavaScript: no banner at the top
    (which would take the page there), the entry tickable again, the message in its row and the
    focus on its Verify button."""
    assert not shown.select(".govuk-notification-banner")
    back = shown.find(id=row_id)
    assert back.find("input", attrs={"name": "entries"})  # tickable again
    assert "is waiting for verification again" in text_of(back)
    assert text_of(back.find(attrs={"autofocus": True})).startswith("Verify ")
    assert "is waiting for verification again" in text_of(shown.find(id="queue-message"))


def test_without_javascript_one_entry_verified_is_said_at_the_top_with_its_undo(app, mentor_client):
    from apprenticeships.models import utcnow

    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[2]
    entry_id = int(row["id"].removeprefix("entry-"))
    form = row.find("form")
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]})
    location = response.headers["Location"]
    after = page(mentor_client.get(location))
    banner = after.find(id="queue-verified")
    assert banner.find_previous("h1") is None  # at the top of the page, as after "Verify selected entries"
    assert banner["role"] == "region" and banner["data-disable-auto-focus"] == "true"  # the page stays at the entry
    undo = undo_form(banner)
    assert text_of(undo.find("button")).startswith("Undo this verification")
    response = post_undo(mentor_client, after, undo)
    assert response.status_code == 303 and status_of(app, entry_id) == VerificationStatus.PENDING
    assert response.headers["Location"] == f"/verification?sort=newest#entry-{entry_id}"  # at the entry again
    assert_undone_in_its_row(page(mentor_client.get(response.headers["Location"])), f"entry-{entry_id}")
    # Once it can no longer be undone (after the hour, or verified by someone else), nothing offers it.
    for email, when in (("mentor@example.org", utcnow() - timedelta(hours=2)), ("coordinator@example.org", None)):
        _verify_as(app, email, [entry_id], when=when)
        again = page(mentor_client.get(location))
        assert again.find(id="queue-verified") is None
        assert not any(text_of(b).startswith("Undo") for b in again.find_all("button"))
        assert text_of(again.find(id="queue-message")).startswith("Verified ")  # still said, without the undo


def _verify_as(app, email: str, entry_ids: list[int], when=None) -> None:
    from apprenticeships.models import utcnow

    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        db.session.execute(sa.update(LogEntry).where(LogEntry.id.in_(entry_ids)).values(
            status=VerificationStatus.VERIFIED, verified_by_id=user_id, verified_at=when or utcnow()))
        db.session.commit()


def test_only_ones_own_recent_verifications_can_be_undone_and_all_or_none(app, mentor_client):
    from apprenticeships.models import utcnow

    jordan = [e.id for e in entries_of(app, "Jordan")]
    mine, theirs, old = jordan[0], jordan[1], jordan[2]
    _verify_as(app, "mentor@example.org", [mine])
    _verify_as(app, "coordinator@example.org", [theirs])
    _verify_as(app, "mentor@example.org", [old], when=utcnow() - timedelta(hours=1, minutes=1))
    token = csrf_token_from(mentor_client.get("/verification").get_data(as_text=True))
    for chosen in ([theirs], [old], [mine, theirs], [mine, old]):
        response = mentor_client.post("/verification/undo", data={"csrf_token": token, "undo": chosen})
        assert response.status_code == 303
        assert "Nothing was undone" in text_of(page(mentor_client.get(response.headers["Location"])))
        assert status_of(app, mine) == VerificationStatus.VERIFIED  # not even the one that could be
    assert status_of(app, theirs) == status_of(app, old) == VerificationStatus.VERIFIED
    # Another mentor's mentee, verified by this mentor (when they were theirs): out of their scope now.
    callum = entries_of(app, "Callum")[0].id
    _verify_as(app, "mentor@example.org", [callum])
    mentor_client.post("/verification/undo", data={"csrf_token": token, "undo": [callum]})
    assert status_of(app, callum) == VerificationStatus.VERIFIED
    response = mentor_client.post("/verification/undo", data={"csrf_token": token, "undo": [mine]})
    assert response.status_code == 303 and status_of(app, mine) == VerificationStatus.PENDING


@pytest.mark.parametrize("undo", [[], ["x"], ["1:2"], ["-1"], ["9" * 20], [str(n) for n in range(1, 200)]])
def test_an_undo_with_nothing_or_nonsense_named_changes_nothing(app, mentor_client, undo):
    token = csrf_token_from(mentor_client.get("/verification").get_data(as_text=True))
    before = undone_events(app)
    response = mentor_client.post("/verification/undo", data={"csrf_token": token, "undo": undo})
    assert response.status_code == 303
    assert "Choose the entries whose verification you want to undo." in text_of(
        page(mentor_client.get(response.headers["Location"])).select_one(".govuk-notification-banner"))
    assert undone_events(app) == before


def test_a_coordinator_undoes_their_own_verification_from_the_entrys_history(app, coordinator_client):
    entry_id = entries_of(app, "Jordan")[0].id
    _verify_as(app, "coordinator@example.org", [entry_id])
    history = page(coordinator_client.get(f"/log/{entry_id}"))
    form = undo_form(history)
    response = post_undo(coordinator_client, history, form)
    assert response.status_code == 303 and status_of(app, entry_id) == VerificationStatus.PENDING
    history = page(coordinator_client.get(f"/log/{entry_id}"))
    assert "Verification undone by" in text_of(history)
    assert not any(text_of(b).startswith("Undo") for b in history.find_all("button"))


# Wording


def test_the_bulk_button_and_heading_say_what_the_list_holds(app, mentor_client):
    jordan = apprentice_id(app, "Jordan")
    waiting = entries_of(app, "Jordan")
    _verify_as(app, "mentor@example.org", [e.id for e in waiting[1:]])
    soup = queue(mentor_client, f"?apprentice={jordan}")
    assert text_of(soup.find("button", attrs={"name": "everything_on_page"})) == "Verify this entry"
    left = len(mentees_waiting(app))  # after the verifying above
    assert text_of(queue(mentor_client).find("button", attrs={"name": "everything_on_page"})) == \
        f"Verify all {left} on this page"
    assert text_of(soup.find("h1")) == "Hours waiting for verification"
    queried = queue(mentor_client, "?status=queried")
    assert text_of(queried.find("h1")) == "Queried entries"
    assert queried.find(id="queue-select-all") is None  # nothing on the page can be ticked
    assert text_of(queue(mentor_client, "?status=answered").find("h1")) == "Answered queries waiting for verification"


def test_the_query_page_without_javascript_names_the_apprentice(app, mentor_client):
    soup = queue(mentor_client, "?sort=newest")
    row = rows(soup)[0]
    who = text_of(row.find_all("td")[1])
    query_page = page(mentor_client.get(link(row, "Query")["href"]))
    assert text_of(query_page.find("label", attrs={"for": "comment"})) == f"Your question for {who}"


def test_after_settling_the_last_entry_of_a_filtered_list_it_does_not_say_nothing_matches(app, mentor_client):
    amara = apprentice_id(app, "Amara")
    waiting = entries_of(app, "Amara")
    for entry in waiting[1:]:
        _verify_as(app, "mentor@example.org", [entry.id])
    soup = queue(mentor_client, f"?apprentice={amara}")
    row = soup.find(id=f"entry-{waiting[0].id}")
    response = post_form(mentor_client, link(row, "Query")["href"], {"comment": "Which course?"})
    after = page(mentor_client.get(response.headers["Location"]))
    assert "Queried" in text_of(after.find(id=f"entry-{waiting[0].id}"))
    assert "No entries match" not in text_of(after.find(id="queue-counts"))
    assert counts_line(after) == "Nothing else matching these filters is waiting for verification."


def test_a_query_answered_in_person_is_verified_anyway_and_an_undo_makes_it_queried_again(app, mentor_client):
    from apprenticeships.models import Notification, NotificationKind

    queried = entries_of(app, "Amara", VerificationStatus.QUERIED)[0]
    with app.app_context():  # as the app would have it: the query, and the apprentice told to answer it
        from apprenticeships.services import logbook

        entry = db.session.get(LogEntry, queried.id)
        entry.status = VerificationStatus.PENDING
        db.session.flush()
        logbook.query(db.session.scalar(sa.select(User).where(User.email == "mentor@example.org")), entry,
                      "Which course was this?")
        db.session.commit()
    soup = queue(mentor_client, "?status=queried")
    form = soup.find(id=f"entry-{queried.id}").find("form")
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"],
        "anyway": "yes"})
    assert response.status_code == 303 and status_of(app, queried.id) == VerificationStatus.VERIFIED
    assert "without a written answer" in text_of(page(mentor_client.get(f"/log/{queried.id}")))
    with app.app_context():  # nothing is left for Amara to answer
        assert db.session.scalar(sa.select(Notification.done_at).where(
            Notification.kind == NotificationKind.ENTRY_QUERIED, Notification.log_entry_id == queried.id)) is not None
    settled = page(mentor_client.get(response.headers["Location"]))
    post_undo(mentor_client, settled, undo_form(settled.find(id=f"entry-{queried.id}")))
    assert status_of(app, queried.id) == VerificationStatus.QUERIED  # as it was, not "waiting"
    # Without "anyway", a queried entry is not verified.
    soup = queue(mentor_client, "?status=queried")
    form = soup.find(id=f"entry-{queried.id}").find("form")
    mentor_client.post(form["action"], data={"csrf_token": csrf_token_from(str(soup)),
                                             "version": form.find("input", attrs={"name": "version"})["value"]})
    assert status_of(app, queried.id) == VerificationStatus.QUERIED


# The demo's queried entries, recorded as the app records a query


def test_the_demos_query_is_in_its_history_so_an_undone_verify_anyway_is_queried_again(app, mentor_client):
    from apprenticeships.models import Notification, NotificationKind, utcnow
    from apprenticeships.services import logbook

    queried = entries_of(app, "Amara", VerificationStatus.QUERIED)[0]
    with app.app_context():
        revisions = db.session.execute(
            sa.select(LogEntryRevision.action, LogEntryRevision.changed_at, User.email, LogEntryRevision.changes)
            .join(User, User.id == LogEntryRevision.changed_by_id)
            .where(LogEntryRevision.entry_id == queried.id).order_by(LogEntryRevision.changed_at)).all()
        entry = db.session.get(LogEntry, queried.id)
        assert [r.action for r in revisions] == ["created", "queried"]
        assert revisions[1].email == "mentor@example.org"  # Amara's mentor asked
        asked = revisions[-1]
        assert asked.changes == {"comment": entry.query_comment}
        # On a day after the activity, before today: when it would have been asked, not when the demo was loaded.
        assert queried.activity_date < asked.changed_at.date() < date.today()
        assert (utcnow() - asked.changed_at.replace(tzinfo=utcnow().tzinfo)) > timedelta(hours=1)
    history = text_of(page(mentor_client.get(f"/log/{queried.id}")))
    assert "Queried by " in history and "Question: Could you say which module this was" in history
    # Verified anyway (answered in person, say), then undone: queried again, as it was.
    soup = queue(mentor_client, "?status=queried")
    row = soup.find(id=f"entry-{queried.id}")
    form = row.find("form")
    assert text_of(form.find("button")).startswith("Verify anyway")
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"],
        "anyway": "yes"})
    settled = page(mentor_client.get(response.headers["Location"]))
    undone = post_undo(mentor_client, settled, undo_form(settled.find(id=f"entry-{queried.id}")))
    assert status_of(app, queried.id) == VerificationStatus.QUERIED
    back = page(mentor_client.get(undone.headers["Location"]))
    assert "is queried again" in text_of(back.find(id=f"entry-{queried.id}"))  # said in its row, where the page opens
    assert "They changed the entry rather than answer" not in text_of(queue(mentor_client, "?status=queried"))
    # Answered now: the mentor who asked (as the history says) is told.
    with app.app_context():
        amara = db.session.scalar(sa.select(User).where(User.apprentice_id == apprentice_id(app, "Amara")))
        logbook.answer(amara, db.session.get(LogEntry, queried.id), "The data module")
        db.session.commit()
        told = db.session.scalar(sa.select(User.email).join(Notification, Notification.user_id == User.id).where(
            Notification.kind == NotificationKind.QUERY_ANSWERED, Notification.log_entry_id == queried.id))
    assert told == "mentor@example.org"


def test_the_demos_entries_carry_their_history_with_the_dates_it_happened(app, mentor_client):
    verified = entries_of(app, "Jordan", VerificationStatus.VERIFIED)[0]
    with app.app_context():
        actions = db.session.execute(
            sa.select(LogEntryRevision.action, LogEntryRevision.changed_at, User.name)
            .join(User, User.id == LogEntryRevision.changed_by_id)
            .where(LogEntryRevision.entry_id == verified.id).order_by(LogEntryRevision.changed_at)).all()
        entry = db.session.get(LogEntry, verified.id)
        verifier = db.session.get(User, entry.verified_by_id).name
        assert [(a.action, a.name) for a in actions] == [("created", "Jordan Ellis"), ("verified", verifier)]
        assert actions[1].changed_at.replace(tzinfo=None) == entry.verified_at.replace(tzinfo=None)
        assert actions[0].changed_at.date() == entry.activity_date
    assert "Verified by " in text_of(page(mentor_client.get(f"/log/{verified.id}")))


def test_an_entry_back_from_a_query_says_it_was_changed_only_when_it_was(app, mentor_client, apprentice_client):
    from apprenticeships.services import logbook

    jordan = entries_of(app, "Jordan")
    changed, unanswered = jordan[0], jordan[1]
    with app.app_context():
        mentor = db.session.scalar(sa.select(User).where(User.email == "mentor@example.org"))
        logbook.query(mentor, db.session.get(LogEntry, changed.id), "Which course?")
        # Put back to waiting without an answer or a change (a query from before the history was kept).
        entry = db.session.get(LogEntry, unanswered.id)
        entry.query_comment = "Which book?"
        db.session.commit()
    # The apprentice changes the queried entry rather than answer it.
    day = changed.activity_date
    response = post_form(apprentice_client, f"/log/{changed.id}/edit", entry_data(
        activity_date=[str(day.day), str(day.month), str(day.year)]), page=f"/log/{changed.id}/edit")
    assert response.status_code == 303, errors(page(response, response.status_code))
    assert status_of(app, changed.id) == VerificationStatus.PENDING
    soup = queue(mentor_client, f"?apprentice={apprentice_id(app, 'Jordan')}&status=answered")
    assert "They changed the entry rather than answer." in text_of(soup.find(id=f"entry-{changed.id}"))
    shown = text_of(soup.find(id=f"entry-{unanswered.id}"))
    assert "Question: Which book?" in shown and "Not answered in writing." in shown
    assert "changed the entry" not in shown
    # The same in a row alone (htmx): the query opened in it, and cancelled.
    for entry_id, said in ((changed.id, "They changed the entry rather than answer."),
                           (unanswered.id, "Not answered in writing.")):
        opened = mentor_client.get(f"/log/{entry_id}/query", headers={"HX-Request": "true",
                                                                      "HX-Target": f"entry-{entry_id}"})
        assert said in text_of(BeautifulSoup(opened.get_data(as_text=True), "html.parser"))


# An entry deleted (by the apprentice) while it waited in the mentor's queue


def _delete_as_the_apprentice(apprentice_client, entry_id: int) -> None:
    response = post_form(apprentice_client, f"/log/{entry_id}/delete", {}, page=f"/log/{entry_id}/delete")
    assert response.status_code == 303


def test_verifying_or_querying_an_entry_just_deleted_says_so_in_its_row(app, mentor_client, apprentice_client):
    soup = queue(mentor_client, "?sort=newest")
    row = next(r for r in rows(soup) if text_of(r.find_all("td")[1]) == "Jordan Ellis")
    entry_id = int(row["id"].removeprefix("entry-"))
    form = row.find("form")
    data = {"csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]}
    _delete_as_the_apprentice(apprentice_client, entry_id)
    target = {"HX-Request": "true", "HX-Target": row["id"]}
    for response in (mentor_client.post(form["hx-post"], data=data, headers=target),
                     mentor_client.get(link(row, "Query")["hx-get"], headers=target)):
        assert response.status_code == 200
        part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        swapped = part.find("tr")
        assert swapped["id"] == row["id"]
        said = "Jordan Ellis deleted this entry. It is no longer waiting for verification."
        assert text_of(swapped.find(attrs={"autofocus": True})) == f"Deleted {said}"
        assert text_of(part.find(id="queue-message")) == said
        assert counts_line(part).startswith(f"{len(mentees_waiting(app))} entries waiting")  # the counts without it
    # Without JavaScript: the queue again, at the same filters, opening at a row that says so where the
    # entry was (its Verify form sends its date), not at the top of the page.
    before = [r["id"] for r in rows(soup)]
    on = form.find("input", attrs={"name": "on"})["value"]
    response = mentor_client.post(form["action"], data={**data, "on": on})
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and parse_qs(location.query) == {"sort": ["newest"]}
    assert location.fragment == row["id"]
    back = page(mentor_client.get(f"{location.path}?{location.query}"))
    assert [r["id"] for r in rows(back)] == before  # the others as they were, and its row where it was
    assert text_of(back.find(id=row["id"])) == f"Deleted {said}"
    assert back.select_one(".govuk-notification-banner") is None
    # From the Query page (no date to place it by): the row is at the top of the list.
    query_page = mentor_client.get(link(row, "Query")["href"])
    assert query_page.status_code == 303 and urlsplit(query_page.headers["Location"]).fragment == row["id"]
    back = page(mentor_client.get(query_page.headers["Location"]))
    assert rows(back)[0]["id"] == row["id"] and "Jordan Ellis deleted this entry." in text_of(rows(back)[0])


def test_without_javascript_a_verify_refused_comes_back_to_the_entry_with_why(app, mentor_client, apprentice_client,
                                                                            signed_in):
    """The entry changed (or was verified by someone else) since the page was shown: nothing is done,
    and the queue opens at the entry as it is now, the reason in its row, not at a banner at the top."""
    add_entries(app, "Liam", 55, date.today() - timedelta(days=300))  # oldest first, the demo's are on page 2
    soup = queue(mentor_client, "?page=2")
    row = next(r for r in rows(soup) if text_of(r.find_all("td")[1]) == "Jordan Ellis")
    entry_id = int(row["id"].removeprefix("entry-"))
    with app.app_context():
        when = db.session.get(LogEntry, entry_id).activity_date
    post_form(apprentice_client, f"/log/{entry_id}/edit", {
        "activity_date": [str(when.day), str(when.month), str(when.year)], "activity_type": "study_time",
        "off_the_job": "yes", "minutes": "0.5", "description": "Changed after the mentor loaded the page."})
    form = row.find("form")
    data = {"csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]}
    response = mentor_client.post(form["action"], data=data)
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and location.fragment == row["id"]
    assert parse_qs(location.query) == parse_qs(urlsplit(form["action"]).query)  # the same filters and page
    back = page(mentor_client.get(f"{location.path}?{location.query}"))
    assert back.select_one(".govuk-notification-banner") is None  # said in the row, not at the top
    again = back.find(id=row["id"])
    said = again.find(id=f"refused-{entry_id}")
    assert text_of(said).startswith("Jordan Ellis’s entry for") and said.has_attr("autofocus")
    assert "was changed by Jordan Ellis while you were looking at it. Check it again before you verify it." \
        in text_of(said)
    assert "Changed after the mentor loaded the page." in text_of(again)  # the entry as it is now
    assert status_of(app, entry_id) == VerificationStatus.PENDING
    assert page(mentor_client.get(f"{location.path}?{location.query}")).find(id=f"refused-{entry_id}") is None  # once

    # Verified by someone else meanwhile: its row, settled, where it sorts, saying so.
    fresh = page(mentor_client.get(f"{location.path}?{location.query}"))
    form = fresh.find(id=row["id"]).find("form")
    coordinator = signed_in("coordinator")
    post_form(coordinator, f"/log/{entry_id}/verify", {"version": form.find("input", attrs={"name": "version"})[
        "value"]}, page="/verification")
    assert status_of(app, entry_id) == VerificationStatus.VERIFIED
    response = mentor_client.post(form["action"], data={
        "csrf_token": csrf_token_from(str(fresh)), "version": form.find("input", attrs={"name": "version"})["value"]})
    back = page(mentor_client.get(response.headers["Location"].partition("#")[0]))
    settled = back.find(id=row["id"])
    assert [r["id"] for r in rows(back)].index(row["id"]) == [r["id"] for r in rows(fresh)].index(row["id"])
    assert "Verified" in text_of(settled) and "was verified by Alex Morgan while you were looking at it." in text_of(
        settled.find(id=f"refused-{entry_id}"))
    assert settled.find("form") is None  # nothing left to do with it


def test_an_entry_the_person_may_not_see_is_not_found_deleted_or_not(app, signed_in, mentor_client):
    callum = entries_of(app, "Callum")[0].id  # another mentor's mentee
    with app.app_context():  # deleted by Callum himself
        from apprenticeships.services import logbook

        callum_user = db.session.scalar(sa.select(User).where(User.apprentice_id == apprentice_id(app, "Callum")))
        logbook.delete(callum_user, db.session.get(LogEntry, callum))
        db.session.commit()
        never = db.session.scalar(sa.select(sa.func.max(LogEntry.id))) + 1000
    token = csrf_token_from(mentor_client.get("/verification").get_data(as_text=True))
    for entry_id in (callum, never):
        for headers in ({}, {"HX-Request": "true", "HX-Target": f"entry-{entry_id}"}):
            assert mentor_client.post(f"/log/{entry_id}/verify", data={"csrf_token": token},
                                      headers=headers).status_code == 404
            assert mentor_client.get(f"/log/{entry_id}/query", headers=headers).status_code == 404
    # A coordinator sees everyone: Callum's deleted entry is named to them.
    coordinator = signed_in("coordinator")
    token = csrf_token_from(coordinator.get("/verification").get_data(as_text=True))
    response = coordinator.post(f"/log/{callum}/verify", data={"csrf_token": token})
    assert "Callum Murphy deleted this entry." in text_of(page(coordinator.get(response.headers["Location"])).find(
        id=f"entry-{callum}"))
    assert coordinator.post(f"/log/{never}/verify", data={"csrf_token": token}).status_code == 404


# The header's count of notifications, kept true by the queue's answers in place


def test_verifying_an_answered_query_in_place_refreshes_the_headers_count(app, mentor_client):
    from apprenticeships.services import logbook

    entry = entries_of(app, "Jordan")[0]
    with app.app_context():
        mentor = db.session.scalar(sa.select(User).where(User.email == "mentor@example.org"))
        jordan = db.session.scalar(sa.select(User).where(User.email == "apprentice@example.org"))
        logbook.query(mentor, db.session.get(LogEntry, entry.id), "Which course?")
        logbook.answer(jordan, db.session.get(LogEntry, entry.id), "The cloud course")
        db.session.commit()
    soup = queue(mentor_client, "?status=answered")
    before = text_of(soup.find(id="header-notifications"))
    assert before.startswith("Notifications ")
    waiting = int(before.split()[1])
    form = soup.find(id=f"entry-{entry.id}").find("form")
    response = mentor_client.post(form["hx-post"], data={
        "csrf_token": csrf_token_from(str(soup)), "version": form.find("input", attrs={"name": "version"})["value"]},
        headers={"HX-Request": "true", "HX-Target": f"entry-{entry.id}"})
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    header = part.find(id="header-notifications")
    assert header["hx-swap-oob"] == "true"
    now = "Notifications" if waiting == 1 else f"Notifications {waiting - 1} need you"
    assert text_of(header) == now
    assert text_of(header) == text_of(queue(mentor_client).find(id="header-notifications"))  # as a reload says
    menu = part.find(attrs={"hx-swap-oob": "innerHTML:.govuk-service-navigation__toggle"})
    assert text_of(menu) == ("Menu" if waiting == 1 else f"Menu ({waiting - 1} new)")


def test_an_answer_in_place_runs_the_same_number_of_statements_whatever_is_waiting(app, mentor_client):
    jordan = apprentice_id(app, "Jordan")

    def verify_in_place(entry_id: int) -> int:
        soup = queue(mentor_client, f"?apprentice={jordan}")
        form = soup.find(id=f"entry-{entry_id}").find("form")
        with counting(app) as statements:
            mentor_client.post(form["hx-post"], data={
                "csrf_token": csrf_token_from(str(soup)),
                "version": form.find("input", attrs={"name": "version"})["value"]},
                headers={"HX-Request": "true", "HX-Target": f"entry-{entry_id}"})
        return len(statements)

    first, second = (e.id for e in entries_of(app, "Jordan")[:2])
    before = verify_in_place(first)
    grow(app, 30)
    assert verify_in_place(second) == before
