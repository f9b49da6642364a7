"""Two-factor sign-in: codes from an authenticator app, single-use recovery codes, and who must use it.

The demo accounts are exempt (everyone trying the demo shares them), so most tests first make
one of them an ordinary account, as any account a council creates is.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import AuditEvent, OutboxMessage, RecoveryCode, SignInFailure, User

from ..helpers import csrf_token_from, page, post_form, sign_in, sign_out, text_of
from .test_hostile_input import HOSTILE
from .test_password_reset import ask_for_link, reset_link

APPRENTICE = "apprentice@example.org"
COORDINATOR = "coordinator@example.org"
NEW_PASSWORD = "Tangerine-Kettle-Orbit-42"


def ordinary_account(app, email: str) -> None:
    """Make a demo account one that is not exempt from two-factor sign-in."""
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == email).values(two_factor_exempt=False))
        db.session.commit()


def signed_in_client(app, email: str):
    client = app.test_client()
    assert sign_in(client, email).status_code == 303
    return client


def location(response) -> str:
    """Where a redirect goes, without the anchor of the banners a message is shown in."""
    assert response.status_code == 303, response.status_code
    return response.headers["Location"].removesuffix("#main-content")


def turn_on(client) -> tuple[pyotp.TOTP, list[str]]:
    """Set up two-factor sign-in as a person would: read the key off the page, type the app's code."""
    start = post_form(client, "/account/two-factor/start", {}, page="/account/two-factor")
    assert start.status_code == 303 and location(start) == "/account/two-factor/set-up"
    soup = page(client.get("/account/two-factor/set-up"))
    totp = pyotp.TOTP(soup.find(id="secret").get_text().replace(" ", ""))
    done = post_form(client, "/account/two-factor/set-up", {"code": totp.now()})
    assert done.status_code == 303 and location(done) == "/account/two-factor/recovery-codes"
    codes = [c.get_text() for c in page(client.get("/account/two-factor/recovery-codes")).select("main li code")]
    return totp, codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code the app shows in 30 seconds: accepted now (a clock may be a step out), and newer than any used."""
    return totp.at(time.time() + 30)


def second_step(client, code: str):
    return post_form(client, "/sign-in/two-factor", {"code": code})


def audit_actions(app, email: str) -> list[str]:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        return list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "users", AuditEvent.subject_id == user_id,
            AuditEvent.action.like("user.%two_factor%") | AuditEvent.action.like("user.recovery%"))
            .order_by(AuditEvent.id)))


def failures(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SignInFailure))


def test_setting_up_shows_a_qr_code_and_the_key_and_is_on_only_after_a_right_code(app):
    ordinary_account(app, APPRENTICE)
    client = signed_in_client(app, APPRENTICE)
    account = page(client.get("/account/two-factor"))
    assert "Two-factor sign-in keeps your account safe" in text_of(account)
    assert page(client.get("/apprentice")).find("a", string="Two-factor sign-in")["href"] == "/account/two-factor"
    post_form(client, "/account/two-factor/start", {}, page="/account/two-factor")
    soup = page(client.get("/account/two-factor/set-up"))
    svg = soup.find("svg", attrs={"role": "img"})
    assert svg.title.get_text() == "QR code for your authenticator app" and svg.find("path")
    secret = soup.find(id="secret").get_text().replace(" ", "")
    assert len(secret) == 32

    wrong = post_form(client, "/account/two-factor/set-up", {"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                             else "111111"})
    assert "Enter the code your authenticator app shows now" in text_of(page(wrong))
    assert "Two-factor sign-in keeps your account safe" in text_of(page(client.get("/account/two-factor")))  # off

    done = post_form(client, "/account/two-factor/set-up", {"code": pyotp.TOTP(secret).now()})
    assert location(done) == "/account/two-factor/recovery-codes"
    shown = page(client.get("/account/two-factor/recovery-codes"))
    codes = [c.get_text() for c in shown.select("main li code")]
    assert len(codes) == len(set(codes)) == 10
    assert "This is the only time these codes are shown" in text_of(shown)
    again = page(client.get("/account/two-factor/recovery-codes"))  # a refresh: shown once only
    assert not again.select("main li code") and "cannot be shown again" in text_of(again)
    with app.app_context():
        stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}  # hashes only
    on = text_of(page(client.get("/account/two-factor")))
    assert "On since" in on and "10 of 10" in on
    assert audit_actions(app, APPRENTICE) == ["user.two_factor_turned_on"]


def test_signing_in_asks_for_a_code_and_signs_in_only_after_it(app):
    ordinary_account(app, APPRENTICE)
    totp, _ = turn_on(signed_in_client(app, APPRENTICE))

    client = app.test_client()
    response = sign_in(client, APPRENTICE, url="/sign-in?next=/reviews")
    assert response.status_code == 303 and location(response) == "/sign-in/two-factor"
    # Not signed in yet: no page, no form post, opens.
    for path in ("/apprentice", "/reviews", "/account/two-factor"):
        blocked = client.get(path)
        assert blocked.status_code == 303 and location(blocked).startswith("/sign-in?next=")
    token = csrf_token_from(client.get("/sign-in/two-factor").get_data(as_text=True))
    assert location(client.post("/log", data={"csrf_token": token})).startswith("/sign-in?next=")

    soup = page(client.get("/sign-in/two-factor"))
    assert soup.h1.get_text(strip=True) == "Enter the code from your authenticator app"
    wrong = second_step(client, "123456" if totp.now() != "123456" else "654321")
    assert "Enter a correct code from your authenticator app" in text_of(page(wrong))
    assert failures(app) == 1
    assert client.get("/apprentice").status_code == 303

    code = next_code(totp)
    done = second_step(client, code)
    assert done.status_code == 303 and location(done) == "/reviews"  # where they were going
    assert client.get("/apprentice").status_code == 200

    # The same code, seconds later on another device: refused, as is an older one.
    other = app.test_client()
    sign_in(other, APPRENTICE)
    assert WRONG in text_of(page(second_step(other, code)))
    assert WRONG in text_of(page(second_step(other, totp.now())))
    assert other.get("/apprentice").status_code == 303


WRONG = "Enter a correct code from your authenticator app, or a recovery code you have not used"


def test_a_recovery_code_works_once(app):
    ordinary_account(app, APPRENTICE)
    _, codes = turn_on(signed_in_client(app, APPRENTICE))

    client = app.test_client()
    sign_in(client, APPRENTICE)
    done = second_step(client, " " + codes[0].upper().replace("-", " ") + " ")  # as typed, loosely
    assert done.status_code == 303
    home = text_of(page(client.get(location(done))))
    assert "You signed in with a recovery code, which cannot be used again. You have 9 recovery codes left" in home
    assert "user.recovery_code_used" in audit_actions(app, APPRENTICE)
    sign_out(client)

    again = app.test_client()
    sign_in(again, APPRENTICE)
    assert WRONG in text_of(page(second_step(again, codes[0])))
    assert again.get("/apprentice").status_code == 303
    assert second_step(again, codes[1]).status_code == 303
    assert "8 of 10" in text_of(page(again.get("/account/two-factor")))


def test_wrong_codes_count_towards_the_sign_in_lockout(app):
    app.config["SIGN_IN_FAILURES_PER_ACCOUNT"] = 3
    ordinary_account(app, APPRENTICE)
    totp, codes = turn_on(signed_in_client(app, APPRENTICE))
    client = app.test_client()
    sign_in(client, APPRENTICE)
    for _ in range(3):
        assert WRONG in text_of(page(second_step(client, "not-a-code")))
    # Locked now: even the right code, or a recovery code, is refused for the hour.
    for code in (next_code(totp), codes[0]):
        refused = text_of(page(second_step(client, code)))
        assert "You have entered a wrong code or password too many times. Wait an hour, then try again" in refused
    assert client.get("/apprentice").status_code == 303
    # And the password step is locked too (the failures are the account's).
    assert "You have tried to sign in too many times" in text_of(page(sign_in(app.test_client(), APPRENTICE)))


def test_the_second_step_runs_out(app):
    ordinary_account(app, APPRENTICE)
    totp, _ = turn_on(signed_in_client(app, APPRENTICE))
    app.config["TWO_FACTOR_PENDING_FOR"] = timedelta(seconds=-1)
    client = app.test_client()
    assert location(sign_in(client, APPRENTICE)) == "/sign-in/two-factor"
    gone = client.get("/sign-in/two-factor")
    assert gone.status_code == 303 and location(gone) == "/sign-in"
    assert "You took too long to enter your code. Sign in again." in text_of(page(client.get("/sign-in")))
    assert client.post("/sign-in/two-factor", data={"code": next_code(totp)}).status_code in (303, 400)
    assert client.get("/apprentice").status_code == 303


def test_without_a_pending_sign_in_the_second_step_sends_you_to_sign_in(client):
    response = client.get("/sign-in/two-factor")
    assert response.status_code == 303 and location(response) == "/sign-in"


def test_coordinators_must_set_it_up_when_the_setting_says_so(app):
    app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"] = True
    ordinary_account(app, COORDINATOR)
    client = app.test_client()
    response = sign_in(client, COORDINATOR)
    assert response.status_code == 303 and location(response) == "/account/two-factor"
    soup = page(client.get("/account/two-factor"))
    assert "Programme coordinators must use two-factor sign-in. Set it up now to use the service." in text_of(soup)
    assert not soup.find("a", class_="govuk-back-link")
    # Nothing else until it is on: pages, posts and htmx requests all go to set it up.
    for path in ("/coordinator", "/users", "/account/password", "/dev/mailbox"):
        blocked = client.get(path)
        assert blocked.status_code == 303 and location(blocked) == "/account/two-factor", path
    token = csrf_token_from(soup.decode())
    assert location(client.post("/users/2/deactivate", data={"csrf_token": token})) == "/account/two-factor"
    assert client.get("/coordinator", headers={"HX-Request": "true"}).headers["HX-Redirect"] == "/account/two-factor"
    with app.app_context():
        assert db.session.scalar(sa.select(User.active).where(User.id == 2))

    totp, _ = turn_on(client)
    assert client.get("/coordinator").status_code == 200
    # Signing in again now takes a code; and they may move it to a new phone, but must set it up again.
    sign_out(client)
    sign_in(client, COORDINATOR)
    assert location(second_step(client, next_code(totp))) == "/coordinator"
    turned_off = post_form(client, "/account/two-factor/turn-off", {"password": "demo-password-2026"})
    assert location(turned_off) == "/account/two-factor"
    assert location(client.get("/coordinator")) == "/account/two-factor"


def test_the_demo_accounts_are_exempt_and_cannot_turn_it_on(app, signed_in):
    app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"] = True
    client = signed_in("coordinator")  # straight to the dashboard
    assert client.get("/coordinator").status_code == 200
    soup = page(client.get("/account/two-factor"))
    assert "This is a demo account. Everyone trying the demo shares it" in text_of(soup)
    refused = post_form(client, "/account/two-factor/start", {}, page="/account/two-factor",
                        headers={"Referer": "http://localhost/account/two-factor"})
    assert refused.status_code == 303
    assert "Two-factor sign-in cannot be turned on for a demo account" in text_of(
        page(client.get(location(refused))))
    with app.app_context():
        assert db.session.scalar(sa.select(User.totp_secret).where(User.email == COORDINATOR)) is None


def test_mentors_are_not_made_to_set_it_up(app):
    app.config["TWO_FACTOR_REQUIRED_FOR_COORDINATORS"] = True
    ordinary_account(app, "mentor@example.org")
    client = app.test_client()
    assert location(sign_in(client, "mentor@example.org")) == "/mentor"


def test_turning_it_off_takes_the_password(app):
    ordinary_account(app, APPRENTICE)
    client = signed_in_client(app, APPRENTICE)
    _, codes = turn_on(client)
    wrong = post_form(client, "/account/two-factor/turn-off", {"password": "not-my-password"})
    assert "Enter your password correctly" in text_of(page(wrong))
    assert failures(app) == 1
    done = post_form(client, "/account/two-factor/turn-off", {"password": "demo-password-2026"})
    assert location(done) == "/account/two-factor"
    assert "Two-factor sign-in is off." in text_of(page(client.get("/account/two-factor")))
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == APPRENTICE))
        assert user.totp_secret is None and user.two_factor_on_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    assert location(sign_in(app.test_client(), APPRENTICE)) == "/apprentice"  # the password alone
    assert audit_actions(app, APPRENTICE) == ["user.two_factor_turned_on", "user.two_factor_turned_off"]


def test_new_recovery_codes_replace_the_old_ones(app):
    ordinary_account(app, APPRENTICE)
    client = signed_in_client(app, APPRENTICE)
    _, old = turn_on(client)
    made = post_form(client, "/account/two-factor/recovery-codes/new", {"password": "demo-password-2026"})
    assert location(made) == "/account/two-factor/recovery-codes"
    new = [c.get_text() for c in page(client.get(location(made))).select("main li code")]
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    sign_in(other, APPRENTICE)
    assert WRONG in text_of(page(second_step(other, old[1])))
    assert second_step(other, new[1]).status_code == 303
    assert audit_actions(app, APPRENTICE) == ["user.two_factor_turned_on", "user.recovery_codes_replaced",
                                              "user.recovery_code_used"]


def test_resetting_the_password_does_not_skip_the_code(app, client):
    ordinary_account(app, APPRENTICE)
    totp, _ = turn_on(signed_in_client(app, APPRENTICE))
    ask_for_link(client)
    link = reset_link(app)
    done = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and client.get("/apprentice").status_code == 303
    response = sign_in(client, APPRENTICE, NEW_PASSWORD)
    assert location(response) == "/sign-in/two-factor"
    assert client.get("/apprentice").status_code == 303
    assert second_step(client, next_code(totp)).status_code == 303
    assert client.get("/apprentice").status_code == 200


def test_hostile_codes_are_refused_next_to_the_field(app):
    app.config.update(SIGN_IN_FAILURES_PER_ACCOUNT=1000, SIGN_IN_FAILURES_PER_ADDRESS=1000)
    ordinary_account(app, APPRENTICE)
    client = signed_in_client(app, APPRENTICE)
    post_form(client, "/account/two-factor/start", {}, page="/account/two-factor")
    token = csrf_token_from(client.get("/account/two-factor/set-up").get_data(as_text=True))
    values = HOSTILE + ["1" * 41, "１２３４５６", "123 456x", "${jndi:x}", "%00", "../../etc/passwd"]
    for value in values:
        response = client.post("/account/two-factor/set-up", data={"code": value, "csrf_token": token})
        assert response.status_code == 200 and page(response).select(".govuk-error-message"), repr(value)
    with app.app_context():
        assert db.session.scalar(sa.select(User.two_factor_on_at).where(User.email == APPRENTICE)) is None

    totp, _ = turn_on(client)
    for path in ("/account/two-factor/turn-off", "/account/two-factor/recovery-codes/new"):
        token = csrf_token_from(client.get(path).get_data(as_text=True))
        for value in values:
            response = client.post(path, data={"password": value, "csrf_token": token})
            assert response.status_code == 200 and page(response).select(".govuk-error-message"), repr(value)
    assert "10 of 10" in text_of(page(client.get("/account/two-factor")))  # still on, the same codes

    other = app.test_client()
    sign_in(other, APPRENTICE)
    token = csrf_token_from(other.get("/sign-in/two-factor").get_data(as_text=True))
    for n, value in enumerate(values):  # from many addresses, past the limit on requests from one
        response = other.post("/sign-in/two-factor", data={"code": value, "csrf_token": token},
                              environ_base={"REMOTE_ADDR": f"192.0.2.{n}"})
        assert response.status_code == 200 and page(response).select(".govuk-error-message"), repr(value)
    assert other.get("/apprentice").status_code == 303
    assert second_step(other, next_code(totp)).status_code == 303


def test_a_coordinator_turns_it_off_for_someone_who_lost_their_phone_and_codes(app, signed_in):
    ordinary_account(app, APPRENTICE)
    apprentice = signed_in_client(app, APPRENTICE)
    turn_on(apprentice)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == APPRENTICE))
    coordinator = signed_in("coordinator")
    account = page(coordinator.get(f"/users/{user_id}"))
    row = account.find("dt", string=lambda s: s and "Two-factor sign-in" in s).parent
    assert "On since" in text_of(row)
    # A confirmation first: nothing changes on the way there.
    confirm = page(coordinator.get(row.find("a")["href"]))
    assert "Turn off two-factor sign-in for" in text_of(confirm.find("h1"))
    response = post_form(coordinator, f"/users/{user_id}/two-factor/turn-off", {})
    assert location(response) == f"/users/{user_id}"
    shown = page(coordinator.get(response.headers["Location"]))
    assert "Two-factor sign-in is off for" in text_of(shown)
    assert text_of(shown.find("dt", string=lambda s: s and "Two-factor sign-in" in s).parent).endswith("Off")
    assert audit_actions(app, APPRENTICE) == ["user.two_factor_turned_on", "user.two_factor_turned_off"]
    with app.app_context():
        # They are told, whoever did it: if they did not ask for it, they act at once.
        told = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.template == "two_factor_turned_off"))
        assert told.recipient == APPRENTICE and told.personalisation["by"] == "your programme coordinator"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.user_id == user_id)) == 0
    # The password alone signs them in again.
    assert location(sign_in(app.test_client(), APPRENTICE)) == "/apprentice"


def test_an_operator_turns_it_off_from_the_command_line(app):
    ordinary_account(app, COORDINATOR)
    turn_on(signed_in_client(app, COORDINATOR))
    runner = app.test_cli_runner()
    with app.app_context():  # as `flask` gives its commands
        result = runner.invoke(args=["users", "turn-off-two-factor", "--email", "Coordinator@Example.org"])
        assert result.exit_code == 0, result.output
        assert "Two-factor sign-in is off for coordinator@example.org" in result.output
        again = runner.invoke(args=["users", "turn-off-two-factor", "--email", COORDINATOR])
        assert again.exit_code != 0 and "already off" in again.output
        nobody = runner.invoke(args=["users", "turn-off-two-factor", "--email", "nobody@example.org"])
        assert nobody.exit_code != 0 and "No one has an account" in nobody.output
    assert audit_actions(app, COORDINATOR) == ["user.two_factor_turned_on", "user.two_factor_turned_off"]
