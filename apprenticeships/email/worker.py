"""The background worker: sends what the outbox holds, with retries and back-off.

Why Huey: a small, dependable task queue that runs embedded, with no server to install. By
default its queue is an SQLite file (HUEY_SQLITE_FILE, in instance/), which every process on
one machine shares: the web server's processes add to it and `flask --app app worker` takes
from it. When several app servers run on several machines, set HUEY_REDIS_URL and they all
share one queue on Redis. (Huey could also keep its queue in PostgreSQL, but in tables of its
own beside the app's, outside the migrations.)

The queue only carries "send message 42 now": the outbox table is the source of truth. A
message queued while no worker runs, or whose task was lost, is sent by the sweep that runs
every minute, and a retry is both scheduled on the queue (at its time) and found by the sweep.
The outbox's claim (outbox.deliver) makes sure only one of them sends it.

Tests set HUEY_IMMEDIATE: a task then runs at once in the process that queues it.
"""

from __future__ import annotations

import logging

import click
from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from . import outbox

NAME = "apprenticeships"
log = logging.getLogger(__name__)


def task_queue(app: Flask) -> Huey:
    """The app's Huey, made on first use (so an app that never sends makes no queue file)."""
    if "huey" not in app.extensions:
        app.extensions["huey"] = _make(app)
    return app.extensions["huey"]


def _make(app: Flask) -> Huey:
    config = app.config
    if config["HUEY_IMMEDIATE"]:
        huey = MemoryHuey(NAME, immediate=True, results=False)
    elif config["HUEY_REDIS_URL"]:
        huey = RedisHuey(NAME, url=config["HUEY_REDIS_URL"], results=False)
    else:
        huey = SqliteHuey(NAME, filename=config["HUEY_SQLITE_FILE"], results=False)

    @huey.task(name="deliver")
    def deliver(message_id: int) -> None:
        with app.app_context():
            result = outbox.deliver(message_id)
        if result.retry_in is not None:
            deliver.schedule((message_id,), delay=result.retry_in)

    @huey.periodic_task(crontab(minute="*"), name="deliver_due")
    def deliver_due() -> None:
        with app.app_context():
            for message_id in outbox.due():
                deliver(message_id)

    @huey.periodic_task(crontab(hour="3", minute="17"), name="purge_outbox")
    def purge_outbox() -> None:
        with app.app_context():
            removed = outbox.purge()
        if removed:
            log.info("Deleted %s sent or failed emails older than %s days.", removed, outbox.KEPT_FOR.days)

    @huey.periodic_task(crontab(hour="7", minute="0"), name="daily_reminders")
    def daily_reminders() -> None:
        """The day's reminders, each made once, and the daily emails (services/reminders.py)."""
        from datetime import date

        from ..extensions import db
        from ..services import reminders

        with app.app_context():
            try:
                counts = reminders.run(date.today())
                db.session.commit()
            finally:
                db.session.remove()
        log.info("Daily reminders: %s", counts)

    from ..evidence.scanning import register_tasks

    register_tasks(app, huey)  # virus scanning of evidence files, when CLAMD_SOCKET is set
    huey.deliver = deliver
    huey.daily_reminders = daily_reminders
    huey.deliver_due = deliver_due
    return huey


def trigger(app: Flask, message_ids: list[int]) -> None:
    """Ask the worker to send these messages now (after their transaction committed).

    If the queue cannot be reached, nothing is lost: the minute's sweep finds them.
    """
    huey = task_queue(app)
    for message_id in message_ids:
        try:
            huey.deliver(message_id)
        except Exception:  # whatever the queue's failure: the change is saved, and the sweep sends it
            app.logger.warning("Could not queue email %s for sending now; the worker's sweep will send it.",
                               message_id, exc_info=True)
            return


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 32),
                  help="How many messages may be sent at the same time.")
    def worker(workers: int) -> None:
        """Send emails: the background worker and its scheduled jobs, until stopped (Ctrl+C)."""
        if app.config["HUEY_IMMEDIATE"]:
            raise click.ClickException("HUEY_IMMEDIATE is set: tasks run where they are queued, with no worker.")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
        huey = task_queue(app)
        where = "Redis" if app.config["HUEY_REDIS_URL"] else app.config["HUEY_SQLITE_FILE"]
        click.echo(f"Sending emails with the {app.config['EMAIL_BACKEND']} backend; queue: {where}.")
        huey.deliver_due()  # what was waiting while no worker ran goes now, not at the next minute
        consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                        initial_delay=0.1, backoff=1.15, max_delay=1.0)
        consumer.run()
