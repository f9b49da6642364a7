"""Whatever anyone sends, no page answers a server error and nothing impossible is saved.

Each role's pages are found by following links from their home (at most two addresses an
endpoint, so every kind of page but not every apprentice), and every form on them, POST or
GET, is sent values that hypothesis draws from hostile ones (huge numbers, 20-digit ids, NUL
and other control characters, only spaces, only zero-width spaces, formulas, markup, digits of
other scripts), the form's own values, missing fields and repeated ones. Then every row of
every table is checked for values that should never be stored.

A walk of the URL map makes sure every address that takes a POST is reached by some role's
forms, so a new form cannot escape this test.

Each role's pages are crawled once per run, on a copy of the demo programme of their own, and
the forms found there are sent to each test's own copy (with its session's CSRF token). On
PostgreSQL (scripts/test.sh runs the unit and web tests on both databases) every form is sent
the hostile values PostgreSQL stores or compares otherwise than SQLite (HOSTILE_ON_POSTGRESQL)
rather than all of them: the rest are turned away by the forms' own parsing, which is the same
on both, and the run on SQLite sends them all.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from apprenticeships.extensions import db
from apprenticeships.permissions import PERMISSION_ATTR

from ..conftest import close_app, make_app
from ..helpers import DEMO_EMAILS, ROLES, csrf_token_from, sign_in

HOSTILE = [
    "", " ", "     ", "\u200b", "\u200b\u200d\u2060", "\u00a0", "\x00", "Ada\x00Lovelace", "\x1b[31mred", "\x07",
    "a\tb", "\r\n", "line\nbreak", "99999999999", "9" * 20, "-1", "0", "-0", "1e999999", "1e200000", "NaN",
    "Infinity", "\u00b2", "\u0663", "\uff11", "1" * 300, "x" * 20_000, "<script>alert(1)</script>",
    "=HYPERLINK(\"http://example.com\")", "' OR 1=1 --", "\U0001f600", "1.5", "7", "12.25", "31", "13", "2026",
    "29", "2", "none", "yes", "no", "any", "placement",
]
# What PostgreSQL treats otherwise than SQLite: NUL characters (text cannot hold them), numbers too
# large for an integer or a bigint column (SQLite stores any), text longer than a column's length
# (only PostgreSQL enforces it), characters outside the Basic Multilingual Plane, control characters
# and nothing visible; with values every form takes, so that saving and searching are reached.
HOSTILE_ON_POSTGRESQL = [
    "", "     ", "\u200b", "\x00", "Ada\x00Lovelace", "\x1b[31mred", "99999999999", "9" * 20, "-1", "0",
    "1" * 300, "x" * 20_000, "\U0001f600", "7", "12.25", "31", "2026", "yes", "placement",
]
assert set(HOSTILE_ON_POSTGRESQL) <= set(HOSTILE)
SKIPPED_ENDPOINTS = {"auth.sign_out"}  # it would end the session the test runs in
# Offered only within an hour of verifying (never in the demo's data): its hostile input is tested in
# tests/web/test_verification_queue.py.
NOT_CRAWLED = {"logbook.undo_verification"}
MAX_EXAMPLES = 4  # examples of each form: the crawl finds well over a hundred forms


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> the values its inputs carry
    options: dict[str, list[str]] = field(default_factory=dict)  # name -> the choices a browser offers
    files: list[str] = field(default_factory=list)


def _endpoint(app, url: str) -> str | None:
    parts = urlsplit(url)
    try:
        return app.url_map.bind("localhost").match(parts.path, method="GET")[0]
    except HTTPException:
        try:
            return app.url_map.bind("localhost").match(parts.path, method="POST")[0]
        except HTTPException:
            return None


def _read_form(tag, page_url: str) -> Form:
    form = Form(method=(tag.get("method") or "get").lower(), action=urljoin(page_url, tag.get("action") or page_url))
    for element in tag.find_all(["input", "select", "textarea", "button"]):
        name = element.get("name")
        if not name or name == "csrf_token" and element.name != "input":
            continue
        kind = element.get("type", "text") if element.name == "input" else element.name
        if kind == "file":
            form.files.append(name)
        elif element.name == "select":
            values = [o.get("value", o.get_text()) for o in element.find_all("option")]
            form.options.setdefault(name, []).extend(values)
            form.fields.setdefault(name, []).append(values[0] if values else "")
        elif kind in ("checkbox", "radio"):
            form.options.setdefault(name, []).append(element.get("value", "on"))
            form.fields.setdefault(name, [])
            if element.has_attr("checked"):
                form.fields[name].append(element.get("value", "on"))
        elif element.name == "textarea":
            form.fields.setdefault(name, []).append(element.get_text())
        elif kind == "submit" or element.name == "button":
            if element.get("value"):
                form.options.setdefault(name, []).append(element["value"])
        else:
            form.fields.setdefault(name, []).append(element.get("value", ""))
    return form


def crawl(app, client, start: str, max_pages: int = 250) -> list[Form]:
    """Every form on the pages this client can reach, one of each (by action endpoint and fields).

    Links are followed from `start` (at most three addresses an endpoint), GET forms are sent as
    they stand, and then every GET address in the URL map is tried with the ids seen so far, so
    pages that no link leads to (a confirmation, a page of a record in a state) are found too.
    """
    queue, seen, per_endpoint, forms = deque([start]), set(), Counter(), {}
    ids: dict[str, set] = {}

    def visit(url: str) -> None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.path.startswith("/static"):
            return
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        endpoint = _endpoint(app, target)
        if endpoint is None or endpoint in SKIPPED_ENDPOINTS or target in seen or per_endpoint[endpoint] >= 3:
            return
        per_endpoint[endpoint] += 1
        queue.append(target)

    def drain() -> None:
        while queue and len(seen) < max_pages:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            for name, value in app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")[1].items():
                if value is not None:
                    ids.setdefault(name, set()).add(value)
            response = client.get(url)
            if response.status_code in (301, 302, 303):
                visit(response.location)
                continue
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            for tag in soup.find_all("form"):
                form = _read_form(tag, url)
                endpoint = _endpoint(app, form.action)
                if endpoint is None or endpoint in SKIPPED_ENDPOINTS or endpoint == "static":
                    continue
                forms.setdefault((form.method, endpoint, tuple(sorted(form.fields))), form)
                for name, values in form.options.items():  # a choice may name a page (a role to invite)
                    ids.setdefault(name, set()).update(v for v in values if v)
                if form.method == "get":
                    query = "&".join(f"{k}={v[0]}" for k, v in form.fields.items() if v and v[0]) or \
                        "&".join(f"{k}={v[0]}" for k, v in form.options.items() if v)
                    visit(f"{urlsplit(form.action).path}?{query}")
            for link in soup.find_all("a", href=True):
                visit(urljoin(url, link["href"]).split("#")[0])

    visit(start)
    drain()
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint not in per_endpoint and rule.endpoint != "static":
            for values in _fillings(rule, ids):
                visit(rule.build(values)[1])
    drain()
    return list(forms.values()) + _unformed_posts(app, client, forms, ids)


def _unformed_posts(app, client, forms: dict, ids: dict[str, set]) -> list[Form]:
    """POST addresses this client's role may use but whose forms only show in some states (a
    review waiting for a signature, a queried entry): sent every field name any form here has."""
    role = client.get("/", follow_redirects=True).request.path.strip("/")  # a role's home, or sign-in
    token = next((f.fields["csrf_token"] for f in forms.values() if "csrf_token" in f.fields), [""])
    names = {name for f in forms.values() for name in f.fields} - {"csrf_token"}
    reached = {endpoint for method, endpoint, _ in forms if method == "post"}
    found = []
    for rule in app.url_map.iter_rules():
        permission = getattr(app.view_functions[rule.endpoint], PERMISSION_ATTR, "")
        if "POST" not in (rule.methods or ()) or rule.endpoint in reached | SKIPPED_ENDPOINTS \
                or role not in permission.removeprefix("roles:").split(","):
            continue
        for values in _fillings(rule, ids)[:1]:
            fields = {"csrf_token": token, **{name: [""] for name in sorted(names)}}
            found.append(Form("post", rule.build(values)[1], fields))
    return found


def _fillings(rule, ids: dict[str, set]) -> list[dict]:
    """Up to three sets of values for a rule's arguments, from what the crawl has seen."""
    options = []
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)  # <any(a, b):name>
        options.append((name, sorted(items) if items else sorted(ids.get(name, ()), key=str)[:3] or [1]))
    return [{name: values[i % len(values)] for name, values in options} for i in range(3)]


def _value(form: Form, name: str, current: str) -> st.SearchStrategy[str]:
    own = [current, *form.options.get(name, [])]
    return st.one_of(st.sampled_from(own), st.sampled_from(HOSTILE), st.text(max_size=12))


@st.composite
def submissions(draw, form: Form) -> MultiDict:
    """Values for `form`: each field kept, changed, left out or repeated."""
    pairs = []
    for name, values in form.fields.items():
        if name == "csrf_token":
            pairs.append((name, values[0]))
            continue
        choice = draw(st.sampled_from(["keep", "keep", "hostile", "hostile", "missing", "repeated"]))
        if choice == "missing":
            continue
        current = values or [""]
        if choice == "keep":
            chosen = current
        elif choice == "hostile":
            chosen = [draw(_value(form, name, v)) for v in current]
        else:
            chosen = current + [draw(_value(form, name, current[0]))]
        pairs.extend((name, v) for v in chosen)
    for name in form.options:
        if name not in form.fields and draw(st.booleans()):
            pairs.append((name, draw(st.sampled_from(form.options[name]))))
    for name in form.files:
        content = draw(st.sampled_from([b"", b"\x00\xff\xfe", b"first_name,last_name\n\x00,=1+1\n", "é".encode()]))
        pairs.append((name, (io.BytesIO(content), draw(st.sampled_from(["a.csv", "a.exe", "", "\x00.csv"])))))
    return MultiDict(pairs)


def send(client, form: Form, data: MultiDict):
    if form.method == "post":
        return client.post(form.action, data=data, content_type="multipart/form-data")
    return client.get(urlsplit(form.action).path, query_string=data)


def impossible_values(app) -> list[str]:
    """Values no row should hold: control characters, blank required text, absurd dates and numbers."""
    problems = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.Date | sa.Integer)]
            for row in db.session.execute(sa.select(*columns)).all():
                for column, value in zip(columns, row, strict=True):
                    problem = _impossible(column, value)
                    if problem:
                        problems.append(f"{table.name}.{column.name}: {problem} ({value!r:.60})")
    return problems


def _impossible(column, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(column.type, sa.Enum):
        multiline = isinstance(column.type, sa.Text) or (column.type.length or 0) > 1000
        if any(unicodedata.category(c) == "Cc" and c not in ("\n\t" if multiline else "") for c in value):
            return "a control character"
        if not column.nullable and value and all(c.isspace() or unicodedata.category(c) == "Cf" for c in value):
            return "nothing visible"
    if isinstance(value, date) and not 1900 <= value.year <= 2100:
        return "a date outside 1900 to 2100"
    if isinstance(value, int) and not isinstance(value, bool) and not isinstance(column.type, sa.BigInteger) \
            and abs(value) > 2**31:
        return "a number too large for PostgreSQL's integer"
    return None


def _domain_rules(app) -> list[str]:
    with app.app_context():
        over = db.session.execute(sa.text(
            "SELECT apprentice_id, activity_date, SUM(minutes) FROM log_entries "
            "GROUP BY apprentice_id, activity_date HAVING SUM(minutes) > 720 OR MIN(minutes) <= 0")).all()
    return [f"log entries of apprentice {a} on {d}: {m} minutes" for a, d, m in over]


@pytest.fixture(scope="module")
def crawled(databases, demo_database, tmp_path_factory):
    """Each role's forms, found by crawling (see crawl) an untouched copy of the demo programme of
    their own, once for the tests of this file: `crawled(role)`, crawled when first asked for."""
    app = make_app(databases, demo_database, tmp_path_factory.mktemp("crawled"))
    found: dict[str, list[Form]] = {}

    def forms_of(role: str) -> list[Form]:
        if role not in found:
            client = app.test_client()
            if role != "anyone":
                assert sign_in(client, DEMO_EMAILS[role]).status_code == 303, f"could not sign in as {role}"
            found[role] = crawl(app, client, "/")
        return found[role]

    yield forms_of
    close_app(app, databases)


def with_token(forms: list[Form], token: str) -> list[Form]:
    """The forms as this client's pages would carry them: with its own session's CSRF token."""
    return [replace(form, fields={name: [token] if name == "csrf_token" else values
                                  for name, values in form.fields.items()}) for form in forms]


@pytest.mark.parametrize("role", (*ROLES, "anyone"))
def test_no_hostile_submission_breaks_a_page_or_saves_an_impossible_value(app, signed_in, crawled, role):
    client = app.test_client() if role == "anyone" else signed_in(role)
    token = csrf_token_from(client.get("/", follow_redirects=True).get_data(as_text=True))
    forms = with_token(crawled(role), token)
    assert len(forms) >= (1 if role == "anyone" else 3), f"found only {len(forms)} forms for {role}"
    with app.app_context():
        hostile = HOSTILE_ON_POSTGRESQL if db.engine.dialect.name == "postgresql" else HOSTILE
    failures: list[str] = []
    statuses: Counter = Counter()

    examples: Counter = Counter()

    def examples_of(number: int, form: Form):
        """Each form's examples drawn on their own: drawn for every form in one example, the choices
        ran past what hypothesis allows in one example before the last forms, so no example was
        ever whole (the last forms were never sent one) and hypothesis tried again and again."""

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(submissions(form))
        def send_example(submission):
            examples[number] += 1
            response = send(client, form, submission)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{form.method.upper()} {form.action} {list(submission.items(multi=True))!r:.300}")

        return send_example

    for form in forms:  # each hostile value in every field at once: every field's parsing meets each
        # (a form with no field but its token, a button, would be sent the same request each time: once)
        for value in hostile if set(form.fields) - {"csrf_token"} else hostile[:1]:
            data = MultiDict([(name, values[0] if name == "csrf_token" else value)
                              for name, values in form.fields.items() for _ in (values or [""])])
            response = send(client, form, data)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{form.method.upper()} {form.action} with every field {value!r:.40}")
    for number, form in enumerate(forms):
        examples_of(number, form)()
    assert sorted(examples) == list(range(len(forms))), "a form was sent no example"
    assert failures == []
    assert statuses[200] > 0, "no form answered with its errors: the submissions never reached the forms"
    assert impossible_values(app) + _domain_rules(app) == []
    if role != "anyone":
        assert client.get("/", follow_redirects=True).request.path == f"/{role}", "the session survived"


def test_every_address_that_takes_a_post_is_reached_by_some_form(app, crawled):
    reached = set()
    for role in ROLES:
        reached |= {_endpoint(app, f.action) for f in crawled(role) if f.method == "post"}
    takes_post = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    # Public forms, each with its own tests of hostile input in test_auth.py: signing in, and
    # accepting an invitation (its address holds a one-time secret no page links to); and in
    # test_password_reset.py, choosing a new password from a reset link (a secret address too); and in
    # test_two_factor.py, the second step of signing in (only after the password of an account using it),
    # and a coordinator turning it off for someone (only for an account using it: no demo account can).
    takes_post -= NOT_CRAWLED
    missing = takes_post - reached - SKIPPED_ENDPOINTS - {"auth.sign_in", "auth.accept_invite", "auth.reset_password",
                                                          "auth.two_factor_sign_in", "users.turn_off_two_factor"}
    assert not missing, sorted(missing)


BIG_ID = "9" * 20


def test_a_20_digit_id_in_any_address_is_not_found(app, signed_in):
    clients = {role: signed_in(role) for role in ROLES}
    tokens = {role: csrf_token_from(c.get("/", follow_redirects=True).get_data(as_text=True))
              for role, c in clients.items()}
    tried = 0
    for rule in app.url_map.iter_rules():
        if not any(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
            continue
        values = {name: BIG_ID if type(c).__name__ == "IdConverter" else _any_value(c)
                  for name, c in rule._converters.items()}
        path = _fill(rule.rule, values)
        for role, client in clients.items():
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                response = client.open(path, method=method, data={"csrf_token": tokens[role]})
                tried += 1
                assert response.status_code in (403, 404), f"{method} {path} as {role}: {response.status_code}"
    assert tried > 40


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule)


def _any_value(converter) -> str:
    items = getattr(converter, "items", None)  # <any(a, b):name>
    return sorted(items)[0] if items else "x"

