"""What every template can use: the organisation's name, the role's navigation, formatting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, Response, after_this_request, make_response, render_template, request, session, url_for
from flask_login import current_user
from jinja2_fragments.flask import render_block

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
    Role.EMPLOYER: [("Home", "home.employer"), ("Placements", "placements.index"), ("Reviews", "reviews.index")],
    Role.APPRENTICE: [("Home", "home.apprentice"), ("Reviews", "reviews.index"),
                      ("Placements", "placements.opportunities")],
}


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
