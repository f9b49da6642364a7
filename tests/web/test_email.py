"""Email: queued with the change that causes it, sent through real SMTP and Notify-shaped servers.

The SMTP backend talks to a real SMTP server (aiosmtpd) on this machine; the Notify backend to a
local HTTP server answering as GOV.UK Notify's API does (tests/mail_servers.py). Tasks run at
once here (HUEY_IMMEDIATE); tests/web/test_worker.py runs the real worker.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from apprenticeships import ConfigurationError, create_app
from apprenticeships.config import TestConfig
from apprenticeships.email import outbox as outboxes
from apprenticeships.email import send
from apprenticeships.email.backends import problem_kind
from apprenticeships.email.templates import PLACEHOLDER, templates
from apprenticeships.extensions import db
from apprenticeships.models import OutboxMessage, OutboxStatus, User, utcnow

from ..conftest import close_app
from ..helpers import page, post_form, sign_in, text_of
from ..mail_servers import API_KEY, SMTP_PASSWORD, SMTP_USERNAME, free_port, notify_server, smtp_server

NEW_ADDRESS = "robin.fox@example.net"
FROM = "Northmoor apprenticeships <apprenticeships@northmoor.example>"
TEMPLATE_IDS = {name: f"00000000-0000-4000-8000-{i:012d}" for i, name in enumerate(sorted(templates()))}


@pytest.fixture
def app_with(databases, demo_database, tmp_path):
    """A function making the app on its own copy of the demo programme, with these settings."""
    made = []

    def make(**settings):
        config = TestConfig(databases.copy(demo_database, tmp_path))
        config.HUEY_SQLITE_FILE = str(tmp_path / "huey.db")  # with HUEY_IMMEDIATE off: queued, no worker runs
        for name, value in settings.items():
            setattr(config, name, value)
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        close_app(app, databases)


def smtp_settings(port: int, **more) -> dict:
    return {"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False,
            "EMAIL_FROM": FROM, **more}


def messages(app) -> list[OutboxMessage]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def invite(client, email: str = NEW_ADDRESS):
    return post_form(client, "/users/invite/coordinator", {"name": "Robin Fox", "email": email, "record": ""},
                     follow_redirects=True)


def test_every_template_has_a_subject_a_body_and_lower_case_placeholders():
    assert {"invitation", "password_reset", "password_changed"} <= set(templates())
    for template in templates().values():
        assert template.subject and template.body.strip()
        assert "((" not in PLACEHOLDER.sub("", template.subject + template.body), template.name  # no odd ones
        assert "click" not in template.body.lower()  # GOV.UK style: say what the link does
    invitation = templates()["invitation"]
    assert invitation.placeholders == {"name", "role", "link", "expires", "service_name", "organisation_name"}
    rendered = invitation.render({"name": "Robin", "role": "a mentor", "link": "https://x.example/i/((name))",
                                  "expires": "9 December 2026", "service_name": "Apprenticeships",
                                  "organisation_name": "Northmoor Borough Council"})
    assert rendered.subject == "Create your account for Apprenticeships"
    assert "Dear Robin," in rendered.body and "https://x.example/i/((name))" in rendered.body  # filled once


def test_send_refuses_personalisation_that_does_not_fit_its_template(demo_db):
    with pytest.raises(ValueError, match="missing"):
        send("password_reset", "someone@example.net", {"name": "Someone"})
    with pytest.raises(ValueError, match="not in the template"):
        send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x", "colour": "red"})
    with pytest.raises(ValueError, match="no email template"):
        send("no_such_message", "someone@example.net", {})


def test_a_message_is_sent_only_if_the_change_that_caused_it_is_saved(app_with):
    with smtp_server() as (inbox, port):
        app = app_with(**smtp_settings(port))
        with app.app_context():
            send("password_reset", "rolled.back@example.net", {"name": "Nobody", "link": "https://x.example/1"})
            db.session.rollback()
            send("password_reset", "kept@example.net", {"name": "Kept", "link": "https://x.example/2"})
            assert inbox.messages == []  # not before the commit
            db.session.commit()
        [email] = inbox.wait_for(1)
    assert email["To"] == "kept@example.net" and email["From"] == FROM
    [message] = messages(app)
    assert message.recipient == "kept@example.net" and message.status == OutboxStatus.SENT
    assert message.sent_at is not None and message.attempts == 1
    # Sent: the names and the link are no longer kept; the reference holds nothing personal.
    assert message.personalisation is None
    assert re.fullmatch(r"[0-9a-f]{32}", message.reference)
    assert email["Message-ID"] == f"<{message.reference}@northmoor.example>"


def test_an_invitation_goes_by_email_through_smtp_and_its_link_works(app_with):
    with smtp_server(login=True) as (inbox, port):
        app = app_with(**smtp_settings(port, SMTP_USERNAME=SMTP_USERNAME, SMTP_PASSWORD=SMTP_PASSWORD))
        coordinator = app.test_client()
        sign_in(coordinator, "coordinator@example.org")
        shown = page(invite(coordinator)).find(id="invite-url")["value"]
        [email] = inbox.wait_for(1)
        assert inbox.logins == [SMTP_USERNAME] and inbox.recipients == [[NEW_ADDRESS]]
        assert email["To"] == NEW_ADDRESS
        assert email["Subject"] == "Create your account for Apprenticeships"
        body = email.get_content().replace("\r\n", "\n")
        assert "Dear Robin Fox," in body
        assert "Northmoor Borough Council has invited you to use Apprenticeships as a programme coordinator." in body
        assert f"\n{shown}\n" in body  # the same link the coordinator sees once
        assert re.search(r"It stops working on \d{1,2} [A-Z][a-z]+ 20\d\d\.", body)

        # A re-issued invitation goes by email too; only its link works.
        with app.app_context():
            user_id = db.session.scalar(sa.select(User.id).where(User.email == NEW_ADDRESS))
        post_form(coordinator, f"/users/{user_id}/invite", {}, page=f"/users/{user_id}")
        second = inbox.wait_for(2)[1]
    new_link = next(line for line in second.get_content().splitlines() if "/invite/" in line)
    assert new_link != shown
    person = app.test_client()
    assert person.get(shown.removeprefix("http://localhost")).status_code == 404
    assert page(person.get(new_link.removeprefix("http://localhost"))).h1.get_text(strip=True) == "Create a password"


def test_the_notify_backend_sends_what_notify_documents(app_with):
    with notify_server() as notify:
        app = app_with(EMAIL_BACKEND="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=notify.url,
                       NOTIFY_TEMPLATE_IDS=TEMPLATE_IDS)
        coordinator = app.test_client()
        sign_in(coordinator, "coordinator@example.org")
        shown = page(invite(coordinator)).find(id="invite-url")["value"]
    [request] = notify.received
    [message] = messages(app)
    assert request["email_address"] == NEW_ADDRESS
    assert request["template_id"] == TEMPLATE_IDS["invitation"]
    assert request["reference"] == message.reference  # random: nothing personal goes in it
    assert set(request["personalisation"]) == templates()["invitation"].placeholders
    assert request["personalisation"]["link"] == shown
    assert request["personalisation"]["service_name"] == "Apprenticeships"
    assert message.status == OutboxStatus.SENT and message.personalisation is None


def test_a_message_notify_refuses_is_marked_failed_and_shown_to_coordinators(app_with):
    with notify_server() as notify:
        notify.fail_with = (400, "BadRequestError",
                            f"Can't send to this recipient using a team-only API key ({NEW_ADDRESS})")
        app = app_with(EMAIL_BACKEND="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=notify.url,
                       NOTIFY_TEMPLATE_IDS=TEMPLATE_IDS)
        coordinator = app.test_client()
        sign_in(coordinator, "coordinator@example.org")
        invite(coordinator)
    [message] = messages(app)
    assert message.status == OutboxStatus.FAILED and message.attempts == 1  # a 400 is never worth a retry
    assert message.personalisation is None
    assert message.last_error == ("GOV.UK Notify answered 400: BadRequestError Can't send to this recipient "
                                  "using a team-only API key ([address])")
    users = text_of(page(coordinator.get("/users")))
    assert "1 email could not be sent" in users
    problems = page(coordinator.get("/emails/problems"))
    row = problems.find("tbody").find("tr")
    assert "Robin Fox" in text_of(row) and NEW_ADDRESS in text_of(row) and "Invitation" in text_of(row)
    # Not the address's fault: the main text does not blame it; Notify's words are for an administrator.
    assert "Not sent" in text_of(row) and "The mail service would not send it." in text_of(row)
    assert "address may be wrong" not in text_of(row)
    details = row.find("details")
    assert details.summary.get_text(strip=True) == "Technical details" and "team-only API key" in text_of(details)
    assert problems.find("a", string="Robin Fox")["href"].startswith("/users/")


def test_a_wrong_notify_key_is_tried_again_later(app_with):
    wrong_key = API_KEY[:-36] + "00000000-0000-4000-8000-000000000000"
    with notify_server() as notify:
        app = app_with(EMAIL_BACKEND="notify", NOTIFY_API_KEY=wrong_key, NOTIFY_BASE_URL=notify.url,
                       NOTIFY_TEMPLATE_IDS=TEMPLATE_IDS, EMAIL_RETRY_DELAYS=(60.0,))
        with app.app_context():
            send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x.example/r"})
            db.session.commit()
    assert notify.received == []
    [message] = messages(app)
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1
    assert message.last_error.startswith("GOV.UK Notify answered 403: AuthError")
    assert timedelta(seconds=55) < message.next_attempt_at - utcnow() <= timedelta(seconds=60)
    assert message.personalisation is not None  # kept for the next attempt


def test_retries_back_off_then_the_message_is_marked_failed(app_with):
    port = free_port()  # nothing listens there: the mail server is down
    app = app_with(**smtp_settings(port), HUEY_IMMEDIATE=False, EMAIL_RETRY_DELAYS=(60.0, 300.0))
    with app.app_context():
        message_id = send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x.example/r"}).id
        db.session.commit()  # queued for a worker, which does not run here: the test plays it, with its own clock
        start = utcnow()
        first = outboxes.deliver(message_id, now=start)
        assert (first.status, first.retry_in) == ("retry", 60.0)
        assert outboxes.deliver(message_id, now=start + timedelta(seconds=30)).status == "not due"
        assert outboxes.due(now=start + timedelta(seconds=30)) == []
        assert outboxes.due(now=start + timedelta(seconds=60)) == [message_id]
        assert outboxes.deliver(message_id, now=start + timedelta(seconds=60)).retry_in == 300.0
        assert outboxes.deliver(message_id, now=start + timedelta(seconds=360)).status == "failed"
        failed = db.session.get(OutboxMessage, message_id)
        assert (failed.status, failed.attempts, failed.personalisation) == (OutboxStatus.FAILED, 3, None)
        assert failed.last_error == "Could not reach the mail server (ConnectionRefusedError)"


def test_a_message_a_worker_holds_is_not_sent_again_until_its_claim_runs_out(app_with):
    with smtp_server() as (inbox, port):
        app = app_with(**smtp_settings(port), HUEY_IMMEDIATE=False)
        with app.app_context():
            send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x.example/r"})
            db.session.commit()
            [message_id] = outboxes.due()
            start = utcnow()
            # Another worker claimed it and (say) died while sending.
            db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.SENDING, attempts=1,
                                                               next_attempt_at=start + outboxes.CLAIM_LASTS))
            db.session.commit()
            assert outboxes.deliver(message_id, now=start).status == "not due"
            assert outboxes.due(now=start) == []
            later = start + outboxes.CLAIM_LASTS
            assert outboxes.due(now=later) == [message_id]
            assert outboxes.deliver(message_id, now=later).status == "sent"
            assert outboxes.deliver(message_id, now=later + timedelta(hours=1)).status == "not due"
        assert len(inbox.wait_for(1)) == 1
    [message] = messages(app)
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


def test_sent_and_failed_messages_are_deleted_after_30_days(app_with):
    app = app_with()
    with app.app_context():
        send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x.example/r"})
        db.session.commit()
        assert outboxes.purge(now=utcnow() + timedelta(days=29)) == 0
        assert outboxes.purge(now=utcnow() + timedelta(days=31)) == 1
    assert messages(app) == []


@pytest.mark.parametrize("settings,problem", [
    ({"EMAIL_BACKEND": "carrier-pigeon"}, "EMAIL_BACKEND must be one of log, smtp, notify"),
    ({"EMAIL_BACKEND": "smtp", "EMAIL_FROM": "a@example.net"}, "needs SMTP_HOST and EMAIL_FROM"),
    ({"EMAIL_BACKEND": "notify"}, "needs NOTIFY_API_KEY"),
    ({"EMAIL_BACKEND": "notify", "NOTIFY_API_KEY": API_KEY, "NOTIFY_TEMPLATE_IDS": {"invitation": "x"}},
     "NOTIFY_TEMPLATE_PASSWORD_CHANGED, NOTIFY_TEMPLATE_PASSWORD_RESET"),
])
def test_a_backend_without_its_settings_stops_the_app_starting(tmp_path, settings, problem):
    config = TestConfig(f"sqlite:///{tmp_path}/x.db")
    for name, value in settings.items():
        setattr(config, name, value)
    with pytest.raises(ConfigurationError, match=problem):
        create_app(config)


def test_the_mailbox_shows_what_the_log_backend_kept(app, coordinator_client):
    shown = page(invite(coordinator_client)).find(id="invite-url")["value"]
    assert "development mailbox" in text_of(page(coordinator_client.get("/users")))
    mailbox = page(coordinator_client.get("/dev/mailbox"))
    row = text_of(mailbox.find("tbody").find("tr"))
    assert "Invitation" in row and NEW_ADDRESS in row and "In this mailbox" in row  # kept here: nothing leaves the site
    soup = page(coordinator_client.get(mailbox.find("tbody").find("a")["href"]))
    assert soup.h1.get_text(strip=True) == "Create your account for Apprenticeships"
    assert "Dear Robin Fox," in text_of(soup)
    assert soup.find("a", string=shown)["href"] == shown  # ready to follow
    sign_in_page = text_of(page(app.test_client().get("/sign-in")))
    assert "This site does not send emails" in sign_in_page


def test_there_is_no_mailbox_in_production(tmp_path):
    config = TestConfig(f"sqlite:///{tmp_path}/x.db")
    config.ENV_NAME = "production"
    app = create_app(config)
    assert not any(rule.rule.startswith("/dev") for rule in app.url_map.iter_rules())
    assert "emails.problems" in app.view_functions


def problem_rows(client) -> list[tuple[str, str, str]]:
    """Each row of /emails/problems: who it was for, the problem in words, and the technical details."""
    rows = []
    for row in page(client.get("/emails/problems")).find("tbody").find_all("tr"):
        email, problem = row.find_all("td")
        details = problem.find("details").extract()
        rows.append((text_of(email), text_of(problem), text_of(details.find(class_="govuk-details__text"))))
    return rows


def test_an_unreachable_mail_server_is_not_blamed_on_the_address(app_with):
    port = free_port()  # nothing listens there: the mail server is down
    app = app_with(**smtp_settings(port), EMAIL_RETRY_DELAYS=(60.0,))
    coordinator = app.test_client()
    sign_in(coordinator, "coordinator@example.org")
    invite(coordinator)  # tried once at once, to be tried again in a minute
    [(who, problem, technical)] = problem_rows(coordinator)
    assert "Robin Fox" in who and "tried 1 time" in who
    assert problem == "Trying again We could not reach the mail server. It will be tried again automatically."
    assert technical == "Could not reach the mail server (ConnectionRefusedError)"
    with app.app_context():
        [message] = messages(app)
        outboxes.deliver(message.id, now=message.next_attempt_at)  # the last try
    [(who, problem, technical)] = problem_rows(coordinator)
    assert "tried 2 times" in who and problem == "Not sent We could not reach the mail server."


def test_a_refused_sign_in_to_the_mail_server_is_worded_as_such(app, coordinator_client):
    # The reason as the SMTP backend keeps it for an SMTPAuthenticationError.
    with app.app_context():
        db.session.add(OutboxMessage(template="password_reset", recipient="someone@example.net",
                                     status=OutboxStatus.QUEUED, attempts=1,
                                     last_error="The mail server did not accept SMTP_USERNAME and SMTP_PASSWORD (535)"))
        db.session.commit()
    [(who, problem, technical)] = problem_rows(coordinator_client)
    assert "someone@example.net" in who and "Password reset" in who
    assert problem == ("Trying again The mail server refused our sign-in: check SMTP_USERNAME and SMTP_PASSWORD. "
                       "It will be tried again automatically.")
    assert technical == "The mail server did not accept SMTP_USERNAME and SMTP_PASSWORD (535)"


def test_an_address_notify_refuses_is_worded_as_a_wrong_address(app_with):
    with notify_server() as notify:
        notify.fail_with = (400, "ValidationError", "email_address Not a valid email address")
        app = app_with(EMAIL_BACKEND="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=notify.url,
                       NOTIFY_TEMPLATE_IDS=TEMPLATE_IDS)
        coordinator = app.test_client()
        sign_in(coordinator, "coordinator@example.org")
        invite(coordinator)
    [(_, problem, technical)] = problem_rows(coordinator)
    assert problem == "Not sent The email address may be wrong, or the mailbox may not accept email."
    assert technical == "GOV.UK Notify answered 400: ValidationError email_address Not a valid email address"


def test_notify_out_of_reach_is_tried_again(app_with):
    app = app_with(EMAIL_BACKEND="notify", NOTIFY_API_KEY=API_KEY, NOTIFY_BASE_URL=f"http://127.0.0.1:{free_port()}",
                   NOTIFY_TEMPLATE_IDS=TEMPLATE_IDS, EMAIL_RETRY_DELAYS=(60.0,))
    with app.app_context():
        send("password_reset", "someone@example.net", {"name": "Someone", "link": "https://x.example/r"})
        db.session.commit()
    [message] = messages(app)
    assert message.status == OutboxStatus.QUEUED
    assert message.last_error == "Could not reach GOV.UK Notify (ConnectionError)"
    assert problem_kind(message.last_error) == "unreachable"


@pytest.mark.parametrize("reason,kind", [
    ("Could not reach the mail server (TimeoutError)", "unreachable"),
    ("The mail server refused the address (550)", "address"),
    ("The mail server did not accept SMTP_USERNAME and SMTP_PASSWORD (535)", "sign_in"),
    ("GOV.UK Notify answered 403: AuthError Invalid token: API key not found", "notify_key"),
    ("GOV.UK Notify answered 400: BadRequestError Can't send to this recipient using a team-only API key",
     "other"),
    ("The mail server answered 421", "other"),
])
def test_each_kept_reason_has_a_kind(reason, kind):
    assert problem_kind(reason) == kind


def add_problem(app, recipient: str, status: OutboxStatus, last_error: str, attempts: int = 1) -> None:
    with app.app_context():
        db.session.add(OutboxMessage(template="invitation", recipient=recipient, status=status,
                                     attempts=attempts, last_error=last_error))
        db.session.commit()


def test_the_coordinators_home_says_when_emails_could_not_be_sent(app, coordinator_client):
    home = page(coordinator_client.get("/coordinator"))
    assert "could not be sent" not in text_of(home)
    add_problem(app, "someone@example.net", OutboxStatus.FAILED, "The mail server refused the address (550)")
    add_problem(app, "another@example.net", OutboxStatus.QUEUED, "Could not reach the mail server (TimeoutError)")
    add_problem(app, "fine@example.net", OutboxStatus.QUEUED, None, attempts=0)  # waiting, no problem yet
    link = page(coordinator_client.get("/coordinator")).find("a", string="2 emails could not be sent")
    assert link["href"] == "/emails/problems"
    problems = page(coordinator_client.get(link["href"]))
    assert problems.find(class_="govuk-back-link")["href"] == "/"  # the dashboard, where the warning is
    assert "Showing 1 to 2 of 2 emails." in text_of(problems)
    # Two columns: the problem is in sight on a phone, next to whom it was for.
    assert [text_of(th) for th in problems.find("thead").find_all("th")] == ["Email", "Last problem"]


def test_a_persons_page_says_when_their_invitation_email_could_not_be_sent(app, coordinator_client):
    invite(coordinator_client)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == NEW_ADDRESS))
    sent = text_of(page(coordinator_client.get(f"/users/{user_id}")))
    assert re.search(r"Invitation email Sent \d{1,2} [A-Z][a-z]+ 20\d\d at \d\d:\d\d", sent)

    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(status=OutboxStatus.QUEUED, sent_at=None, attempts=0))
        db.session.commit()
    waiting = page(coordinator_client.get(f"/users/{user_id}"))
    assert "Invitation email Waiting to be sent" in text_of(waiting)
    assert "The invitation email has not been sent yet." in text_of(waiting)
    assert waiting.find("button", string="Issue a new invitation link")

    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(
            status=OutboxStatus.FAILED, attempts=1, last_error="The mail server refused the address (550)"))
        db.session.commit()
    failed = page(coordinator_client.get(f"/users/{user_id}"))
    assert "Invitation email Could not be sent" in text_of(failed)
    assert (f"We could not send the invitation email to {NEW_ADDRESS}. The email address may be wrong, or the "
            "mailbox may not accept email. Issue a new invitation link to send it again "
            "(check the email address first)") \
        in text_of(failed.find(class_="govuk-warning-text"))
    form = failed.find("button", string="Issue a new invitation link").find_parent("form")
    assert form["action"] == f"/users/{user_id}/invite"
    # A person who has set their password: nothing about the invitation email any more.
    assert "Invitation email" not in text_of(page(coordinator_client.get("/users/1")))
