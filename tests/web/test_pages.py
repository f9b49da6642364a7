"""The look and the safety of every page: GOV.UK layout, headers, error pages, configuration."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest
from flask import abort

from apprenticeships import ConfigurationError, create_app
from apprenticeships.config import Config, TestConfig
from apprenticeships.permissions import public

from ..helpers import page, text_of


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
