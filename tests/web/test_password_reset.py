"""Forgotten passwords are reset with a one-time link sent by email; signed-in people change theirs.

The app here uses the `log` backend: each email is kept in the outbox, as the development
mailbox shows it, and read from there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import AuditEvent, OutboxMessage, PasswordReset, SignInFailure, User, utcnow
from apprenticeships.services.demo import DEMO_PASSWORD
from apprenticeships.services.sign_in import Throttle, record_failure

from ..helpers import csrf_token_from, page, post_form, sign_in, text_of
from .test_hostile_input import HOSTILE

EMAIL = "apprentice@example.org"
NEW_PASSWORD = "Tangerine-Kettle-Orbit-42"


def ask_for_link(client, email: str = EMAIL):
    return post_form(client, "/password/forgotten", {"email": email})


def emails(app, template: str, to: str = EMAIL) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.template == template, OutboxMessage.recipient == to).order_by(OutboxMessage.id)))


def reset_link(app, to: str = EMAIL) -> str:
    """The link in the newest reset email, as a path on this site."""
    return emails(app, "password_reset", to)[-1].personalisation["link"].removeprefix("http://localhost")


def audit_actions(app, action_prefix: str) -> list[tuple[str, int | None, dict]]:
    with app.app_context():
        return [(e.action, e.actor_id, e.details) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like(f"{action_prefix}%")).order_by(AuditEvent.id))]


def user_id(app, email: str = EMAIL) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


def test_the_sign_in_page_leads_to_resetting_a_forgotten_password(client):
    soup = page(client.get("/sign-in"))
    link = soup.find("a", string="Forgotten your password?")
    form = page(client.get(link["href"]))
    assert form.h1.get_text(strip=True) == "Reset your password"
    assert form.find("input", attrs={"name": "email", "autocomplete": "email"})


@pytest.mark.parametrize("email", ["nobody@example.org", "APPRENTICE@example.org"])
def test_the_answer_is_the_same_whether_or_not_the_account_exists(app, client, email):
    response = ask_for_link(client, email)
    assert response.status_code == 303 and response.headers["Location"] == "/password/check-your-email"
    soup = page(client.get("/password/check-your-email"))
    assert soup.h1.get_text(strip=True) == "Check your email"
    assert "If the address you entered has an account, we have sent a link to it." in text_of(soup)
    sent = emails(app, "password_reset")
    assert len(sent) == (1 if email.lower() == EMAIL else 0)
    if sent:
        rendered = text_of(page(app.test_client().get("/sign-in")))  # (the page does not change either)
        assert "Forgotten your password?" in rendered
        assert sent[0].personalisation["name"] == "Jordan Ellis"
        assert audit_actions(app, "user.password_reset") == [("user.password_reset_requested", None, {})]


def test_the_link_sets_a_new_password_once_and_signs_the_account_out_everywhere(app, client, signed_in):
    elsewhere = signed_in("apprentice")
    ask_for_link(client)
    link = reset_link(app)
    response = client.get(link)
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the secret in the address goes nowhere
    soup = page(response)
    assert soup.h1.get_text(strip=True) == "Choose a new password" and EMAIL in text_of(soup)

    weak = post_form(client, link, {"password": "password1234", "confirm": "password1234"})
    assert "Password is too common" in text_of(page(weak))
    different = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert "Passwords must match" in text_of(page(different))

    done = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/sign-in#main-content"  # at the banner
    assert "Your password has been reset." in text_of(page(client.get("/sign-in")))
    # Every session of the account has ended; only the new password signs in.
    assert elsewhere.get("/apprentice").status_code == 303
    assert sign_in(app.test_client(), EMAIL).status_code == 200
    assert sign_in(app.test_client(), EMAIL, NEW_PASSWORD).status_code == 303
    # The link worked once.
    again = page(client.get(link), 404)
    assert again.h1.get_text(strip=True) == "This link has been used or has expired"
    assert again.find("a", string="ask for a new link")["href"] == "/password/forgotten"
    assert [p.get_text() for p in again.select("main p")][-2:] == [
        "If you have already reset your password, sign in.", "Otherwise, ask for a new link."]
    assert again.find("a", string="sign in")["href"] == "/sign-in"
    [changed] = emails(app, "password_changed")
    assert changed.personalisation["name"] == "Jordan Ellis"
    assert [a[:2] for a in audit_actions(app, "user.password_reset")] == [
        ("user.password_reset_requested", None), ("user.password_reset", user_id(app))]


def test_a_link_stops_working_after_an_hour_or_when_another_is_asked_for(app, client):
    ask_for_link(client)
    first = reset_link(app)
    ask_for_link(client)
    second = reset_link(app)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    with app.app_context():
        reset = db.session.scalars(sa.select(PasswordReset).order_by(PasswordReset.id.desc())).first()
        assert timedelta(minutes=59) < reset.expires_at - reset.created_at <= timedelta(hours=1)
        db.session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert all(len(r.token_hash) == 64 for r in db.session.scalars(sa.select(PasswordReset)))  # hashes only
    # Replaced, run out or never made: the same page, which never says which.
    replaced, expired = text_of(page(client.get(first), 404)), text_of(page(client.get(second), 404))
    assert replaced == expired == text_of(page(client.get("/password/reset/made-up-token"), 404))
    assert "This link has been used or has expired" in expired


def test_at_most_three_links_an_hour_are_sent_to_one_account(app, client):
    for _ in range(5):
        assert ask_for_link(client).headers["Location"] == "/password/check-your-email"
    assert len(emails(app, "password_reset")) == 3


def test_nothing_is_sent_to_a_deactivated_account(app, client):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == EMAIL).values(active=False))
        db.session.commit()
    assert ask_for_link(client).headers["Location"] == "/password/check-your-email"
    assert emails(app, "password_reset") == []


def test_hostile_values_in_the_new_password_form_get_messages_not_errors(app, client):
    ask_for_link(client)
    link = reset_link(app)
    token = csrf_token_from(client.get(link).get_data(as_text=True))
    answers = set()
    for number, value in enumerate(HOSTILE):
        # Each value from its own client address: the form takes 30 tries a minute from one.
        address = {"REMOTE_ADDR": f"192.0.2.{number}"}
        for data in ({"password": [value], "confirm": [value, value]}, {"password": value}, {"confirm": value},
                     {"password": value, "confirm": value}):
            response = client.post(link, data={**data, "csrf_token": token}, environ_base=address)
            answers.add(response.status_code)
    # Messages on the form; a value strong enough to be a password (taken as typed) is saved, and
    # the link is then spent. Never an error.
    assert answers == {200, 303, 404}
    assert client.get("/password/reset/" + "x" * 5000).status_code == 404


def test_a_signed_in_person_changes_their_password(app, signed_in):
    client, elsewhere = signed_in("mentor"), signed_in("mentor")
    ask_for_link(app.test_client(), "mentor@example.org")
    link = reset_link(app, "mentor@example.org")
    footer = page(client.get("/mentor")).find("footer")
    form_page = page(client.get(footer.find("a", string="Change your password")["href"]))
    assert form_page.h1.get_text(strip=True) == "Change your password"

    def change(current: str, new: str, confirm: str | None = None):
        return post_form(client, "/account/password",
                         {"current": current, "password": new, "confirm": confirm or new})

    wrong = page(change("not-my-password", NEW_PASSWORD))
    assert "Enter your current password correctly" in text_of(wrong.find(id="current-error"))
    same = page(change(DEMO_PASSWORD, DEMO_PASSWORD))
    assert "must be different" in text_of(same.find(id="password-error"))
    done = change(DEMO_PASSWORD, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["Location"] == "/mentor#main-content"  # at the banner
    assert "Your password has been changed." in text_of(page(client.get("/mentor")))  # still signed in here
    assert elsewhere.get("/mentor").status_code == 303  # signed out there
    assert app.test_client().get(link).status_code == 404  # a reset link asked for before works no more
    assert sign_in(app.test_client(), "mentor@example.org", NEW_PASSWORD).status_code == 303
    assert len(emails(app, "password_changed", "mentor@example.org")) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure)) == 1  # the wrong guess
    assert audit_actions(app, "user.password_changed") == [
        ("user.password_changed", user_id(app, "mentor@example.org"), {})]


def test_guessing_the_current_password_is_throttled_like_signing_in(app, signed_in):
    client = signed_in("employer")
    with app.test_request_context():  # nine wrong guesses already, at sign-in (from the client's address)
        for _ in range(9):
            record_failure("employer@example.org", "127.0.0.1", Throttle(10, 50, app.config["SECRET_KEY"]))
        db.session.commit()
    tenth = post_form(client, "/account/password",
                      {"current": "guess-10", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Enter your current password correctly" in text_of(page(tenth))
    locked = post_form(client, "/account/password",
                       {"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "You have entered a wrong password too many times" in text_of(page(locked))
    assert sign_in(app.test_client(), "employer@example.org").status_code == 200  # and signing in, as for guesses
