"""The real worker: `flask --app app worker` (Huey's consumer on its SQLite queue) sends the outbox.

The worker runs as its own process, as it does beside the web server, on the test's copy of
the database, and sends through a real SMTP server on this machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from apprenticeships import create_app
from apprenticeships.config import ROOT, TestConfig
from apprenticeships.email import send
from apprenticeships.email.worker import trigger
from apprenticeships.extensions import db
from apprenticeships.models import OutboxMessage, OutboxStatus, utcnow

from ..conftest import close_app
from ..mail_servers import free_port, smtp_server

RETRY_DELAYS = "0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5"


@pytest.fixture
def setup(databases, demo_database, tmp_path) -> Iterator[dict]:
    """The settings the worker and the test's app share: the database, the queue, the mail server."""
    settings = {
        "DATABASE_URL": databases.copy(demo_database, tmp_path),
        "HUEY_SQLITE_FILE": str(tmp_path / "huey.db"),
        "EMAIL_BACKEND": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(free_port()),
        "SMTP_STARTTLS": "0",
        "EMAIL_FROM": "apprenticeships@northmoor.example",
        "EMAIL_RETRY_DELAYS": RETRY_DELAYS,
    }
    config = TestConfig(settings["DATABASE_URL"])
    config.HUEY_IMMEDIATE = False
    for name in ("HUEY_SQLITE_FILE", "EMAIL_BACKEND", "SMTP_HOST", "EMAIL_FROM"):
        setattr(config, name, settings[name])
    config.SMTP_PORT, config.SMTP_STARTTLS = int(settings["SMTP_PORT"]), False
    app = create_app(config)
    yield {"app": app, "env": settings, "port": int(settings["SMTP_PORT"]), "dir": tmp_path}
    close_app(app, databases)


@pytest.fixture
def worker(setup) -> Iterator[Callable[[], subprocess.Popen]]:
    started = []

    def start() -> subprocess.Popen:
        env = {**os.environ, **setup["env"], "APP_ENV": "development", "PYTHONUNBUFFERED": "1"}
        log = open(Path(setup["dir"]) / "worker.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        process.send_signal(signal.SIGINT)  # Huey's graceful stop
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def queue_reset(app, to: str = "jordan@example.net") -> int:
    """A change that sends an email, committed as a request commits (which asks the worker to send it)."""
    with app.app_context():
        message_id = send("password_reset", to, {"name": "Jordan Ellis", "link": "https://x.example/reset/1"}).id
        db.session.commit()
    return message_id


def message(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge_all()
        return found


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_worker_sends_what_is_queued_and_what_waited_while_it_was_stopped(setup, worker):
    app = setup["app"]
    with smtp_server(setup["port"]) as (inbox, _):
        waited = queue_reset(app, "waited@example.net")  # before any worker runs
        worker()
        wait_until(lambda: message(app, waited).status == OutboxStatus.SENT)
        queued = queue_reset(app, "queued@example.net")
        wait_until(lambda: message(app, queued).status == OutboxStatus.SENT)
        received = inbox.wait_for(2)
    assert sorted(m["To"] for m in received) == ["queued@example.net", "waited@example.net"]
    assert "https://x.example/reset/1" in received[0].get_content()
    assert message(app, queued).attempts == 1 and message(app, queued).personalisation is None


def test_a_message_is_retried_while_the_mail_server_is_down_and_sent_once_when_it_is_back(setup, worker):
    app = setup["app"]
    worker()
    message_id = queue_reset(app)
    wait_until(lambda: message(app, message_id).attempts >= 1 and message(app, message_id).last_error is not None)
    failed_once = message(app, message_id)
    assert failed_once.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING)
    assert failed_once.last_error == "Could not reach the mail server (ConnectionRefusedError)"
    with smtp_server(setup["port"]) as (inbox, _):
        # Once it is due again: its scheduled retry, and four more asks to send it at the same
        # time (two worker threads take them together): one of them sends it.
        wait_until(lambda: message(app, message_id).next_attempt_at <= utcnow())
        trigger(app, [message_id] * 4)
        wait_until(lambda: message(app, message_id).status == OutboxStatus.SENT)
        sent = message(app, message_id)
        time.sleep(1.5)  # time enough for a second sending (and the scheduled retry) to arrive
        assert len(inbox.messages) == 1
    assert inbox.recipients == [["jordan@example.net"]]
    assert sent.attempts >= 2 and sent.last_error is None
    assert message(app, message_id).attempts == sent.attempts  # nothing tried after it was sent
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
