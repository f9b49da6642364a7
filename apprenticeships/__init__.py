"""The apprenticeship programme app: create_app builds it from a Config."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from . import assets, security
from .config import DEVELOPMENT_SECRET_KEY, ROOT, Config
from .extensions import csrf, db, htmx, init_migrations, limiter, login_manager, talisman
from .forms import clean_query_args
from .ids import IdConverter

# The CSP: everything from our own origin, scripts only with the per-request nonce, no
# inline styles or eval (htmx is configured not to need them).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


class ConfigurationError(RuntimeError):
    pass


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, let readers and a writer work together, wait on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def create_app(config: Config | None = None) -> Flask:
    config = config or Config()
    if config.is_production and config.SECRET_KEY in ("", DEVELOPMENT_SECRET_KEY):
        raise ConfigurationError("APP_ENV=production needs a real SECRET_KEY (a long random string).")

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = IdConverter  # before any route: a 20-digit id is a 404, not an overflow
    app.config.from_object(config)
    Path(app.instance_path).mkdir(exist_ok=True)
    if config.TRUSTED_PROXIES:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.TRUSTED_PROXIES, x_proto=config.TRUSTED_PROXIES,
                                x_host=config.TRUSTED_PROXIES)

    from .templating import AppEnvironment
    app.jinja_environment = AppEnvironment  # before app.jinja_env (below) makes the environment
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    app.before_request(clean_query_args)  # first: every view reads the cleaned filters
    db.init_app(app)
    init_migrations(app)  # Flask-Migrate (alembic) loads when `flask db` or a test uses it, not in the web server
    csrf.init_app(app)
    limiter.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    security.register(app)
    assets.register(app)
    from .services import changes  # noqa: F401  (its listeners keep the data version)
    talisman.init_app(
        app,
        force_https=config.FORCE_HTTPS,
        strict_transport_security=config.FORCE_HTTPS,
        session_cookie_secure=config.SESSION_COOKIE_SECURE,
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="same-origin",
    )

    from . import (
        apprentices,
        audit,
        auth,
        cohorts,
        comparison,
        email,
        employers,
        errors,
        evidence,
        home,
        levy,
        logbook,
        mentors,
        notifications,
        placements,
        privacy,
        programme,
        reports,
        retention,
        reviews,
        subject_access,
        summaries,
        transactions,
        users,
    )
    from .cli import register_cli
    from .permissions import require_every_view_has_permission
    from .templating import register_template_helpers

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(apprentices.bp)
    app.register_blueprint(cohorts.bp)
    app.register_blueprint(programme.bp)
    app.register_blueprint(mentors.bp)
    app.register_blueprint(employers.bp)
    app.register_blueprint(placements.bp)
    app.register_blueprint(logbook.bp)
    app.register_blueprint(reviews.bp)
    app.register_blueprint(summaries.bp)
    app.register_blueprint(reports.bp)  # the public sector apprenticeship return, per financial year
    app.register_blueprint(comparison.bp)  # councils side by side, and links to share a comparison
    app.register_blueprint(levy.bp)  # the levy: accounts, ledger, forecast, funding, transfers
    retention.init_app(app)  # records past their retention period, keeping one longer, deleting one added in error
    app.register_blueprint(privacy.bp)  # the privacy notice, linked in every page's footer
    app.register_blueprint(subject_access.bp)
    app.register_blueprint(audit.bp)
    notifications.init_app(app)  # the Notifications pages, the count in the header and `flask reminders`
    evidence.init_app(app)  # files on entries and reviews: storage, downloads, the larger request limit for uploads
    email.init_app(app)  # its pages (the development mailbox only outside production) and `flask worker`
    errors.register(app)
    transactions.register(app)  # last: its after-request hook (the commit) runs first
    register_template_helpers(app)
    register_cli(app)
    require_every_view_has_permission(app)
    return app
