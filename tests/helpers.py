"""Helpers for tests: posting forms as a browser does, and reading pages as a person does."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.serving import make_server

from apprenticeships.extensions import db
from apprenticeships.services.demo import DEMO_PASSWORD

DEMO_EMAILS = {
    "coordinator": "coordinator@example.org",
    "mentor": "mentor@example.org",
    "employer": "employer@example.org",
    "apprentice": "apprentice@example.org",
}
ROLES = tuple(DEMO_EMAILS)


def csrf_token_from(html: str) -> str:
    # The first <input name="csrf_token">, found without parsing the whole page (most tests sign in
    # through a page read for its token: parsing each took a thirtieth of the suite's time).
    for tag in re.finditer(r"<input\b[^>]*>", html):
        if re.search(r'\sname="csrf_token"', tag.group(0)):
            value = re.search(r'\svalue="([^"]*)"', tag.group(0))
            assert value, "the CSRF token's field has no value"
            return value.group(1)
    match = re.search(r'X-CSRFToken&#34;: &#34;([^&]+)&#34;', html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def post_form(client: FlaskClient, url: str, data: dict, *, page: str | None = None, **kwargs):
    """Post a form the way a browser would: open the page first and send its CSRF token. (Opening an
    address that only takes a POST lands on the page its form belongs to, errors.form_belongs_to.)"""
    html = client.get(page or url, follow_redirects=True).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)}, **kwargs)


def sign_in(client: FlaskClient, email: str, password: str = DEMO_PASSWORD, *, url: str = "/sign-in", **kwargs):
    return post_form(client, url, {"email": email, "password": password}, **kwargs)


def sign_out(client: FlaskClient, *, page: str = "/"):
    """Press the header's Sign out button: post its form, with its CSRF token, to its action."""
    soup = BeautifulSoup(client.get(page, follow_redirects=True).get_data(as_text=True), "html.parser")
    button = soup.find("button", string=lambda s: s and s.strip() == "Sign out")
    assert button is not None, "the page has no Sign out button"
    form = button.find_parent("form")
    assert form["method"] == "post"
    return client.post(form["action"], data={"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]})


def page(response, status: int = 200) -> BeautifulSoup:
    """Parse a page, checking what every page must have: one h1, a title starting with it,
    and no duplicate ids (the checks GOV.UK Notify makes on every page in its tests)."""
    assert response.status_code == status, response.status_code
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    headings = soup.find_all("h1")
    assert len(headings) == 1, f"expected one h1, found {len(headings)}"
    title = soup.title.get_text(" ", strip=True)
    heading = headings[0].get_text(" ", strip=True)
    assert title.removeprefix("Error: ").startswith(heading), f"title {title!r} does not start with {heading!r}"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), f"duplicate ids on the page: {sorted({i for i in ids if ids.count(i) > 1})}"
    return soup


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app served by a real, threaded HTTP server on a free local port; its base address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Checks for shutdown every 50 ms rather than werkzeug's 500: each browser test waited for it at its end.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def lookup(app: Flask, query):
    """One value from the database, read in its own app context."""
    with app.app_context():
        return db.session.scalar(query)


@contextmanager
def sql_statements(app: Flask, keep: Callable[[str], bool] = lambda statement: True) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (those `keep` accepts)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if keep(statement):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def forget_council_codes(app: Flask) -> None:
    """The programme settings without the council's codes (the demo has made-up ones): nothing can be
    written as open data until they are entered."""
    from apprenticeships.extensions import db
    from apprenticeships.models import ProgrammeSettings

    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.old_la_code = settings.new_la_code = settings.la_name = None
        db.session.commit()
