"""Shareable cohort summaries: safe links, and a page and downloads that identify nobody."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, Cohort, ShareLink

from ..helpers import page, post_form, text_of
from .test_apprentices import errors

CONSENTING = {"Jordan", "Amara", "Chloe", "Megan", "Zainab", "Kwame", "Maya", "Isla", "Leah"}


def current_cohort(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1))


def make_link(client, cohort: int, **changes) -> str:
    data = {"label": "Board paper", "mode": "live", "expires_on": ["", "", ""],
            "narrative": "**Great term.** Next: more placements.", **changes}
    soup = page(post_form(client, f"/cohorts/{cohort}/sharing/new", data, follow_redirects=True))
    return soup.find(id="share-url")["value"].removeprefix("http://localhost")


def people(app, cohort: int):
    with app.app_context():
        return db.session.execute(sa.select(Apprentice.id, Apprentice.first_name, Apprentice.last_name,
                                            Apprentice.email, Apprentice.uln)
                                  .where(Apprentice.cohort_id == cohort)).all()


def test_creating_a_link_checks_the_form(app, coordinator_client):
    cohort = current_cohort(app)
    soup = page(post_form(coordinator_client, f"/cohorts/{cohort}/sharing/new", {
        "label": "", "mode": "live", "expires_on": ["1", "1", "2020"], "narrative": ""}))
    assert errors(soup) == {"label": "Enter who the link is for",
                            "expires_on": "Expiry date must be today or in the future"}
    path = make_link(coordinator_client, cohort)
    assert re.fullmatch(r"/s/[A-Za-z0-9_-]{43}", path)  # 256 random bits
    listing = text_of(page(coordinator_client.get(f"/cohorts/{cohort}/sharing")))
    assert "Board paper" in listing and "Live" in listing and "Alex Morgan" in listing
    with app.app_context():
        assert path.rsplit("/", 1)[1] not in str(db.session.scalar(sa.select(ShareLink.token_hash)))


def test_the_summary_is_public_safe_and_identifies_nobody(app, coordinator_client):
    cohort = current_cohort(app)
    path = make_link(coordinator_client, cohort, narrative="**Great term.** <script>alert(1)</script>")
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response.headers["X-Robots-Tag"]
    soup = page(response)
    text = text_of(soup)
    assert "21 apprentices started" in text
    statuses = {row.th.get_text(): row.td.get_text() for row in soup.find(
        "caption", string="Apprentices by status").find_parent("table").tbody.find_all("tr")}
    assert statuses == {"Active": "19", "Break in learning": "fewer than 5", "Withdrawn": "fewer than 5",
                        "Completed": "0"}
    assert "<strong>Great term.</strong>" in response.get_data(as_text=True)
    assert "<script>alert" not in response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    meet = text_of(soup.find("h2", string="Meet the cohort").find_next("ul"))
    for _, first, last, email, uln in people(app, cohort):
        assert not re.search(rf"\b{last}\b", body), last
        if email:
            assert email not in body
        if uln:
            assert uln not in body
        if first in CONSENTING:
            assert first in meet
        else:
            assert not re.search(rf"\b{first}\b", body), first
    # Nothing else about a person: no links to records, no ids.
    assert not soup.find("a", href=re.compile(r"/apprentices/"))


def test_the_downloads_hold_exactly_the_published_figures_and_the_licence(app, coordinator_client):
    cohort = current_cohort(app)
    path = make_link(coordinator_client, cohort)
    anonymous = app.test_client()
    rows = list(csv.reader(io.StringIO(anonymous.get(path + ".csv").get_data(as_text=True))))
    assert rows[0] == ["measure", "category", "value"]
    assert ["statuses", "Withdrawn", "fewer than 5"] in rows
    assert ["intake", "", "21"] in rows
    assert rows[-2][0] == "licence" and "Open Government Licence" in rows[-2][1]
    data = json.loads(anonymous.get(path + ".json").get_data(as_text=True))
    assert data["licence"]["name"] == "Open Government Licence v3.0"
    assert data["figures"]["intake"] == 21
    assert {c["label"]: c["value"] for c in data["figures"]["statuses"]}["Withdrawn"] is None
    dumped = json.dumps(data) + "\n".join(",".join(r) for r in rows)
    for _, first, last, email, _ in people(app, cohort):
        assert last not in dumped and first not in dumped and (not email or email not in dumped)


def test_the_csv_download_cannot_run_formulas_and_escapes_cells_like_the_cohort_csv(app, coordinator_client):
    from apprenticeships.models import ApprenticeshipStandard, TrainingProvider

    cohort = current_cohort(app)
    hostile = {"=HYPERLINK(\"http://evil.example\",\"Click\")", "+SUM(1,1)", "-2+3", "@cmd", "\tTab", "\rReturn"}
    with app.app_context():
        # The labels of published figures that a coordinator types: providers' names and standards' titles.
        ids = set(db.session.scalars(sa.select(Apprentice.provider_id).where(Apprentice.cohort_id == cohort)))
        providers = db.session.scalars(sa.select(TrainingProvider).where(TrainingProvider.id.in_(ids))
                                       .order_by(TrainingProvider.id)).all()
        standard = db.session.scalar(sa.select(ApprenticeshipStandard).join(Apprentice)
                                     .where(Apprentice.cohort_id == cohort).limit(1))
        names = sorted(hostile)
        for provider, name in zip(providers, names, strict=False):
            provider.name = name
        standard.title = names[-1]
        db.session.commit()
        used = {p.name for p in providers} | {standard.title}
    path = make_link(coordinator_client, cohort)
    body = app.test_client().get(path + ".csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(body, newline="")) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for name in used:
        assert any(c.startswith("'" + name) for c in cells), name  # shown, as plain text
    # The same cell reads the same in the cohort's own download.
    cohort_rows = list(csv.DictReader(io.StringIO(coordinator_client.get(
        f"/cohorts/{cohort}/apprentices.csv").get_data(as_text=True), newline="")))
    provider_cells = {row["Training provider"] for row in cohort_rows}
    summary_cells = {row[1] for row in csv.reader(io.StringIO(body, newline="")) if row[0] == "providers"}
    assert provider_cells == summary_cells and provider_cells >= {"'" + p for p in used - {standard.title}}


def test_revoked_expired_and_unknown_links_are_the_same_404(app, coordinator_client):
    cohort = current_cohort(app)
    path = make_link(coordinator_client, cohort)
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    with app.app_context():
        link_id = db.session.scalar(sa.select(ShareLink.id))
    assert page(coordinator_client.get(f"/cohorts/{cohort}/sharing/{link_id}/revoke")).h1.get_text().startswith(
        "Revoke the link")
    post_form(coordinator_client, f"/cohorts/{cohort}/sharing/{link_id}/revoke", {})
    revoked = anonymous.get(path)
    unknown = anonymous.get("/s/" + "x" * 43)
    assert revoked.status_code == unknown.status_code == 404
    assert text_of(page(revoked, 404)) == text_of(page(unknown, 404))  # the same page, whatever the reason
    assert anonymous.get(path + ".csv").status_code == 404
    expiring = make_link(coordinator_client, cohort, expires_on=[str(date.today().day), str(date.today().month),
                                                                 str(date.today().year)])
    assert anonymous.get(expiring).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(ShareLink).values(expires_on=date.today() - timedelta(days=1)))
        db.session.commit()
    assert anonymous.get(expiring).status_code == 404


def test_views_are_counted(app, coordinator_client):
    cohort = current_cohort(app)
    path = make_link(coordinator_client, cohort)
    for _ in range(3):
        app.test_client().get(path)
    with app.app_context():
        link = db.session.scalar(sa.select(ShareLink))
        assert link.view_count == 3 and link.last_viewed_at is not None


def _add_apprentices(app, cohort: int, count: int, prefix: str) -> None:
    with app.app_context():
        model = db.session.scalar(sa.select(Apprentice).where(Apprentice.cohort_id == cohort).limit(1))
        for n in range(count):
            db.session.add(Apprentice(first_name=f"{prefix}{n}", last_name="New", cohort_id=cohort,
                                      standard_id=model.standard_id, provider_id=model.provider_id,
                                      service_area=model.service_area, contracted_minutes_per_week=2220,
                                      start_date=model.start_date, planned_end_date=model.planned_end_date))
        db.session.commit()


def intake_on(client, path: str) -> str:
    return BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser").select_one(
        ".app-figure__number").get_text()


def test_a_live_summary_never_moves_by_less_than_the_threshold_and_a_snapshot_never_moves(app, coordinator_client):
    cohort = current_cohort(app)
    live = make_link(coordinator_client, cohort)
    snapshot = make_link(coordinator_client, cohort, mode="snapshot", label="Board paper, frozen")
    anonymous = app.test_client()
    assert intake_on(anonymous, live) == intake_on(anonymous, snapshot) == "21"
    _add_apprentices(app, cohort, 1, "Late")  # one more person: publishing 22 would reveal them
    assert intake_on(anonymous, live) == "21"
    _add_apprentices(app, cohort, 5, "Spring")  # now 27: a step of 6
    assert intake_on(anonymous, live) == "27"
    assert intake_on(anonymous, snapshot) == "21"


def test_only_coordinators_manage_links(app, signed_in):
    cohort = current_cohort(app)
    for role in ("mentor", "employer", "apprentice"):
        assert signed_in(role).get(f"/cohorts/{cohort}/sharing").status_code == 403


def test_summary_requests_are_rate_limited(app, coordinator_client):
    path = make_link(coordinator_client, current_cohort(app))
    anonymous = app.test_client()
    statuses = [anonymous.get(path + ".json").status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_an_average_is_only_published_over_more_than_seven_people(app):
    from apprenticeships.services.summaries import publish

    raw = {"intake": 7, "start_date": "2025-09-01", "statuses": {"active": 7}, "standards": {}, "service_areas": {},
           "providers": {}, "otj_hours_total": 700, "active": 7, "on_track": 7, "reviews_held": 0,
           "reviews_on_time": 0, "withdrawn": 0, "completed": 0, "placements": 0, "employers": 0}
    assert publish(raw, 5)["otj_hours_mean"] is None
    assert publish(raw | {"intake": 8, "statuses": {"active": 8}}, 5)["otj_hours_mean"] == 88


def test_a_new_link_is_shown_once_after_a_redirect_and_a_refresh_makes_no_second(app, coordinator_client):
    cohort = current_cohort(app)
    data = {"label": "Scrutiny panel", "mode": "live", "expires_on": ["", "", ""], "narrative": ""}
    response = post_form(coordinator_client, f"/cohorts/{cohort}/sharing/new", data)
    assert response.status_code == 303  # the result is a page of its own: refreshing it posts nothing
    shown = page(coordinator_client.get(response.headers["Location"]))
    assert shown.find(id="share-url")["value"].startswith("http://localhost/s/")
    again = page(coordinator_client.get(response.headers["Location"]))  # a refresh
    assert again.find(id="share-url") is None
    assert "The link was shown once" in text_of(again) and "No second link was made" in text_of(again)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ShareLink)
                                 .where(ShareLink.label == "Scrutiny panel")) == 1


def test_each_figure_not_shown_says_which_rule_hid_it_with_the_programme_threshold(app, coordinator_client):
    from apprenticeships.models import ProgrammeSettings

    cohort = current_cohort(app)
    soup = page(app.test_client().get(make_link(coordinator_client, cohort)))
    figures = [text_of(f) for f in soup.select(".app-figure")]
    # One person withdrew: the share still on the programme would let them be worked out.
    assert ("Not shown still on the programme or completed It would let a group of fewer than 5 people be worked "
            "out.") in figures
    assert "21 apprentices started" in figures
    # The same words as the apprentice's page: "Slightly behind" (under 10% short) is counted here, not "Behind".
    assert any("of those in learning on track with their hours, or less than 10% behind" in f for f in figures)
    with app.app_context():  # the earlier cohort, of 11, under the highest threshold a programme may set
        ProgrammeSettings.current().disclosure_threshold = 20
        earlier = db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date).limit(1))
        db.session.commit()
    link = make_link(coordinator_client, earlier, label="Higher threshold")
    soup = page(app.test_client().get(link))
    figures = [text_of(f) for f in soup.select(".app-figure")]
    assert "Not shown apprentices started Fewer than 20 people." in figures
    assert "Not shown hours on average per apprentice An average is only given over 20 or more people." in figures
    assert "Not shown hours of off-the-job training verified It would be about fewer than 20 people." in figures
    assert "fewer than 5" not in text_of(soup)
    # Each breakdown's hidden counts say why too.
    statuses = {row.th.get_text(): row.td.get_text() for row in soup.find(
        "caption", string="Apprentices by status").find_parent("table").tbody.find_all("tr")}
    assert statuses["Completed"] == "fewer than 20"
    assert statuses["Active"] == "0"
    rows = list(csv.reader(io.StringIO(app.test_client().get(link + ".csv").get_data(as_text=True))))
    assert ["intake", "", "not shown: fewer than 20 people"] in rows


def test_the_reasons_for_hidden_cells_and_averages():
    from apprenticeships.services.summaries import publish, why_cell_hidden, why_hidden

    raw = {"intake": 7, "start_date": "2025-09-01", "statuses": {"active": 7, "withdrawn": 0},
           "standards": {"a": 12, "b": 3, "c": 6}, "service_areas": {}, "providers": {}, "otj_hours_total": 700,
           "active": 7, "on_track": 7, "reviews_held": 0, "reviews_on_time": 0, "withdrawn": 0, "completed": 0,
           "placements": 0, "employers": 0}
    published = publish(raw, 5)
    assert why_hidden(published)["otj_hours_mean"] == "an average is only given over 8 or more people"
    assert why_hidden(published)["reviews_on_time_rate"] == "it would be about fewer than 5 people"
    assert "intake" not in why_hidden(published)  # 7 is shown
    cells = {c["label"]: why_cell_hidden(c, 5) for c in published["standards"] if c["value"] is None}
    assert cells == {"b": "fewer than 5",
                     "c": "not shown: it would let a number under 5 be worked out from the total"}
    everyone = {c["label"]: why_cell_hidden(c, 5) for c in published["statuses"]}
    assert everyone["Active"] == ("not shown: everyone is in one group, so it would tell something about each "
                                  "person")
    # A summary published before reasons were kept says only that a figure is not shown.
    assert why_hidden({k: v for k, v in published.items() if k != "hidden"}) == {}
