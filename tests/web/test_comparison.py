"""Councils side by side: other councils' open data files beside our cohort's published figures."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, AuditEvent, Cohort, ComparisonLink, CouncilFile, ProgrammeSettings
from apprenticeships.services import open_data, sharing, summaries

from ..helpers import forget_council_codes, page, post_form, sql_statements, text_of

OURS = open_data.Council("891", "E06000018", "Northmoor")
OTHER = open_data.Council("993", "E99999903", "Southgate (test)")
COLUMNS = [open_data.Column("status", "Status now", "Filter")]
INDICATORS = [open_data.Column("starts", "Starts", "Indicator"),
              open_data.Column("withdrawals", "Withdrawals", "Indicator"),
              open_data.Column("new_apprentices_rate", "New apprentices as a share of new employees", "Indicator",
                               unit="%", dp=1)]


def set_codes(app, place: open_data.Council = OURS) -> None:
    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.old_la_code, settings.new_la_code, settings.la_name = place.old_la_code, place.new_la_code, \
            place.la_name
        db.session.commit()


def current_cohort(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1))


def our_file(app, cohort_id: int) -> open_data.OpenDataFile:
    """Our cohort's published figures as the cohort's open data download and the comparison write them."""
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        return summaries.open_data_file(cohort, sharing.current_figures(cohort, date.today()))


def other_council(**values) -> open_data.OpenDataFile:
    """A council's file made for these tests: 42 starts, withdrawals suppressed, a percentage; by status too."""
    total = {"status": "Total", "starts": 42, "withdrawals": None, "new_apprentices_rate": 3.5, **values}
    rows = [total, {"status": "Withdrawn", "starts": None, "withdrawals": "z", "new_apprentices_rate": "z"},
            {"status": "Active", "starts": 35, "withdrawals": "z", "new_apprentices_rate": "z"}]
    return open_data.write("southgate", "202526", "Academic year", COLUMNS, INDICATORS, rows, place=OTHER)


def england() -> tuple[str, str]:
    """A National file for England: 12,345 starts and a percentage."""
    data = ("time_period,time_identifier,geographic_level,country_code,country_name,starts,new_apprentices_rate\n"
            "202526,Academic year,National,E92000001,England,12345,2.4\n")
    meta = ("col_name,col_type,label,indicator_grouping,indicator_unit,indicator_dp,filter_hint,"
            "filter_grouping_column\n"
            "starts,Indicator,Starts,,,,,\n"
            "new_apprentices_rate,Indicator,New apprentices as a share of new employees,,%,1,,\n")
    return data, meta


def upload(client, *files: tuple[str, bytes | str], address: str = ""):
    data = {"files": [(io.BytesIO(c.encode() if isinstance(c, str) else c), name) for name, c in files],
            "address": address}
    return post_form(client, "/comparison/files/new", data, content_type="multipart/form-data")


def zipped(*files: tuple[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()


def table(soup, caption: str) -> dict[str, dict[str, str]]:
    """A table's rows by their header cell, each a dict of the figures by whose they are; "Figure"
    gives each column's whole heading (whose, and the period)."""
    found = soup.find("caption", string=caption).find_parent("table")
    headers = found.thead.find_all("th")[1:]
    names = [text_of(th.find(attrs={"data-source": True})) for th in headers]
    rows = {"Figure": dict(zip(names, (text_of(th) for th in headers), strict=True))}
    for row in found.tbody.find_all("tr"):
        rows[text_of(row.th)] = dict(zip(names, (text_of(td) for td in row.find_all("td")), strict=True))
    return rows


def pick(row: dict[str, str], *names: str) -> list[str]:
    return [row[name] for name in names]


US = "Northmoor Borough Council"
DEMO_EXAMPLES = ["Eastbrook Borough Council (example)", "Westmere Council (example)"]  # services/demo.py


def stored(app) -> int:
    """Files added besides the demo's two examples."""
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(CouncilFile)
                                 .where(CouncilFile.name.not_in(DEMO_EXAMPLES)))


def actions(app) -> list[str]:
    """What the audit log says was done to files and links, since the demo was loaded."""
    with app.app_context():
        loaded = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)).where(AuditEvent.action == "demo.loaded"))
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action.like("council_file.%") | AuditEvent.action.like("comparison_link.%"),
            AuditEvent.id > loaded).order_by(AuditEvent.id)))


def test_our_own_files_come_back_through_the_comparison_figure_for_figure(app, coordinator_client):
    set_codes(app)
    cohort = current_cohort(app)
    ours = our_file(app, cohort)
    response = upload(coordinator_client, ("northmoor.csv", ours.data), ("northmoor.meta.csv", ours.meta))
    assert response.status_code == 303
    soup = page(coordinator_client.get("/comparison"))
    assert "Added the figures for Northmoor." in text_of(soup)
    headline = table(soup, "Headline figures")
    assert list(headline["Figure"]) == [US, *DEMO_EXAMPLES[:1], "Northmoor", *DEMO_EXAMPLES[1:]]
    with app.app_context():
        published = sharing.current_figures(db.session.get(Cohort, cohort), date.today())
    assert pick(headline["Starts"], US, "Northmoor") == [str(published["intake"])] * 2 == ["21", "21"]
    # The demo cohort's withdrawals are fewer than 5: hidden in our figures, and still hidden read back.
    assert pick(headline["Withdrawals"], US, "Northmoor") == ["not shown", "not shown"]
    for name, values in list(headline.items())[1:]:
        assert values[US] == values["Northmoor"], name
    statuses = table(soup, "Starts by status now")
    assert pick(statuses["Active"], US, "Northmoor") == ["19", "19"]
    assert pick(statuses["Break in learning"], US, "Northmoor") == ["not shown", "not shown"]
    assert len(soup.find_all("caption", string=lambda s: s and s.startswith("Starts by "))) == 4
    for caption in ("Starts by service area", "Starts by apprenticeship standard", "Starts by training provider"):
        assert all(values[US] == values["Northmoor"] for values in list(table(soup, caption).values())[1:])
    assert actions(app) == ["council_file.added"]


def test_another_council_and_england_beside_ours_with_what_they_lack_not_available(app, coordinator_client):
    set_codes(app)
    theirs = other_council()
    assert upload(coordinator_client, ("southgate.zip", zipped(("data/southgate.csv", theirs.data),
                                                                ("data/southgate.meta.csv", theirs.meta)))
                  ).status_code == 303
    soup = page(coordinator_client.get("/comparison"))
    assert "England’s figures are not shown: no National file has been added" in text_of(soup)

    data, meta = england()
    assert upload(coordinator_client, ("england.csv", data), ("england.meta.csv", meta)).status_code == 303
    soup = page(coordinator_client.get("/comparison"))
    assert "England’s figures are not shown" not in text_of(soup)
    headline = table(soup, "Headline figures")
    them = ("Southgate (test)", "England")
    assert list(headline["Figure"]) == [US, *DEMO_EXAMPLES[:1], "Southgate (test)", *DEMO_EXAMPLES[1:], "England"]
    assert headline["Figure"][US].startswith("Northmoor Borough Council (Digital apprentices")
    assert pick(headline["Figure"], *them) == ["Southgate (test) Academic year 2025/26",
                                               "England Academic year 2025/26"]
    assert pick(headline["Starts"], US, *them) == ["21", "42", "12,345"]
    # Their withdrawals are suppressed (c): shown as hidden, never worked out from their statuses.
    assert pick(headline["Withdrawals"], US, *them) == ["not shown", "not shown", "not available"]
    rate = headline["New apprentices as a share of new employees"]
    assert pick(rate, US, *them) == ["not available", "3.5%", "2.4%"]
    assert pick(headline["Completion rate"], *them) == ["not available", "not available"]
    statuses = table(soup, "Starts by status now")
    assert pick(statuses["Active"], US, *them) == ["19", "35", "not available"]
    assert pick(statuses["Withdrawn"], US, *them) == ["not shown", "not shown", "not available"]
    assert pick(statuses["Completed"], *them) == ["not available", "not available"]
    # Charts: starts among councils only (England's count is in the table), and the percentage for all.
    starts_chart = soup.find(id="chart-starts-title").find_parent("svg")
    assert "England" not in text_of(starts_chart) and "Southgate (test)" in text_of(starts_chart)
    rate_chart = soup.find(id="chart-new_apprentices_rate-title").find_parent("svg")
    assert "England" in text_of(rate_chart) and "2.4%" in text_of(rate_chart)
    files = [[text_of(cell) for cell in row.find_all(["th", "td"])][:2] for row in soup.find(
        "caption", string="Files added").find_parent("table").tbody.find_all("tr")]
    assert files == [[DEMO_EXAMPLES[0], "Academic year 2025/26"], ["Southgate (test)", "Academic year 2025/26"],
                     [DEMO_EXAMPLES[1], "Academic year 2025/26"], ["England", "Academic year 2025/26"]]


def test_a_file_not_in_the_format_is_refused_with_what_is_wrong_and_nothing_is_stored(app, coordinator_client):
    data = "time_period,geographic_level,starts\n2025,Local authority,4\n"
    meta = "col_name,col_type,label\nstarts,Indicator,Starts\n"
    soup = page(upload(coordinator_client, ("bad.csv", data), ("bad.meta.csv", meta)))
    summary = [text_of(li) for li in soup.select(".govuk-error-summary__list li")]
    assert summary == open_data.problems(data, meta) and len(summary) >= 2
    assert any("missing the mandatory columns" in message for message in summary)
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#files"
    assert text_of(soup.find("title")).startswith("Error:")

    refused = {
        "must be saved as UTF-8 text": [("latin.csv", "la_name\nSaint-Étienne\n".encode("cp1252")),
                                        ("latin.meta.csv", b"col_name\n")],
        "has control characters in it": [("nul.csv", b"time_period\x00\n"), ("nul.meta.csv", b"col_name\n")],
        "Select 2 files": [("only.csv", b"time_period\n")],
        "must hold one data file (.csv) and its metadata file": [
            ("three.zip", zipped(("a.csv", "x"), ("b.csv", "y"), ("a.meta.csv", "z")))],
        "broken.zip is not a ZIP file that can be opened": [("broken.zip", b"PK\x03\x04" + b"\x00" * 40)],
        "named.zip is not a ZIP file that can be opened": [("named.zip", b"time_period\n")],
        "Select the data file and its metadata file, or a ZIP file, or enter an address": [],
    }
    for message, files in refused.items():
        soup = page(upload(coordinator_client, *files))
        assert message in text_of(soup.select_one(".govuk-error-summary")), message
    # Rows of several councils: one council a file.
    theirs, again = other_council(), open_data.write("b", "202526", "Academic year", COLUMNS, INDICATORS, [
        {"status": "Total", "starts": 5, "withdrawals": 1, "new_apprentices_rate": 1}], place=OURS)
    mixed = theirs.data + again.data.split("\r\n", 1)[1]
    soup = page(upload(coordinator_client, ("mixed.csv", mixed), ("mixed.meta.csv", theirs.meta)))
    assert "The file has rows for 2 local authorities" in text_of(soup.select_one(".govuk-error-summary"))
    assert stored(app) == 0 and actions(app) == []


def test_sizes_and_hostile_names(app, coordinator_client):
    app.config["COMPARISON_MAX_FILE_KB"] = 1
    theirs = other_council()
    big = theirs.data + "\n" * 2000
    soup = page(upload(coordinator_client, ("big.csv", big), ("big.meta.csv", theirs.meta)))
    assert "big.csv must be smaller than 1 KB" in text_of(soup.select_one(".govuk-error-summary"))
    bomb = zipped(("a.csv", "0" * 200_000), ("a.meta.csv", theirs.meta))
    assert len(bomb) < 1024
    soup = page(upload(coordinator_client, ("bomb.zip", bomb)))
    assert "a.csv in the ZIP must be smaller than 1 KB" in text_of(soup.select_one(".govuk-error-summary"))
    app.config["COMPARISON_MAX_FILE_KB"] = 900
    assert upload(coordinator_client, ("../../etc/\u202eevil\x00.csv", theirs.data),
                  ("x.meta.csv", theirs.meta)).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(CouncilFile.filename).where(CouncilFile.name == OTHER.la_name)) == \
            "evil.csv"
    assert stored(app) == 1


class _Files(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def file_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Files.files
    server.shutdown()
    _Files.files.clear()


def test_fetching_a_file_from_an_address(app, coordinator_client, file_server):
    base, files = file_server
    theirs = other_council()
    files["/data/southgate.zip"] = zipped(("southgate.csv", theirs.data), ("southgate.meta.csv", theirs.meta))
    files["/data/plain.csv"], files["/data/plain.meta.csv"] = theirs.data.encode(), theirs.meta.encode()

    def refusal(address: str) -> str:
        return text_of(page(upload(coordinator_client, address=address)).select_one(".govuk-error-summary"))

    # Production's rules: https only, and never a private or loopback address.
    assert "The address must start with https://" in refusal(f"{base}/data/southgate.zip")
    assert "must be on the internet, not a private network" in refusal("https://127.0.0.1/data/southgate.zip")
    assert "must be on the internet, not a private network" in refusal("https://10.1.2.3/x.zip")
    assert stored(app) == 0
    app.config["COMPARISON_FETCH_ALLOW_PRIVATE"] = True  # tests only: the local server
    assert "The server answered 404" in refusal(f"{base}/data/missing.zip")
    assert "Upload files or enter an address, not both" in text_of(page(upload(
        coordinator_client, ("a.csv", "x"), address=f"{base}/data/southgate.zip")))
    assert upload(coordinator_client, address=f"{base}/data/southgate.zip").status_code == 303
    assert upload(coordinator_client, address=f"{base}/data/plain.csv").status_code == 303
    with app.app_context():
        fetched = sa.select(CouncilFile.source_url).where(CouncilFile.source_url.is_not(None))
        assert set(db.session.scalars(fetched)) == {
            f"{base}/data/southgate.zip", f"{base}/data/plain.csv"}
    app.config["COMPARISON_MAX_FILE_KB"] = 1
    files["/data/big.zip"] = b"PK\x03\x04" + b"0" * 5000
    assert "must be smaller than 1 KB" in refusal(f"{base}/data/big.zip")


def test_removing_a_file_asks_first(app, coordinator_client):
    theirs = other_council()
    upload(coordinator_client, ("southgate.csv", theirs.data), ("southgate.meta.csv", theirs.meta))
    with app.app_context():
        file_id = db.session.scalar(sa.select(CouncilFile.id).where(CouncilFile.name == OTHER.la_name))
    soup = page(coordinator_client.get(f"/comparison/files/{file_id}/remove"))
    assert text_of(soup.h1) == "Remove the figures for Southgate (test) (Academic year 2025/26)?"
    assert stored(app) == 1
    response = post_form(coordinator_client, f"/comparison/files/{file_id}/remove", {}, follow_redirects=True)
    assert "Removed the figures for Southgate (test)." in text_of(page(response))
    assert stored(app) == 0 and actions(app) == ["council_file.added", "council_file.removed"]
    assert coordinator_client.get(f"/comparison/files/{file_id}/remove").status_code == 404


def test_only_coordinators_compare(signed_in):
    for role in ("mentor", "employer", "apprentice"):
        client = signed_in(role)
        for path in ("/comparison", "/comparison/files/new", "/comparison/links", "/comparison/links/new"):
            assert client.get(path).status_code == 403, (role, path)


def make_link(client, cohort: int, **changes) -> str:
    data = {"cohort": str(cohort), "label": "London councils", "expires_on": ["", "", ""], **changes}
    soup = page(post_form(client, "/comparison/links/new", data, follow_redirects=True))
    return soup.find(id="share-url")["value"].removeprefix("http://localhost")


@pytest.mark.parametrize("what", ["comparison", "summary"])
def test_a_new_share_link_is_shown_once_with_what_it_opens_and_the_way_back(app, coordinator_client, what):
    """One page shows a new link of either kind (templates/share_link_created.html)."""
    cohort = current_cohort(app)
    if what == "comparison":
        made = post_form(coordinator_client, "/comparison/links/new",
                         {"cohort": str(cohort), "label": "London councils", "expires_on": ["", "", ""]})
        back = "/comparison/links"
    else:
        made = post_form(coordinator_client, f"/cohorts/{cohort}/sharing/new",
                         {"label": "London councils", "mode": "live", "expires_on": ["", "", ""], "narrative": ""})
        back = f"/cohorts/{cohort}/sharing"
    shown = page(coordinator_client.get(made.headers["Location"]))
    url = shown.find(id="share-url")["value"]
    assert text_of(shown.find("h1")) == "Share link created"
    assert f"Anyone who has it can read the {what}." in text_of(shown)
    assert shown.find("a", string=f"Open the {what}")["href"] == url
    assert shown.find("a", string="Back to share links")["href"] == back
    again = page(coordinator_client.get(made.headers["Location"]))
    assert text_of(again.find("h1")) == "Share link for London councils" and again.find(id="share-url") is None
    assert again.find("a", string="Back to share links")["href"] == back
    listing = page(coordinator_client.get(back))
    assert text_of(listing.select_one("tbody a[href$='/revoke']")) == "Revoke the link for London councils"


def test_a_shared_comparison_is_public_identifies_nobody_and_stops_when_revoked(app, coordinator_client):
    set_codes(app)
    theirs = other_council()
    upload(coordinator_client, ("southgate.csv", theirs.data), ("southgate.meta.csv", theirs.meta))
    cohort = current_cohort(app)
    path = make_link(coordinator_client, cohort)
    assert path.startswith("/c/") and len(path) == 3 + 43
    with app.app_context():
        assert path[3:] not in str(db.session.scalar(sa.select(ComparisonLink.token_hash)))
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    soup = page(response)
    headline = table(soup, "Headline figures")
    assert pick(headline["Starts"], US, OTHER.la_name, *DEMO_EXAMPLES) == ["21", "42", "24", "31"]
    assert pick(headline["Withdrawals"], US, OTHER.la_name, *DEMO_EXAMPLES) == ["not shown", "not shown",
                                                                                 "not shown", "5"]
    body = response.get_data(as_text=True)
    with app.app_context():
        people = db.session.execute(sa.select(Apprentice.last_name, Apprentice.email)
                                    .where(Apprentice.cohort_id == cohort)).all()
    for last, email in people:
        assert last not in body and (not email or email not in body)
    # The file removed later: the link keeps what it was made with.
    with app.app_context():
        file_id = db.session.scalar(sa.select(CouncilFile.id).where(CouncilFile.name == OTHER.la_name))
    post_form(coordinator_client, f"/comparison/files/{file_id}/remove", {})
    assert "Southgate (test)" in text_of(page(anonymous.get(path)))

    listing = text_of(page(coordinator_client.get("/comparison/links")))
    assert "London councils" in listing and "Alex Morgan" in listing
    with app.app_context():
        link_id = db.session.scalar(sa.select(ComparisonLink.id))
    assert text_of(page(coordinator_client.get(f"/comparison/links/{link_id}"))).count("shown once") == 1
    post_form(coordinator_client, f"/comparison/links/{link_id}/revoke", {})
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/c/" + "x" * 43).status_code == 404
    assert actions(app) == ["council_file.added", "comparison_link.created", "council_file.removed",
                            "comparison_link.revoked"]


def test_a_link_checks_its_form_and_expires(app, coordinator_client):
    set_codes(app)
    soup = page(post_form(coordinator_client, "/comparison/links/new",
                          {"cohort": "999999", "label": "", "expires_on": ["1", "1", "2020"]}))
    assert {k: text_of(v) for k, v in {
        "cohort": soup.find(id="cohort-error"), "label": soup.find(id="label-error")}.items()} == {
        "cohort": "Error: Select a cohort", "label": "Error: Enter who the link is for"}
    path = make_link(coordinator_client, current_cohort(app))
    with app.app_context():
        db.session.execute(sa.update(ComparisonLink).values(expires_on=date(2020, 1, 1)))
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_without_the_councils_codes_our_figures_are_not_compared(app, coordinator_client):
    forget_council_codes(app)
    theirs = other_council()
    upload(coordinator_client, ("southgate.csv", theirs.data), ("southgate.meta.csv", theirs.meta))
    soup = page(coordinator_client.get("/comparison"))
    assert "Your cohort’s figures are not shown" in text_of(soup)
    assert table(soup, "Headline figures")["Starts"] == {DEMO_EXAMPLES[0]: "24", OTHER.la_name: "42",
                                                         DEMO_EXAMPLES[1]: "31"}
    response = post_form(coordinator_client, "/comparison/links/new", {
        "cohort": str(current_cohort(app)), "label": "Board", "expires_on": ["", "", ""]}, follow_redirects=True)
    assert "local authority codes" in text_of(page(response))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ComparisonLink)) == 0


def test_the_comparison_page_runs_a_fixed_number_of_statements(app, coordinator_client):
    set_codes(app)
    theirs = other_council()
    upload(coordinator_client, ("a.csv", theirs.data), ("a.meta.csv", theirs.meta))
    with sql_statements(app) as one:
        assert coordinator_client.get("/comparison").status_code == 200
    for name in ("b", "c", "d"):
        upload(coordinator_client, (f"{name}.csv", theirs.data), (f"{name}.meta.csv", theirs.meta))
    with sql_statements(app) as four:
        soup = page(coordinator_client.get("/comparison"))
    columns = soup.find("caption", string="Headline figures").find_parent("table").thead.find_all("th")[1:]
    assert len(columns) == 1 + len(DEMO_EXAMPLES) + 4
    assert len(four) == len(one)
