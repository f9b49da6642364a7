"""Signed-in pages are never stored by the browser; public files and shared summaries keep their caching."""

from __future__ import annotations

import re

import pytest

from ..helpers import ROLES, page, sign_out
from .test_permissions import SIGNED_IN_ROUTES, _demo_ids
from .test_summaries import current_cohort, make_link


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_page_is_sent_with_no_store(app, signed_in, role):
    client = signed_in(role)
    ids = _demo_ids(app)
    for _, path, _ in SIGNED_IN_ROUTES:
        response = client.get(path.format(**ids))  # pages, downloads, refusals (403) and redirects alike
        assert response.headers.get("Cache-Control") == "no-store", f"{role} GET {path}: {response.status_code}"
    assert client.get("/no-such-page").headers["Cache-Control"] == "no-store"


def test_back_after_signing_out_finds_nothing_stored_and_is_sent_to_sign_in(coordinator_client):
    assert coordinator_client.get("/coordinator").headers["Cache-Control"] == "no-store"
    sign_out(coordinator_client)
    response = coordinator_client.get("/coordinator")
    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in")


def test_public_pages_and_files_keep_their_own_caching(app, client, coordinator_client):
    sign_in_page = client.get("/sign-in")
    assert "no-store" not in sign_in_page.headers.get("Cache-Control", "")
    # Static files named by their content are cached for a year, signed in or not.
    stylesheet = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', sign_in_page.get_data(as_text=True)).group(1)
    for someone in (client, coordinator_client):
        cache = someone.get(stylesheet).headers["Cache-Control"]
        assert "max-age=31536000" in cache and "public" in cache and "no-store" not in cache
    # A shared summary, as anyone with the link reads it.
    path = make_link(coordinator_client, current_cohort(app))
    for suffix in ("", ".csv", ".json"):
        response = client.get(path + suffix)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), suffix
    # The same summary page seen by someone signed in shows their header: not stored.
    page(coordinator_client.get(path))
    assert coordinator_client.get(path).headers["Cache-Control"] == "no-store"
