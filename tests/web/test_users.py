"""Coordinators invite people with a one-time link, and deactivate accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, AuditEvent, EmployerPartner, Mentor, Role, User, utcnow

from ..helpers import page, post_form, sign_in, sign_out, text_of
from .test_import import cohort_name, confirm, good_rows, make_csv, upload

GOOD_PASSWORD = "Tangerine-Kettle-Orbit-42"


def invite(client, role: str = "coordinator", **fields):
    data = {"name": "Robin Fox", "email": "robin.fox@example.net", "record": ""}
    return post_form(client, f"/users/invite/{role}", {**data, **fields}, follow_redirects=True)


def invite_url(response) -> str:
    soup = page(response)
    return soup.find(id="invite-url")["value"]


def errors(response) -> dict[str, str]:
    soup = page(response)
    return {tag["id"].removesuffix("-error"): text_of(tag).removeprefix("Error: ")
            for tag in soup.select(".govuk-error-message")}


def record_id(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(model.id).where(*where).limit(1))


def test_the_users_page_lists_everyone_with_their_status(coordinator_client):
    soup = page(coordinator_client.get("/users"))
    text = text_of(soup)
    assert "Alex Morgan" in text and "Programme coordinator" in text
    assert "Deactivated" in text  # the finished cohort's apprentices
    filtered = text_of(page(coordinator_client.get("/users?role=mentor")))
    assert "Priya Shah" in filtered and "Alex Morgan" not in filtered


@pytest.mark.parametrize("fields,field,message", [
    ({"name": ""}, "name", "Enter the person's full name"),
    ({"email": ""}, "email", "Enter the person's email address"),
    ({"email": "robin@"}, "email", "Enter an email address in the correct format, like name@example.org"),
    ({"email": "Mentor@Example.org"}, "email", "Someone already has an account with this email address"),
    ({"role": "employer"}, "record", "Select the employer partner this person works for"),
    ({"role": "apprentice"}, "record", "Select the apprentice record this account is for"),
    ({"role": "apprentice", "record": "999999"}, "record", "Select the apprentice record this account is for"),
    ({"role": "mentor", "record": "not-a-number"}, "record", "Select a mentor record, or create a new one"),
])
def test_invitation_validation_messages_sit_next_to_their_fields(app, coordinator_client, fields, field, message):
    response = invite(coordinator_client, **fields)
    assert errors(response).get(field) == message
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert soup.select_one(".govuk-error-summary").find("a", href=f"#{field}")
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.email == "robin.fox@example.net")) is None


def test_inviting_starts_by_asking_the_role(coordinator_client):
    soup = page(coordinator_client.get("/users/invite"))
    assert soup.h1.get_text(strip=True) == "What will they do?"
    assert not soup.select(".govuk-error-summary")  # no error before anything is chosen
    assert text_of(soup.select_one("#role-hint")).startswith(
        "We will email them a link. You will also see the link once, to send another way if you need to.")
    soup = page(coordinator_client.get("/users/invite?answered=yes"))
    assert "Select the person's role" in text_of(soup.select_one(".govuk-error-summary"))
    response = coordinator_client.get("/users/invite?answered=yes&role=employer")
    assert response.status_code == 303 and response.headers["Location"] == "/users/invite/employer"
    assert page(coordinator_client.get("/users/invite/employer")).h1.get_text(strip=True) == \
        "Invite an employer partner"
    assert coordinator_client.get("/users/invite/superuser").status_code == 404


def test_an_apprentice_with_an_account_cannot_be_invited_twice(app, coordinator_client):
    with app.app_context():
        taken = db.session.scalar(sa.select(User.apprentice_id).where(User.email == "apprentice@example.org"))
    soup = page(coordinator_client.get("/users/invite/apprentice"))
    assert soup.select("#record option") and not soup.select(f'#record option[value="{taken}"]')
    response = invite(coordinator_client, role="apprentice", record=str(taken))
    assert "record" in errors(response)


def test_an_apprentices_name_and_email_come_from_their_record_unless_typed(app, coordinator_client):
    soup = page(coordinator_client.get("/users/invite/apprentice"))
    # The record comes first: what it holds need not be typed again.
    assert [f["id"] for f in soup.select("form select, form input[type=text], form input[type=email]")][:3] == [
        "record", "name", "email"]
    # New starters, imported with the email addresses from their enrolment: none has an account yet.
    confirm(coordinator_client, upload(coordinator_client, make_csv(good_rows(cohort_name(app)))))
    with app.app_context():
        chosen = db.session.scalar(sa.select(Apprentice).where(Apprentice.uln == "1000000001"))
        chosen_id, full_name, email = chosen.id, chosen.full_name, chosen.email
    response = invite(coordinator_client, role="apprentice", record=str(chosen_id), name="", email="")
    assert invite_url(response)  # invited: the link is shown
    with app.app_context():
        made = db.session.scalar(sa.select(User).where(User.apprentice_id == chosen_id))
        assert (made.name, made.email) == (full_name, email.lower())
    # With no record chosen, the name and email are still needed, and the record is asked for.
    missing = errors(invite(coordinator_client, role="apprentice", record="", name="", email=""))
    assert set(missing) == {"record", "name", "email"}


def test_an_invited_person_sets_a_password_once_and_signs_in(app, coordinator_client):
    employer_id = record_id(app, EmployerPartner, EmployerPartner.name == "Ironbridge Engineering")
    response = invite(coordinator_client, role="employer", record=str(employer_id))
    url = invite_url(response)
    path = url.removeprefix("http://localhost")
    shown = text_of(page(response))
    assert "This is the only time the link is shown" in shown
    # The email is queued with the invitation, not sent yet: the page does not claim it has gone.
    assert "We are sending this link by email to robin.fox@example.net." in shown and "emailed" not in shown

    newcomer = coordinator_client.application.test_client()
    soup = page(newcomer.get(path))
    assert soup.h1.get_text(strip=True) == "Create a password"
    # Weak and mismatched passwords are refused, next to the field.
    assert errors(post_form(newcomer, path, {"password": "password1234", "confirm": "password1234"}))["password"] \
        .startswith("Password is too common")
    assert errors(post_form(newcomer, path, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD + "x"}))[
        "confirm"] == "Passwords must match"
    done = post_form(newcomer, path, {"password": GOOD_PASSWORD, "confirm": GOOD_PASSWORD})
    # Signed in at once, on their home page, at the banner.
    assert done.status_code == 303 and done.headers["Location"] == "/employer#main-content"
    home = page(newcomer.get("/employer"))
    assert "Your password is saved and you are signed in." in text_of(home)
    sign_out(newcomer)
    # The link is spent: opened again, it says so and points to signing in.
    spent = page(newcomer.get(path), 404)
    assert spent.h1.get_text(strip=True) == "This link has been used or has expired"
    assert [p.get_text() for p in spent.select("main p")][-2:] == [
        "If you have already created your password, sign in.",
        "Otherwise, ask your programme coordinator for a new link."]
    assert spent.find("a", string="sign in")["href"] == "/sign-in"
    response = sign_in(newcomer, "robin.fox@example.net", GOOD_PASSWORD)
    assert response.headers["Location"] == "/employer"
    assert page(newcomer.get("/employer")).h1.get_text(strip=True) == "Ironbridge Engineering"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "robin.fox@example.net"))
        assert user.role == Role.EMPLOYER and user.employer_id == employer_id
        assert GOOD_PASSWORD not in user.password_hash


def test_inviting_a_mentor_creates_their_mentor_record(app, coordinator_client):
    invite(coordinator_client, role="mentor", record="")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "robin.fox@example.net"))
        assert user.mentor.name == "Robin Fox" and user.mentor.capacity == 4


def test_inviting_an_apprentice_links_their_record(app, coordinator_client):
    with app.app_context():
        # A new starter: every demo apprentice has an account already.
        amara = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Amara"))
        newcomer = Apprentice(first_name="Noor", last_name="Haddad", cohort_id=amara.cohort_id,
                              standard_id=amara.standard_id, provider_id=amara.provider_id,
                              service_area=amara.service_area, contracted_minutes_per_week=37 * 60,
                              start_date=amara.start_date, planned_end_date=amara.planned_end_date)
        db.session.add(newcomer)
        db.session.commit()
        apprentice_id = newcomer.id
    url = invite_url(invite(coordinator_client, role="apprentice", record=str(apprentice_id)))
    assert "/invite/" in url
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "robin.fox@example.net"))
        assert user.apprentice_id == apprentice_id and user.password_hash is None


def test_an_expired_reissued_or_unknown_link_shows_the_same_page(app, coordinator_client):
    old = invite_url(invite(coordinator_client)).removeprefix("http://localhost")
    user_id = record_id(app, User, User.email == "robin.fox@example.net")
    new = invite_url(post_form(coordinator_client, f"/users/{user_id}/invite", {}, page=f"/users/{user_id}",
                               follow_redirects=True))
    new = new.removeprefix("http://localhost")
    anonymous = app.test_client()
    replaced = text_of(page(anonymous.get(old), 404))
    assert anonymous.get(new).status_code == 200
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id)
                           .values(invite_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    expired = text_of(page(anonymous.get(new), 404))
    unknown = text_of(page(anonymous.get("/invite/made-up-token"), 404))
    # Never says which: a link that never existed looks like one used or run out.
    assert replaced == expired == unknown
    assert "This link has been used or has expired" in unknown and "Page not found" not in unknown


def test_deactivating_asks_first_then_signs_the_person_out_everywhere(app, coordinator_client, mentor_client):
    mentor_id = record_id(app, User, User.email == "mentor@example.org")
    soup = page(coordinator_client.get(f"/users/{mentor_id}/deactivate"))
    assert soup.h1.get_text(strip=True) == "Deactivate Priya Shah's account?"
    assert mentor_client.get("/mentor").status_code == 200  # asking changed nothing
    response = post_form(coordinator_client, f"/users/{mentor_id}/deactivate", {})
    assert response.status_code == 303
    assert "Priya Shah can no longer sign in." in text_of(page(coordinator_client.get(response.headers["Location"])))
    assert mentor_client.get("/mentor").status_code == 303  # their open session has ended
    assert "Enter a correct email address" in text_of(page(sign_in(app.test_client(), "mentor@example.org")))
    post_form(coordinator_client, f"/users/{mentor_id}/reactivate", {}, page=f"/users/{mentor_id}")
    assert sign_in(app.test_client(), "mentor@example.org").status_code == 303


def test_coordinators_cannot_deactivate_themselves(app, coordinator_client):
    own_id = record_id(app, User, User.email == "coordinator@example.org")
    response = coordinator_client.get(f"/users/{own_id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in text_of(page(response))


def test_unknown_users_are_a_404(coordinator_client):
    assert coordinator_client.get("/users/999999").status_code == 404
    assert coordinator_client.get("/users/999999/deactivate").status_code == 404


def test_changes_to_accounts_are_audited_without_personal_data(app, coordinator_client):
    invite(coordinator_client)
    user_id = record_id(app, User, User.email == "robin.fox@example.net")
    post_form(coordinator_client, f"/users/{user_id}/deactivate", {})
    with app.app_context():
        coordinator_id = db.session.scalar(sa.select(User.id).where(User.email == "coordinator@example.org"))
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.subject_type == "users",
                                                               AuditEvent.subject_id == user_id)
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_id) for e in events] == [("user.invited", coordinator_id),
                                                             ("user.deactivated", coordinator_id)]
        for event in events:
            assert "robin" not in str(event.details).lower()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Mentor)) == 6


def test_what_people_type_is_shown_as_text_never_as_markup(app, coordinator_client):
    invite(coordinator_client, name='<script>alert("x")</script> Fox')
    html = coordinator_client.get("/users?role=coordinator").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Fox" in html


def test_an_invitation_link_is_shown_once_after_a_redirect(app, coordinator_client):
    response = post_form(coordinator_client, "/users/invite/coordinator",
                         {"name": "Robin Fox", "email": "robin.fox@example.net", "record": ""})
    assert response.status_code == 303
    assert "/invite/" in page(coordinator_client.get(response.headers["Location"])).find(id="invite-url")["value"]
    again = page(coordinator_client.get(response.headers["Location"]))
    assert again.find(id="invite-url") is None and "The link was shown once" in text_of(again)
