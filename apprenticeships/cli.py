"""Our own flask commands: `flask demo load`, `flask users create`, `flask users turn-off-two-factor`
and `flask retention report|apply`."""

from __future__ import annotations

import time
from datetime import date

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from .models import Apprentice, EmployerPartner, ProgrammeSettings, Role, User
from .services import accounts, retention, scale, two_factor
from .services.demo import load_demo
from .services.errors import ServiceError
from .services.passwords import password_problem


def register_cli(app: Flask) -> None:
    demo = click.Group("demo", help="The demo programme.")
    users = click.Group("users", help="User accounts.")

    @demo.command("load")
    def demo_load() -> None:
        """Load the demo programme (does nothing if it is already loaded)."""
        if load_demo():
            click.echo("Loaded the demo programme. Demo sign-ins use the password demo-password-2026.")
        else:
            click.echo("The demo programme is already loaded; nothing changed.")

    @demo.command("scale")
    @click.option("--apprentices", default=20_000, show_default=True, type=click.IntRange(20, 200_000),
                  help="How many apprentices to add, with 1 cohort per 20, 1 mentor per 4, 50 log entries "
                       "each and a review every 12 weeks.")
    def demo_scale(apprentices: int) -> None:
        """Fill the database with data at scale (on top of the demo programme), for measuring speed."""
        started = time.monotonic()
        counts = scale.fill(apprentices)
        click.echo(", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in counts.items())
                   + f" added in {time.monotonic() - started:.0f} s.")

    @users.command("create")
    @click.option("--email", required=True, help="Their email address, used to sign in.")
    @click.option("--name", required=True, help="Their full name.")
    @click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
    @click.option("--employer-id", type=int, help="For an employer user: the employer partner's id.")
    @click.option("--apprentice-id", type=int, help="For an apprentice user: the apprentice record's id.")
    @click.password_option(help="Asked for when not given.")
    def users_create(email: str, name: str, role: str, employer_id: int | None, apprentice_id: int | None,
                     password: str) -> None:
        """Create a user who can sign in straight away."""
        role_value = Role(role)
        if accounts.email_taken(email):
            raise click.ClickException("Someone already has an account with this email address.")
        problem = password_problem(password, personal=(email, name))
        if problem:
            raise click.ClickException(problem + ".")
        links = {}
        if role_value == Role.EMPLOYER:
            links["employer"] = _required(EmployerPartner, employer_id, "--employer-id")
        if role_value == Role.APPRENTICE:
            links["apprentice"] = _required(Apprentice, apprentice_id, "--apprentice-id")
        user = accounts.create_with_password(name, email, role_value, password, **links)
        db.session.commit()
        click.echo(f"Created {user.role.label.lower()} {user.email}.")

    @users.command("turn-off-two-factor")
    @click.option("--email", required=True, help="The email address they sign in with.")
    def users_turn_off_two_factor(email: str) -> None:
        """For someone who lost their authenticator and recovery codes, when no coordinator can sign in to do it."""
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException("No one has an account with this email address.")
        try:
            two_factor.turn_off(user, None)
        except ServiceError as error:
            raise click.ClickException(str(error) + ".") from None
        db.session.commit()
        click.echo(f"Two-factor sign-in is off for {user.email}: they sign in with their password only.")

    records = AppGroup("retention", help="Records past their retention period, and anonymising them.")
    on_day = click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
                          help="The day to work it out for, YYYY-MM-DD (today when not given).")

    @records.command("report")
    @on_day
    def retention_report(on) -> None:
        """List the records past their retention period (what the coordinators' Retention page lists)."""
        _retention_report(on.date() if on else date.today())

    @records.command("apply")
    @on_day
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def retention_apply(on, yes: bool) -> None:
        """Anonymise the records past their retention period, and delete audit events past theirs. Cannot be undone."""
        today = on.date() if on else date.today()
        listed = _retention_report(today)
        if not listed:
            return
        if not yes:
            click.confirm(f"Anonymise these {len(listed)} records? This cannot be undone", abort=True)
        try:
            done = retention.anonymise(None, [record.id for record in listed], today)
            purged = retention.purge_audit_events(today)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            retention.delete_stored_files()  # what no row names once committed (or rolled back)
        click.echo(f"Anonymised {len(done)} record{'' if len(done) == 1 else 's'}; deleted {purged} audit "
                   "events past their retention period.")

    app.cli.add_command(demo)
    app.cli.add_command(users)
    app.cli.add_command(records)


def _retention_report(today: date) -> list[retention.PastPeriod]:
    listed = retention.due(today)
    years = ProgrammeSettings.current().retention_years
    if not listed:
        click.echo(f"No records are past their retention period ({years} years after the apprenticeship ends).")
    else:
        click.echo(f"{len(listed)} records are past their retention period ({years} years after the apprenticeship "
                   "ends):")
        for record in listed:
            click.echo(f"  {record.id}: {record.name}, {record.cohort}. {record.why}.")
    past = retention.audit_events_past_period(today)
    if past:
        click.echo(f"{past} audit events are past the audit log's retention period.")
    return listed


def _required(model, record_id: int | None, option: str):
    if record_id is None:
        raise click.UsageError(f"{option} is required for this role.")
    record = db.session.get(model, record_id)
    if record is None:
        raise click.UsageError(f"No record with id {record_id} for {option}.")
    return record
