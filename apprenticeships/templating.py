"""What every template can use: the organisation's name, the role's navigation, formatting."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request, url_for
from flask_login import current_user

from .models import Role

# The navigation for each role: only pages that role may open.
NAVIGATION: dict[Role, list[tuple[str, str]]] = {
    Role.COORDINATOR: [("Home", "home.coordinator"), ("Cohorts", "cohorts.index"), ("Mentors", "mentors.index"),
                       ("Employers", "employers.index"), ("Placements", "placements.index"),
                       ("Verify hours", "logbook.queue"), ("Reviews", "reviews.index"),
                       ("Providers", "programme.providers"), ("Standards", "programme.standards"),
                       ("Users", "users.index"), ("Settings", "programme.settings")],
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


def format_date(value: date | datetime | None) -> str:
    """GOV.UK style: 5 January 2026."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y} at {value:%H:%M} UTC"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["govuk_date"] = format_date
    app.jinja_env.filters["govuk_datetime"] = format_datetime
    app.jinja_env.filters["iso_date"] = lambda text: format_date(date.fromisoformat(text)) if text else ""

    @app.context_processor
    def globals_for_templates():
        return {
            "organisation_name": app.config["ORGANISATION_NAME"],
            "service_name": app.config["SERVICE_NAME"],
            "navigation": navigation,
        }
