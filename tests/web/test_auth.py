"""Signing in and out, throttling, sessions and CSRF, as a person (or an attacker) meets them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import User, UserSession, utcnow

from ..helpers import DEMO_EMAILS, ROLES, csrf_token_from, page, post_form, sign_in, sign_out, text_of

HOMES = {"coordinator": ("/coordinator", "Programme overview"), "mentor": ("/mentor", "Your mentees"),
         "employer": ("/employer", "Kestrel Logistics Ltd"), "apprentice": ("/apprentice", "Your apprenticeship")}
WRONG = "Enter a correct email address and password"


def test_the_sign_in_page_has_labelled_fields_and_shows_demo_sign_ins(client):
    soup = page(client.get("/sign-in"))
    labels = {label.get_text(strip=True): label["for"] for label in soup.find_all("label")}
    assert soup.find(id=labels["Email address"])["name"] == "email"
    assert soup.find(id=labels["Password"])["type"] == "password"
    assert soup.find("button", string=lambda s: s and s.strip() == "Sign in")
    text = text_of(soup)
    for email in DEMO_EMAILS.values():
        assert email in text
    assert "demo-password-2026" in text


def test_demo_sign_ins_are_not_shown_without_demo_data(empty_app):
    text = text_of(page(empty_app.test_client().get("/sign-in")))
    assert "demo-password-2026" not in text
    assert "Demo sign-ins" not in text


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lands_on_its_own_home_page_with_a_sign_out_button(client, role):
    response = sign_in(client, DEMO_EMAILS[role])
    assert response.status_code == 303
    assert response.headers["Location"] == HOMES[role][0]
    soup = page(client.get(HOMES[role][0]))
    assert soup.h1.get_text(strip=True) == HOMES[role][1]
    button = soup.find("button", string=lambda s: s and s.strip() == "Sign out")
    assert button.find_parent("form")["action"] == "/sign-out"
    assert button.find_parent("header") is not None


def test_signing_in_is_case_insensitive_on_the_email(client):
    assert sign_in(client, "Coordinator@Example.org").status_code == 303


@pytest.mark.parametrize("email", ["coordinator@example.org", "nobody@example.org"])
def test_a_wrong_password_gets_the_same_message_whether_or_not_the_account_exists(client, email):
    response = sign_in(client, email, "not-the-password-at-all")
    soup = page(response)
    assert WRONG in text_of(soup.find(class_="govuk-error-summary"))
    assert WRONG in text_of(soup.find(id="email-error"))
    assert soup.find(id="email")["value"] == email  # what was typed is kept


def test_empty_and_malformed_fields_get_messages_next_to_them(client):
    soup = page(post_form(client, "/sign-in", {"email": "", "password": ""}))
    assert "Enter your email address" in text_of(soup.find(id="email-error"))
    assert "Enter your password" in text_of(soup.find(id="password-error"))
    soup = page(post_form(client, "/sign-in", {"email": "not-an-email", "password": "x"}))
    assert "correct format" in text_of(soup.find(id="email-error"))


def test_ten_failures_lock_the_account_for_an_hour_even_for_the_right_password(client):
    for _ in range(10):
        sign_in(client, "mentor@example.org", "wrong-password-guess")
    response = sign_in(client, "mentor@example.org")
    assert response.status_code == 200
    assert "too many times" in text_of(page(response))
    # The same happens for an address with no account: nothing tells the two apart.
    for _ in range(10):
        sign_in(client, "ghost@example.org", "wrong-password-guess")
    assert "too many times" in text_of(page(sign_in(client, "ghost@example.org", "wrong-password-guess")))
    # Other accounts are not affected by one account's lock.
    assert sign_in(client, "coordinator@example.org").status_code == 303


def test_failures_per_address_are_limited_across_accounts(app, client):
    app.config["SIGN_IN_FAILURES_PER_ADDRESS"] = 5
    for n in range(5):
        sign_in(client, f"guess{n}@example.org", "wrong-password-guess")
    assert "too many times" in text_of(page(sign_in(client, "coordinator@example.org")))


def test_signing_out_ends_the_session_for_good(app, client):
    sign_in(client, "coordinator@example.org")
    stolen_cookie = client.get_cookie("session").value
    response = sign_out(client)
    assert response.status_code == 303 and response.headers["Location"] == "/sign-in#main-content"  # at the banner
    assert "You have signed out." in text_of(page(client.get("/sign-in")))
    assert client.get("/coordinator").status_code == 303
    # Replaying the cookie from before signing out does not bring the session back.
    client.set_cookie("session", stolen_cookie)
    response = client.get("/coordinator")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sign-in")


def test_another_site_cannot_sign_anyone_out(client):
    sign_in(client, "coordinator@example.org")
    # A link or image pointing at the sign-out address only shows a page asking to sign out...
    soup = page(client.get("/sign-out"))
    assert soup.find("h1").get_text(strip=True) == "Sign out?"
    assert soup.select_one("form button[type=submit]").get_text(strip=True) == "Sign out"
    assert client.get("/coordinator").status_code == 200
    # ...with this session's CSRF token, which another site cannot read.
    assert "Your form could not be sent" in text_of(page(client.post("/sign-out"), 400))
    assert client.get("/coordinator").status_code == 200


def _age_sessions(app, **changes):
    with app.app_context():
        db.session.execute(sa.update(UserSession).values(**changes))
        db.session.commit()


def test_a_session_idle_for_30_minutes_has_ended(app, client):
    sign_in(client, "coordinator@example.org")
    _age_sessions(app, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/coordinator").status_code == 200
    _age_sessions(app, last_seen_at=utcnow() - timedelta(minutes=31))
    assert client.get("/coordinator").status_code == 303


def test_a_session_ends_after_12_hours_however_busy(app, client):
    sign_in(client, "coordinator@example.org")
    _age_sessions(app, created_at=utcnow() - timedelta(hours=12, minutes=1))
    assert client.get("/coordinator").status_code == 303


def test_signing_in_again_starts_a_new_session(app, client):
    sign_in(client, "coordinator@example.org")
    first = client.get_cookie("session").value
    sign_out(client)
    sign_in(client, "coordinator@example.org")
    assert client.get_cookie("session").value != first
    with app.app_context():
        open_sessions = db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                                          .where(UserSession.ended_at.is_(None)))
    assert open_sessions == 1


def test_after_sign_in_people_go_where_they_were_heading_but_never_off_site(client):
    response = client.get("/users")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in?next=/users"
    response = sign_in(client, "coordinator@example.org", page="/sign-in?next=/users",
                       url="/sign-in?next=/users")
    assert response.headers["Location"] == "/users"
    sign_out(client)
    response = sign_in(client, "coordinator@example.org", url="/sign-in?next=//evil.example/")
    assert response.headers["Location"] == "/coordinator"


def test_a_deactivated_user_cannot_sign_in(app, client):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "mentor@example.org").values(active=False))
        db.session.commit()
    assert WRONG in text_of(page(sign_in(client, "mentor@example.org")))


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post("/sign-in", data={"email": "coordinator@example.org", "password": "demo-password-2026"})
    assert response.status_code == 400
    assert "Your form could not be sent" in text_of(page(response, 400))
    assert client.get("/coordinator").status_code == 303  # not signed in


def test_htmx_posts_carry_the_token_in_a_header(coordinator_client):
    html = coordinator_client.get("/users/invite/coordinator").get_data(as_text=True)
    token = csrf_token_from(html)
    data = {"name": "", "email": ""}
    refused = coordinator_client.post("/users/invite/coordinator", data=data, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = coordinator_client.post("/users/invite/coordinator", data=data,
                                       headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 200  # the form again, with its errors
    assert "Enter the person&#39;s full name" in accepted.get_data(as_text=True)


def test_htmx_requests_from_a_signed_out_browser_are_sent_to_sign_in(client):
    response = client.get("/coordinator", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/sign-in")
