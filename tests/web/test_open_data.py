"""Cohort summaries as open data in DfE's format: the council's codes, the ZIP of a data file and its
metadata, who may download it, rounding, and one differencing rule across links, snapshots and files."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, ApprenticeStatus, AuditEvent, ShareLink
from apprenticeships.services import open_data

from ..helpers import forget_council_codes, page, post_form, text_of
from .test_apprentices import errors
from .test_summaries import current_cohort, make_link

SETTINGS = {"review_interval": "12-weeks", "mentors_sign_reviews": "no", "disclosure_threshold": "5",
            "retention_years": "6", "audit_retention_years": "7", "round_to_five": "no"}
WANDSWORTH = {"la_name": "Wandsworth", "old_la_code": "212", "new_la_code": "e09000032"}


def set_codes(client, **changes):
    return post_form(client, "/settings", {**SETTINGS, **WANDSWORTH, **changes})


def unzip(response) -> dict[str, list[dict[str, str]]]:
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        files = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
    (data_name,) = [n for n in files if not n.endswith(".meta.csv")]
    meta_name = data_name.removesuffix(".csv") + ".meta.csv"
    assert sorted(files) == sorted([data_name, meta_name])
    assert open_data.problems(files[data_name], files[meta_name]) == []
    return {"data": list(csv.DictReader(io.StringIO(files[data_name]))),
            "meta": list(csv.DictReader(io.StringIO(files[meta_name])))}


def shown_intake(soup) -> str:
    """The number of apprentices started, as the public summary shows it."""
    return text_of(soup).split(" apprentices started")[0].split()[-1]


def by_breakdown(rows: list[dict[str, str]]) -> dict[tuple[str, str], dict[str, str]]:
    found = {}
    for row in rows:
        named = [(column, row[column]) for column in ("status", "service_area", "standard", "provider")
                 if row[column] != "Total"]
        found[named[0] if named else ("total", "Total")] = row
    return found


def test_the_councils_codes_are_settings_checked_as_they_are_entered(app, coordinator_client):
    soup = page(set_codes(coordinator_client, old_la_code="21", new_la_code="E0900003"))
    assert errors(soup) == {"old_la_code": "Enter the old local authority code as 3 digits, like 212",
                            "new_la_code": "Enter the new local authority code as a letter and 8 digits, "
                                           "like E09000032"}
    soup = page(set_codes(coordinator_client, la_name="W" * 500, old_la_code="２１２", new_la_code="E09000032\x00"))
    assert errors(soup) == {"la_name": "The council name must be 120 characters or fewer",
                            "old_la_code": "Enter the old local authority code as 3 digits, like 212",
                            "new_la_code": "Enter the new local authority code as a letter and 8 digits, "
                                           "like E09000032"}
    soup = page(set_codes(coordinator_client, la_name="", new_la_code=""))
    assert errors(soup) == {
        "la_name": "Enter the council name, or leave the council's name and codes empty",
        "new_la_code": "Enter the new local authority code, or leave the council's name and codes empty"}
    assert set_codes(coordinator_client).status_code == 303
    soup = page(coordinator_client.get("/settings"))
    assert soup.find("input", attrs={"name": "new_la_code"})["value"] == "E09000032"  # kept in capitals
    with app.app_context():
        from apprenticeships.models import ProgrammeSettings

        settings = db.session.get(ProgrammeSettings, 1)
        assert (settings.la_name, settings.old_la_code, settings.new_la_code, settings.round_to_five) == (
            "Wandsworth", "212", "E09000032", False)
        assert db.session.scalar(sa.select(AuditEvent.details).where(AuditEvent.action == "settings.edited")
                                 .order_by(AuditEvent.id.desc()).limit(1))["fields"] == [
            "la_name", "new_la_code", "old_la_code"]


def test_without_the_codes_the_page_says_where_to_set_them_and_nothing_downloads(app, coordinator_client):
    forget_council_codes(app)
    cohort = current_cohort(app)
    listing = page(coordinator_client.get(f"/cohorts/{cohort}/sharing"))
    assert "first enter the council’s local authority codes in the programme settings" in text_of(listing)
    assert [text_of(h) for h in listing.find_all("h2")].count("Open data") == 1  # said once, after the links
    response = coordinator_client.get(f"/cohorts/{cohort}/sharing/open-data.zip", follow_redirects=True)
    assert "Enter the council’s local authority codes and name in the programme settings first." in text_of(
        page(response))
    path = make_link(coordinator_client, cohort)
    public = app.test_client()
    assert "open data" not in text_of(page(public.get(path)))
    assert public.get(f"{path}/open-data.zip").status_code == 404


def test_the_coordinators_download_holds_the_published_figures_in_dfes_format(app, coordinator_client):
    cohort = current_cohort(app)
    set_codes(coordinator_client)
    listing = page(coordinator_client.get(f"/cohorts/{cohort}/sharing"))
    link = listing.find("a", string=lambda s: s and "as open data" in s)
    response = coordinator_client.get(link["href"])
    assert f'_as_of_{date.today().isoformat()}.zip"' in response.headers["Content-Disposition"]
    files = unzip(response)
    rows = by_breakdown(files["data"])
    total = rows[("total", "Total")]
    assert {k: total[k] for k in ("geographic_level", "country_code", "country_name", "old_la_code", "new_la_code",
                                  "la_name")} == {
        "geographic_level": "Local authority", "country_code": "E92000001", "country_name": "England",
        "old_la_code": "212", "new_la_code": "E09000032", "la_name": "Wandsworth"}
    assert {r["time_identifier"] for r in files["data"]} == {"Academic year"}
    # the public summary behind a share link made now shows the very same figures
    public = page(app.test_client().get(make_link(coordinator_client, cohort)))
    shown = {th.get_text(strip=True): td.get_text(strip=True) for th, td in
             ((tr.find("th"), tr.find("td")) for tr in public.select("table tr")) if th and td}
    for label in ("Active", "Withdrawn", "Completed", "Break in learning"):
        value = rows[("status", label)]["starts"]
        assert value == shown[label] if value != "c" else shown[label].startswith(("fewer than", "not shown"))
        assert rows[("status", label)]["retention_rate"] == "z"  # a rate has no meaning on a status's row
    assert total["starts"] == shown_intake(public)
    assert [m["col_name"] for m in files["meta"]][:4] == ["status", "service_area", "standard", "provider"]
    with app.app_context():
        from apprenticeships.models import Cohort

        start = db.session.get(Cohort, cohort).start_date
    year = start.year if start.month >= 8 else start.year - 1  # the academic year the cohort started in
    period = f"{year}{(year + 1) % 100:02d}"
    assert {r["time_period"] for r in files["data"]} == {period}
    # The page says which year that is, in words and as the file writes it.
    assert text_of(listing.find(id="open-data-period")).startswith(
        f"The file gives the figures for the academic year the cohort started in, as the standard’s time period: "
        f"the {year}/{(year + 1) % 100:02d} academic year (1 August {year} to 31 July {year + 1}), written {period} "
        "with the time identifier “Academic year”.")
    download = public.find("a", string=lambda s: s and "as open data" in s)
    assert f"for the {year}/{(year + 1) % 100:02d} academic year (1 August {year} to 31 July {year + 1}), the " \
           f"academic year the cohort started in (time period {period} in the file)" in text_of(download.parent)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "cohort.open_data_exported", AuditEvent.subject_id == cohort)) == 1


def test_a_share_links_download_is_its_figures_and_stops_with_the_link(app, coordinator_client):
    cohort = current_cohort(app)
    set_codes(coordinator_client)
    path = make_link(coordinator_client, cohort, mode="snapshot")
    public = app.test_client()
    soup = page(public.get(path))
    link = soup.find("a", string=lambda s: s and "as open data" in s)
    assert link["href"] == f"{path}/open-data.zip"
    files = unzip(public.get(link["href"]))
    with app.app_context():
        shared = db.session.scalar(sa.select(ShareLink).order_by(ShareLink.id.desc()).limit(1))
        figures, link_id = shared.published_figures, shared.id
    statuses = {c["label"]: c["value"] for c in figures["statuses"]}
    rows = by_breakdown(files["data"])
    assert {label: rows[("status", label)]["starts"] for label in statuses} == {
        label: "c" if value is None else str(value) for label, value in statuses.items()}
    assert rows[("total", "Total")]["starts"] == str(figures["intake"])
    # revoked: the file goes with the page
    post_form(coordinator_client, f"/cohorts/{cohort}/sharing/{link_id}/revoke", {})
    assert public.get(path).status_code == 404
    assert public.get(f"{path}/open-data.zip").status_code == 404
    assert public.get("/s/not-a-token/open-data.zip").status_code == 404


def test_rounding_to_five_applies_to_links_and_downloads(app, coordinator_client):
    cohort = current_cohort(app)
    set_codes(coordinator_client, round_to_five="yes")
    path = make_link(coordinator_client, cohort, mode="snapshot")
    public = app.test_client()
    assert "Counts are rounded to the nearest 5; percentages are worked out from the exact numbers." in text_of(
        page(public.get(path)))
    for response in (public.get(f"{path}/open-data.zip"),
                     coordinator_client.get(f"/cohorts/{cohort}/sharing/open-data.zip")):
        rows = unzip(response)["data"]
        counts = [r[c] for r in rows for c in ("starts", "achievements", "withdrawals", "employers", "placements")
                  if r[c] not in ("c", "z", "x")]
        assert counts and all(int(n) % 5 == 0 for n in counts)


def test_one_person_leaving_moves_nothing_anyone_can_get(app, coordinator_client):
    """The differencing rule across a live link, a snapshot and the downloads."""
    cohort = current_cohort(app)
    set_codes(coordinator_client)
    live = make_link(coordinator_client, cohort)
    public = app.test_client()
    before = unzip(public.get(f"{live}/open-data.zip"))["data"]
    with app.app_context():  # one apprentice withdraws
        person = db.session.scalar(sa.select(Apprentice).where(Apprentice.cohort_id == cohort,
                                                               Apprentice.status == ApprenticeStatus.ACTIVE).limit(1))
        person.status, person.withdrawal_date = ApprenticeStatus.WITHDRAWN, date.today()
        db.session.commit()
    snapshot = make_link(coordinator_client, cohort, mode="snapshot")
    assert unzip(public.get(f"{live}/open-data.zip"))["data"] == before
    assert unzip(public.get(f"{snapshot}/open-data.zip"))["data"] == before
    assert unzip(coordinator_client.get(f"/cohorts/{cohort}/sharing/open-data.zip"))["data"] == before
