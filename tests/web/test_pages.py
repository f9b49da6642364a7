"""The look and the safety of every page: GOV.UK layout, headers, error pages, configuration."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
import sqlalchemy as sa
from flask import abort

from apprenticeships import ConfigurationError, create_app
from apprenticeships.config import Config, TestConfig
from apprenticeships.extensions import db
from apprenticeships.models import User
from apprenticeships.permissions import public

from ..helpers import page, post_form, text_of


def test_pages_carry_a_nonce_csp_without_unsafe_inline_or_eval(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    soup = page(response)
    scripts = soup.find_all("script")
    assert scripts and all(s.get("nonce") == nonce for s in scripts)
    assert client.get("/sign-in").headers["Content-Security-Policy"] != csp  # a new nonce each time
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_is_configured_for_the_csp_and_personal_data(client):
    soup = page(client.get("/sign-in"))
    config = soup.find("meta", attrs={"name": "htmx-config"})["content"]
    for setting in ('"allowEval":false', '"includeIndicatorStyles":false', '"historyCacheSize":0',
                    '"historyRestoreAsHxRequest":false', '"selfRequestsOnly":true'):
        assert setting in config
    assert "X-CSRFToken" in soup.body["hx-headers"]
    assert not soup.find_all(attrs={"style": True})


def test_the_header_names_the_council_with_no_crown(client):
    soup = page(client.get("/sign-in"))
    header = soup.find("header")
    assert "Northmoor Borough Council" in text_of(header)
    assert "crown" not in str(header).lower() and "GOV.UK" not in text_of(header)


def test_the_organisation_name_is_configurable(monkeypatch, tmp_path, databases, empty_database):
    monkeypatch.setenv("ORGANISATION_NAME", "Eastwick District Council")
    monkeypatch.setenv("DATABASE_URL", databases.copy(empty_database, tmp_path))
    app = create_app(Config())
    soup = page(app.test_client().get("/sign-in"))
    assert "Eastwick District Council" in text_of(soup.find("header"))
    assert soup.title.get_text().endswith("Eastwick District Council")


@pytest.mark.parametrize("path,content", [
    ("/static/vendor/htmx/htmx.min.js", "2.0.8"),
    ("/static/vendor/govuk-frontend/govuk-frontend.min.css", "arial"),
    ("/static/vendor/govuk-frontend/govuk-frontend.min.js", "initAll"),
])
def test_front_end_assets_are_served_from_our_own_origin(client, path, content):
    response = client.get(path)
    assert response.status_code == 200
    assert content in response.get_data(as_text=True)


def test_the_compiled_css_uses_arial_not_gds_transport(client):
    css = client.get("/static/vendor/govuk-frontend/govuk-frontend.min.css").get_data(as_text=True)
    assert "GDS Transport" not in css and "@font-face" not in css


def test_a_missing_page_is_a_govuk_404(client):
    soup = page(client.get("/no-such-page"), 404)
    assert soup.h1.get_text(strip=True) == "Page not found"


def test_a_forms_address_opened_as_a_page_goes_to_the_page_the_form_belongs_to(app, signed_in):
    """Back (or a reload) to a page a form answered with, at an address that only takes a POST: never
    "Page not found", but the page the form belongs to (303), the query string and all."""
    from apprenticeships.models import Apprentice, LogEntry, VerificationStatus

    from .test_permissions import POST_ONLY_ROUTES

    with app.app_context():
        amara = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Amara"))
        entry = db.session.scalar(sa.select(LogEntry.id).where(LogEntry.apprentice_id == amara,
                                                               LogEntry.status == VerificationStatus.PENDING))
    mentor = signed_in("mentor")
    goes_to = {path.format(entry=entry, review=1): mentor.get(path.format(entry=entry, review=1))
               for _, path, _ in POST_ONLY_ROUTES}
    assert {path: r.status_code for path, r in goes_to.items() if r.status_code != 303} == {}
    locations = {path: r.headers["Location"] for path, r in goes_to.items()}
    assert locations[f"/log/{entry}/verify"] == f"/verification#entry-{entry}"  # the entry in the queue
    assert locations["/reviews/1/sign"] == "/reviews/1" and locations["/placements/1/review"] == "/placements/1"
    assert locations["/notifications/done"] == "/notifications" and locations["/log"] == "/"
    # Each a page there is (which then answers as it does for this person).
    assert all(app.url_map.bind("localhost").match(loc.partition("#")[0].partition("?")[0], method="GET")
               for loc in locations.values())
    # From the queue's Verify at page 2, newest first: the same place in the queue.
    response = mentor.get(f"/log/{entry}/verify?sort=newest&page=2")
    assert response.headers["Location"] == f"/verification?sort=newest&page=2#entry-{entry}"
    assert mentor.get("/verification/verify?status=answered").headers["Location"] == "/verification?status=answered"

    # An answer sent empty without JavaScript shows its error at the form's address; opened again,
    # that address goes to the entry in the apprentice's log.
    apprentice = signed_in("apprentice")
    with app.app_context():
        mine = db.session.scalar(sa.select(LogEntry.id).join(Apprentice).join(
            User, User.apprentice_id == Apprentice.id).where(
            User.email == "apprentice@example.org", LogEntry.status == VerificationStatus.PENDING).limit(1))
    post_form(mentor, f"/log/{mine}/query", {"comment": "Which course?"})
    error = page(post_form(apprentice, f"/log/{mine}/answer", {"response": " "}, page="/apprentice"))
    assert "Enter your answer" in text_of(error.select_one(".govuk-error-summary"))
    again = apprentice.get(f"/log/{mine}/answer")
    assert again.status_code == 303 and again.headers["Location"] == f"/apprentice#entry-{mine}"
    assert page(apprentice.get(again.headers["Location"])).find(id=f"answer-{mine}") is not None  # its answer box


def test_a_method_an_address_does_not_take_is_a_405_that_says_so(client):
    response = client.put("/log/1/answer")
    soup = page(response, 405)
    assert soup.h1.get_text(strip=True) == "This page cannot be opened this way"
    assert "Page not found" not in text_of(soup)
    assert response.headers["Allow"] == "OPTIONS, POST"
    assert page(client.delete("/sign-in"), 405).h1.get_text(strip=True) == "This page cannot be opened this way"


def test_a_failure_is_a_govuk_500_that_hides_the_details(tmp_path):
    app = create_app(TestConfig(f"sqlite:///{tmp_path}/x.db"))
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @public
    def broken():
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    soup = page(response, 500)
    assert soup.h1.get_text(strip=True) == "Sorry, there is a problem with the service"
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_a_403_page_explains_and_offers_a_way_back(tmp_path):
    app = create_app(TestConfig(f"sqlite:///{tmp_path}/x.db"))
    app.add_url_rule("/forbidden", "forbidden", public(lambda: abort(403)))
    soup = page(app.test_client().get("/forbidden"), 403)
    assert soup.h1.get_text(strip=True) == "You do not have access to this page"
    assert soup.find("a", string="Go to your home page")


def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(Config())
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-value")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(Config())
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_accepts_the_postgres_scheme_hosts_give_out(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/apprenticeships")
    assert Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u:p@db.internal:5432/apprenticeships"


def test_static_files_are_addressed_by_content_and_cached_for_a_year(client):
    soup = page(client.get("/sign-in"))
    addresses = [tag["href"] for tag in soup.select("link[rel=stylesheet]")] + [
        tag["src"] for tag in soup.select("script[src]")]
    assert addresses and all("?v=" in address for address in addresses)
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200
        assert response.cache_control.max_age == 365 * 24 * 3600 and response.cache_control.immutable
    css = client.get("/static/app.css")  # no digest, or an old one: asked again each time
    assert css.status_code == 200 and not css.cache_control.max_age
    assert not client.get("/static/app.css?v=000000000000").cache_control.max_age


def test_the_module_import_carries_the_digest_too(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'from "/static/vendor/govuk-frontend/govuk-frontend.min.js?v=' in html


# Static files are sent as streams, which Flask-Compress packs with Brotli (every current browser
# asks for it) but not gzip.
@pytest.mark.parametrize("path,encoding", [
    ("/sign-in", "br"), ("/sign-in", "gzip"), ("/static/vendor/govuk-frontend/govuk-frontend.min.css", "br")])
def test_pages_and_static_files_are_compressed(client, path, encoding):
    plain = client.get(path)
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert packed.headers["Content-Encoding"] == encoding
    assert len(packed.data) < len(plain.data) / 2
    assert "Accept-Encoding" in packed.headers["Vary"]
    unpacked = (brotli.decompress if encoding == "br" else gzip.decompress)(packed.data)
    assert len(unpacked) == len(plain.data)
