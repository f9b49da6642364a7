"""Configuration, all from environment variables, with safe development defaults."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Only ever used on a developer's machine: create_app refuses to start in production with it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL for DATABASE_URL (or `url`): an SQLite file in instance/ by default."""
    url = (os.environ.get("DATABASE_URL", "") if url is None else url).strip()
    if not url:
        return f"sqlite:///{ROOT / 'instance' / 'apprenticeships.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings read from the environment when the app is created."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("APP_ENV", "development")
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Northmoor Borough Council")
        self.SERVICE_NAME = os.environ.get("SERVICE_NAME", "Apprenticeships")
        # Where the one-time invite links point; defaults to the address the coordinator used.
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_HEADERS_ENABLED = True

        # Sessions: 12 hours at most, 30 minutes idle. Enforced server side (see auth.sessions),
        # the cookie lifetime only mirrors it.
        self.SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
        self.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
        self.PERMANENT_SESSION_LIFETIME = self.SESSION_ABSOLUTE_LIFETIME
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", self.is_production)
        self.REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

        # Sign-in throttling: failures per account per hour, and per client address per hour.
        self.SIGN_IN_FAILURES_PER_ACCOUNT = int(os.environ.get("SIGN_IN_FAILURES_PER_ACCOUNT", "10"))
        self.SIGN_IN_FAILURES_PER_ADDRESS = int(os.environ.get("SIGN_IN_FAILURES_PER_ADDRESS", "50"))
        self.INVITE_VALID_FOR = timedelta(days=7)
        # An apprentice who has withdrawn or completed can read (not change) their own record for
        # this long after the end, then can no longer sign in.
        self.APPRENTICE_ACCESS_AFTER_END = timedelta(days=int(os.environ.get("APPRENTICE_ACCESS_AFTER_END_DAYS",
                                                                             "365")))

        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # uploads: a CSV of a few thousand rows fits
        self.WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
        self.FORCE_HTTPS = _bool("FORCE_HTTPS", self.is_production)
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        self.TESTING = False

    @property
    def is_production(self) -> bool:
        return self.ENV_NAME == "production"


class TestConfig(Config):
    """Tests: a database URL handed in by the fixture, no HTTPS redirect."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.ENV_NAME = "test"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.FORCE_HTTPS = False
        self.SESSION_COOKIE_SECURE = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.ORGANISATION_NAME = "Northmoor Borough Council"
