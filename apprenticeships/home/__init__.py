"""Each role's home page, where signing in lands."""

from flask import Blueprint, url_for

from ..models import Role, User

bp = Blueprint("home", __name__)

HOME_ENDPOINTS = {
    Role.COORDINATOR: "home.coordinator",
    Role.MENTOR: "home.mentor",
    Role.EMPLOYER: "home.employer",
    Role.APPRENTICE: "home.apprentice",
}


def home_url(user: User) -> str:
    return url_for(HOME_ENDPOINTS[user.role])

from . import views  # noqa: E402,F401
