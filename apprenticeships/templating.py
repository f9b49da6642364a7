"""What every template can use: the organisation's name, the role's navigation, formatting."""

from __future__ import annotations

import secrets
from collections import ChainMap, OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    g,
    make_response,
    render_template,
    request,
    session,
    url_for,
)
from flask.templating import Environment
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from govuk_frontend_wtf.gov_form_base import GovFormBase
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from .ids import MAX_ID
from .models import Role
from .permissions import access_ends_on, record_is_read_only
from .text import hour_estimate, hour_figure, hours_estimate_in_words, hours_in_words, money

UK_TIME = ZoneInfo("Europe/London")


def uk_today() -> date:
    """Today's date in the UK (GMT or BST), whatever the server's own time zone."""
    return datetime.now(UK_TIME).date()


# Where the banners of a page are: a redirect carrying a message goes here (see _messages_in_view).
BANNERS_ANCHOR = "#main-content"

# The navigation for each role: only pages that role may open.
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.COORDINATOR: [("Home", "home.coordinator"), ("Cohorts", "cohorts.index"), ("Mentors", "mentors.index"),
                       ("Employers", "employers.index"), ("Placements", "placements.index"),
                       ("Verify hours", "logbook.queue"), ("Reviews", "reviews.index"),
                       ("Providers", "programme.providers"), ("Standards", "programme.standards"),
                       ("Reports", "reports.index"), ("Levy", "levy.index"),
                       ("Users", "users.index"), ("Audit log", "audit.index"), ("Compare councils", "comparison.index"),
                       ("Settings", "programme.settings")],
    Role.MENTOR: [("Home", "home.mentor"), ("Verify hours", "logbook.queue"), ("Reviews", "reviews.index")],
    Role.EMPLOYER: [("Home", "home.employer"), ("Placements", "placements.index"), ("Reviews", "reviews.index"),
                    ("Levy transfer funding", "levy.applications")],
    Role.APPRENTICE: [("Home", "home.apprentice"), ("Reviews", "reviews.index"),
                      ("Placements", "placements.opportunities")],
}


class TemplateGlobals(ChainMap):
    """A template's globals (Jinja's own overlay of the environment's), whose keys() is a set.

    Every `{% import %}` and `{% from ... import %}` asks, before it hands out the imported
    template's cached module, whether the importing template has globals the imported one lacks
    (Jinja's `Template._get_default_module`: `ctx.globals_keys - template.globals.keys()`). With a
    ChainMap's keys view that difference runs in Python, a lookup through each map for each of
    the ~20 globals: 13 µs an import, and a page runs 30 to 100 imports (GOV.UK Frontend's
    macros import others inside each call). As a set it is a set difference in C, under 1 µs.
    The answer, and so every page, is the same: our templates never carry globals of their own.
    """

    def keys(self):  # type: ignore[override]  # a snapshot rather than a view: Jinja only subtracts it
        return set().union(*self.maps)


class AppEnvironment(Environment):
    """Flask's Jinja environment, with templates' globals as `TemplateGlobals`."""

    def make_globals(self, d):
        return TemplateGlobals({} if d is None else d, self.globals)


# Form fields: each GOV.UK widget (govuk_frontend_wtf) renders a template of its own through a chain
# of GOV.UK Frontend's macros, about 1 ms a field, 7 ms for the form to log learning. What comes out
# depends on the field's params alone (its label, value, items, errors and classes; the macros use
# nothing else), and most are the same on every view (an empty form, dated today), so the markup
# is kept, per app, by the params it was made from. Params of anything but plain data (text, numbers,
# lists and dicts of them) are rendered each time.
FIELD_MARKUP_KEPT = 256  # least recently used dropped first: a few hundred KB at most


class _FieldMarkup:
    def __init__(self, size: int = FIELD_MARKUP_KEPT) -> None:
        self.items: OrderedDict[Any, Markup] = OrderedDict()
        self.size = size
        self.lock = Lock()  # threaded workers share a process


def _frozen(value: Any) -> Any:
    """A hashable copy of a widget's params, each value with its type (Markup is not text, True is
    not 1); TypeError for anything else."""
    if isinstance(value, Mapping):
        return dict, tuple((k, _frozen(v)) for k, v in value.items())  # in order: attributes render in it
    if isinstance(value, list | tuple):
        return list, tuple(_frozen(v) for v in value)
    if value is None or isinstance(value, str | int | float):
        return type(value), value
    raise TypeError(type(value).__name__)


_render_field = GovFormBase.render


def _kept(key: Any, render: Callable[[], Markup], store: str = "field_markup", size: int = FIELD_MARKUP_KEPT) -> Markup:
    kept = current_app.extensions.get(store) or current_app.extensions.setdefault(store, _FieldMarkup(size))
    with kept.lock:
        markup = kept.items.get(key)
        if markup is not None:
            kept.items.move_to_end(key)
            return markup
    markup = render()
    with kept.lock:
        kept.items[key] = markup
        while len(kept.items) > kept.size:
            kept.items.popitem(last=False)
    return markup


def _render_field_once(widget: GovFormBase, params: dict) -> Markup:
    try:
        key = (widget.template, _frozen(params))
    except TypeError:
        return _render_field(widget, params)
    return _kept(key, lambda: _render_field(widget, params))


def kept_markup(macro: Any, params: dict) -> Markup:
    """`macro(params)` for a GOV.UK Frontend component called from a template (`{{ kept_markup(
    govukDateInput, {...}) }}`), kept by its params as the form fields are: for the components on
    every page (the header, the service navigation) and the ones a page repeats. The key is the
    macro's compiled code, so two components never share an entry, and the component's markup
    must depend on its params alone, as GOV.UK Frontend's macros do."""
    try:
        key = (macro._func.__code__, _frozen(params))
    except TypeError:
        return macro(params)
    return _kept(key, lambda: macro(params))


GovFormBase.render = _render_field_once  # every GOV.UK widget renders through here

# Where kept markup holds a form's CSRF token (the header's Sign out): the token changes from one
# request to the next, so the markup is kept with this in its place, and the token put in after.
CSRF_TOKEN_SLOT = "csrf-token-slot-" + secrets.token_hex(8)


def with_csrf_token(markup: Markup) -> Markup:
    return Markup(str(markup).replace(CSRF_TOKEN_SLOT, generate_csrf()))  # the token: [A-Za-z0-9._-]


# A list's rows (the verification queue's, say), kept by everything each one shows: a few KB each.
ROW_MARKUP_KEPT = 2048  # a few MB at most: the workers stay within their memory budget (docs/benchmarks.md)


def kept_row(*key: Any, caller: Callable[[], Markup]) -> Markup:
    """The markup of `{% call kept_row(key) %}...{% endcall %}`, kept by `key`, which must hold every
    value the block shows or decides on (a record's columns, the names and files it shows, the page's
    filters that its links carry), so that a change to any of them renders it again; nothing else in
    the programme does. Its forms' CSRF token is kept as a slot and put in after (`with_csrf_token`).

    Rendering a row of the queue (its forms, buttons and hidden texts for screen readers) costs about
    0.2 ms; a page of 50 spent 10 ms on them, and after a verification all but one are the same."""

    def render() -> Markup:
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")  # flask_wtf's token, kept in g
        token = g.pop(field, None)
        setattr(g, field, CSRF_TOKEN_SLOT)
        try:
            return Markup(caller())
        finally:
            g.pop(field, None)
            if token is not None:
                setattr(g, field, token)

    return with_csrf_token(_kept(key, render, "row_markup", ROW_MARKUP_KEPT))


def navigation() -> list[dict]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint in NAVIGATION[current_user.role]:
        href = url_for(endpoint)
        current = request.path == href
        active = current or (href != "/" and request.path.startswith(href + "/"))
        items.append({"text": text, "href": href, "current": current, "active": active})
    return items


def href_for_ids(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """`url_for(endpoint, **{name: id}, **values)` for many ids (a table's rows, say): the address
    is built once, with a placeholder where the id goes, and each row's puts its id there. Building
    an address costs 10 to 20 µs; a page of 50 rows with three links each spent 2 to 3 ms on it."""
    built = url_for(endpoint, **{name: MAX_ID}, **values)
    head, _, tail = built.partition(str(MAX_ID))
    return lambda id_: f"{head}{int(id_)}{tail}"


def requested_block(blocks_by_target: Mapping[str, str]) -> str | None:
    """The block of the page that an htmx request asks for, or None for the whole page.

    Decided on `HX-Target` (the id of the element htmx will swap) naming one of the blocks
    offered, never on `HX-Request` alone: boosted links and history restores send that too.
    Whatever the answer, this request's response varies on `HX-Target`, so no cache hands a
    fragment to a request for the page or the other way round.
    """

    @after_this_request
    def vary_on_target(response: Response) -> Response:
        response.vary.add("HX-Target")
        return response

    return blocks_by_target.get(request.headers.get("HX-Target", ""))


def render_page_or_block(template: str, blocks_by_target: Mapping[str, str], *,
                         page_context: Callable[[], dict] | None = None, **context) -> Response:
    """The one block of `template` an htmx request targets (see `requested_block`), else the whole page.

    `page_context` gives what only the whole page needs (filter options, say), worked out only for it.
    """
    block = requested_block(blocks_by_target)
    if block is not None:
        return make_response(render_block(template, block, **context))
    return make_response(render_template(template, **context, **(page_context() if page_context else {})))


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style: 5 January 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    """In UK time (GMT or BST, as the clocks say): 5 January 2026 at 16:49. Times are stored in UTC."""
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UK_TIME)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def register_template_helpers(app: Flask) -> None:
    app.after_request(_messages_in_view)
    app.jinja_env.filters["govuk_date"] = format_date
    app.jinja_env.filters["money"] = money  # pence as "£1,250.50"; money(whole=True) as "£1,251"
    app.jinja_env.filters["with_article"] = with_article
    app.jinja_env.filters["govuk_datetime"] = format_datetime
    app.jinja_env.filters["hours"] = hours_in_words  # 2.5 as "2.5 hours": one way to write hours
    app.jinja_env.filters["hour_figure"] = hour_figure  # the same number, without the word
    app.jinja_env.filters["hour_estimate"] = hour_estimate  # an estimate (expected by now), to the whole hour
    app.jinja_env.filters["hours_estimate"] = hours_estimate_in_words  # the same, with the word
    app.jinja_env.filters["iso_date"] = lambda text: format_date(date.fromisoformat(text)) if text else ""
    app.jinja_env.globals["href_for_ids"] = href_for_ids
    app.jinja_env.globals["kept_markup"] = kept_markup
    app.jinja_env.globals["with_csrf_token"] = with_csrf_token
    app.jinja_env.globals["kept_row"] = kept_row
    app.jinja_env.globals["CSRF_TOKEN_SLOT"] = CSRF_TOKEN_SLOT

    @app.context_processor
    def globals_for_templates():
        return {
            "organisation_name": app.config["ORGANISATION_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "navigation": navigation,
            # True for an apprentice who has left: their pages show no forms to change anything.
            "record_is_read_only": lambda: current_user.is_authenticated and record_is_read_only(current_user),
            "access_ends_on": lambda: access_ends_on(current_user, app.config["APPRENTICE_ACCESS_AFTER_END"]),
        }


def _messages_in_view(response: Response) -> Response:
    """A redirect that carries a message (shown in a banner at the top of the next page) goes to
    the banner, not to an anchor further down where the message would be out of sight.

    A redirect's anchor is replaced by the banners' place rather than dropped: a browser keeps the
    fragment of the address it came from when a redirect names none, so after a form posted from
    /log#activity_date-day (an error summary's link) it would stay there, with the banner out of
    sight. htmx's HX-Redirect loses its anchor instead: htmx sets the address, and one differing
    from the page's only in its fragment would scroll the page rather than load it with the banner."""
    if "_flashes" not in session:
        return response
    if "Location" in response.headers and 300 <= response.status_code < 400:
        response.headers["Location"] = response.headers["Location"].split("#", 1)[0] + BANNERS_ANCHOR
    if "#" in response.headers.get("HX-Redirect", ""):
        response.headers["HX-Redirect"] = response.headers["HX-Redirect"].split("#", 1)[0]
    return response


def with_article(noun: str) -> str:
    """ "an apprentice", "a mentor", "an IT technician": by the first letter, which serves our words."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
