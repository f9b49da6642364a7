"""Configuration, all from environment variables, with safe development defaults."""

from __future__ import annotations

import os
import tempfile
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


def _slug(name: str) -> str:
    """"Northmoor Borough Council" as "northmoor-borough-council": for a demo email address."""
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "council"


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


def engine_options(url: str) -> dict:
    """SQLAlchemy's engine options for the database at `url`.

    On PostgreSQL, with JIT compilation off: the lists' progress figures are one statement
    with many correlated subqueries, whose estimated cost passes the JIT thresholds although
    it runs in a few milliseconds; compiling it took 0.4 s to 7 s (docs/benchmarks.md). And with
    no parallel workers for a query: starting them cost a page more than they saved (the public
    sector return's counts, 3 ms alone, took 11 to 17 ms with two workers), and a web server's
    requests already share the cores."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c jit=off -c max_parallel_workers_per_gather=0"}
    return options


class Config:
    """Settings read from the environment when the app is created."""

    def __init__(self) -> None:
        self.ENV_NAME = os.environ.get("APP_ENV", "development")
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
        self.SQLALCHEMY_DATABASE_URI = database_url()
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.ORGANISATION_NAME = os.environ.get("ORGANISATION_NAME", "Northmoor Borough Council")
        self.SERVICE_NAME = os.environ.get("SERVICE_NAME", "Apprenticeships")
        # The council's data protection officer, named on the privacy notice as the person to contact.
        self.DATA_PROTECTION_OFFICER_NAME = os.environ.get("DATA_PROTECTION_OFFICER_NAME",
                                                           "The data protection officer")
        self.DATA_PROTECTION_OFFICER_EMAIL = os.environ.get(
            "DATA_PROTECTION_OFFICER_EMAIL", "dataprotection@" + _slug(self.ORGANISATION_NAME) + ".example.org")
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
        # Coordinators must use two-factor sign-in (an authenticator app) before they can do
        # anything; on by default in production. Everyone else may choose it.
        self.TWO_FACTOR_REQUIRED_FOR_COORDINATORS = _bool("TWO_FACTOR_REQUIRED_FOR_COORDINATORS",
                                                          self.is_production)
        self.TWO_FACTOR_PENDING_FOR = timedelta(minutes=5)  # between the password and the code
        # An apprentice who has withdrawn or completed can read (not change) their own record for
        # this long after the end, then can no longer sign in.
        self.APPRENTICE_ACCESS_AFTER_END = timedelta(days=int(os.environ.get("APPRENTICE_ACCESS_AFTER_END_DAYS",
                                                                             "365")))

        # Email (apprenticeships/email): which backend sends, and its settings. `log` keeps
        # messages in the database only (shown on /dev/mailbox outside production).
        self.EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "log").strip().lower()
        self.EMAIL_FROM = os.environ.get("EMAIL_FROM", "")
        self.NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
        self.NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "").rstrip("/")
        # NOTIFY_TEMPLATE_INVITATION=<id> etc.: the Notify template for each of templates/emails/*.txt.
        self.NOTIFY_TEMPLATE_IDS = {name.removeprefix("NOTIFY_TEMPLATE_").lower(): value.strip()
                                    for name, value in os.environ.items()
                                    if name.startswith("NOTIFY_TEMPLATE_") and value.strip()}
        self.SMTP_HOST = os.environ.get("SMTP_HOST", "")
        self.SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
        self.SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
        self.SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
        self.SMTP_STARTTLS = _bool("SMTP_STARTTLS", True)
        # Seconds to wait before each retry of a message that could not be sent; after the
        # last, the message is marked as failed (about two days in all by default).
        self.EMAIL_RETRY_DELAYS = tuple(
            float(s) for s in os.environ.get("EMAIL_RETRY_DELAYS", "60,300,900,3600,10800,21600,43200,86400")
            .split(",") if s.strip())
        # The background worker's queue: an SQLite file by default, Redis when several servers run.
        self.HUEY_REDIS_URL = os.environ.get("HUEY_REDIS_URL", "")
        self.HUEY_SQLITE_FILE = os.environ.get("HUEY_SQLITE_FILE", str(ROOT / "instance" / "huey.db"))
        self.HUEY_IMMEDIATE = False  # tests: tasks run at once, in the process that queues them
        self.PASSWORD_RESET_VALID_FOR = timedelta(hours=1)
        self.PASSWORD_RESETS_PER_ACCOUNT = 3  # reset emails per account per hour; more are not sent
        # How passwords are hashed (werkzeug's generate_password_hash): scrypt at its default cost.
        # Not read from the environment, so no deployment can weaken it; only TestConfig changes it.
        self.PASSWORD_HASH_METHOD = "scrypt"
        # Reminders (services/reminders.py): a review waiting this many days for a signature is reminded of.
        self.SIGNATURE_REMINDER_DAYS = int(os.environ.get("SIGNATURE_REMINDER_DAYS", "7"))

        self.MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # uploads: a CSV of a few thousand rows fits
        # Evidence files (apprenticeships/evidence): where their bytes are kept, and the limits.
        # The endpoints that take files allow a request of EVIDENCE_MAX_FILES_AT_ONCE files of
        # EVIDENCE_MAX_FILE_MB each (and the form), MAX_CONTENT_LENGTH staying for everything else.
        self.EVIDENCE_STORAGE_URL = os.environ.get("EVIDENCE_STORAGE_URL", "")  # empty: EVIDENCE_FOLDER
        self.EVIDENCE_FOLDER = str(ROOT / "instance" / "evidence")
        self.EVIDENCE_S3_ENDPOINT_URL = os.environ.get("EVIDENCE_S3_ENDPOINT_URL", "")  # MinIO and others
        self.EVIDENCE_MAX_FILE_MB = int(os.environ.get("EVIDENCE_MAX_FILE_MB", "10"))
        self.EVIDENCE_MAX_FILES_AT_ONCE = int(os.environ.get("EVIDENCE_MAX_FILES_AT_ONCE", "5"))
        self.EVIDENCE_MAX_FILES_EACH = int(os.environ.get("EVIDENCE_MAX_FILES_EACH", "10"))  # on one entry or review
        self.EVIDENCE_QUOTA_MB = int(os.environ.get("EVIDENCE_QUOTA_MB", "250"))  # each apprentice's files in all
        # The ClamAV daemon's UNIX socket: set, new files wait as "being checked" until scanned.
        self.CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")
        # Other councils' open data files (apprenticeships/comparison): the largest file taken, and
        # fetching one from an address: how long to wait, and whether private and loopback addresses
        # (and plain http) are allowed, which only tests should.
        self.COMPARISON_MAX_FILE_KB = int(os.environ.get("COMPARISON_MAX_FILE_KB", "900"))
        self.COMPARISON_FETCH_TIMEOUT = float(os.environ.get("COMPARISON_FETCH_TIMEOUT", "5"))
        self.COMPARISON_FETCH_ALLOW_PRIVATE = _bool("COMPARISON_FETCH_ALLOW_PRIVATE", False)
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
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)
        self.FORCE_HTTPS = False
        self.SESSION_COOKIE_SECURE = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.ORGANISATION_NAME = "Northmoor Borough Council"
        self.EMAIL_BACKEND = "log"
        self.HUEY_IMMEDIATE = True
        # Evidence in a folder of its own (conftest.make_app gives each test app one), never instance/.
        self.EVIDENCE_STORAGE_URL = ""
        self.EVIDENCE_FOLDER = str(Path(tempfile.gettempdir()) / "apprenticeships-test-evidence")
        self.CLAMD_SOCKET = ""
        # Passwords hashed cheaply (PBKDF2, 1,000 rounds, under a millisecond against scrypt's 100 ms
        # or so): the tests sign in, invite, reset and change passwords thousands of times. The
        # checks are the real ones; tests/unit/test_passwords.py checks that the app's own
        # configuration keeps scrypt.
        self.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
