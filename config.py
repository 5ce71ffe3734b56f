"""Configuration classes, read from the environment (the only place that reads os.environ)."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


class Config:
    """Settings shared by every environment; each value may come from the environment."""

    ENV_NAME = "production"
    DEBUG = False
    TESTING = False

    SECRET_KEY = os.environ.get("SECRET_KEY")
    INSTANCE_PATH = os.environ.get("INSTANCE_PATH") or str(BASE_DIR / "instance")
    # Empty means "SQLite file in the instance folder", resolved in create_app once the
    # instance folder is known.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or ""
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # PostgreSQL's JIT compiles the plan of any query it costs high: the reports' aggregations over a
    # month of tickets ran 100-160 ms longer for it at 1M tickets (compiling took longer than running).
    # Off for the app's own connections unless POSTGRES_JIT=1; a DBA's server setting is kept then.
    POSTGRES_JIT = _bool(os.environ.get("POSTGRES_JIT"))
    # Connections each process keeps open to the database, and how many more it may open in a burst.
    # Under the gevent server every request in flight holds one (a query on PostgreSQL waits on its
    # socket, and other requests run meanwhile): with SQLAlchemy's default of 5 kept, a burst of 16
    # creations opened and closed a connection per request. Keep processes x (size + overflow), plus
    # the workers', under PostgreSQL's max_connections (100 by default).
    DATABASE_POOL_SIZE = _int("DATABASE_POOL_SIZE", 20)
    DATABASE_MAX_OVERFLOW = _int("DATABASE_MAX_OVERFLOW", 10)
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # Processes of one deployment share this Redis channel for live events.
    SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL") or "helpdesk-socketio"
    # Other origins allowed to open the live connection (comma-separated); by default only the app's own.
    SOCKETIO_CORS_ORIGINS = [o.strip() for o in (os.environ.get("SOCKETIO_CORS_ORIGINS") or "").split(",") if o.strip()]

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool(os.environ.get("SESSION_COOKIE_SECURE"), True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a console tab stays open all day; the session bounds it

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ("fr", "en")

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT") or "10 per minute"
    # Redis down must not take logins down with it: the limits are then counted in each process's
    # memory until Redis answers again (Flask-Limiter's fallback), and the status page says Redis is down.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Survey links that do not work (unknown, expired, used), per address: guessing tokens is slow.
    SURVEY_TOKEN_RATE_LIMIT = os.environ.get("SURVEY_TOKEN_RATE_LIMIT") or "20 per minute"
    PASSWORD_HASH_PROFILE = "default"
    API_TOKEN_TTL_DAYS = _int("API_TOKEN_TTL_DAYS", 30)
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    ATTACHMENT_MAX_BYTES = _int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    AUTO_CLOSE_DAYS = _int("AUTO_CLOSE_DAYS", 7)
    # A policy, calendar or team change recomputes up to this many open tickets within the request;
    # more are recomputed in the background, with the progress on the admin pages.
    SLA_RECOMPUTE_INLINE = _int("SLA_RECOMPUTE_INLINE", 500)
    # A report that took longer than this to compute (a quarter, a year at a million tickets) is
    # kept and served for REPORT_KEEP_MINUTES, with the time it was computed; the background
    # computes it again while leads keep looking at it (helpdesk/reports/kept.py).
    REPORT_KEEP_AFTER_MS = _int("REPORT_KEEP_AFTER_MS", 500)
    REPORT_KEEP_MINUTES = _int("REPORT_KEEP_MINUTES", 10)
    REPORT_KEEP_WARM_MINUTES = _int("REPORT_KEEP_WARM_MINUTES", 60)

    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool(os.environ.get("MAIL_USE_TLS"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER") or "support@helpdesk.local"
    MAIL_USE_SSL = _bool(os.environ.get("MAIL_USE_SSL"))  # implicit TLS (port 465); MAIL_USE_TLS is STARTTLS
    MAIL_TIMEOUT_SECONDS = _int("MAIL_TIMEOUT_SECONDS", 20)
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)  # then the message is failed, listed for admins
    # Where customers' answers go; replies carry the ticket's token as support+t-<token>@... (the
    # mailbox must accept plus-addressing). Defaults to the sender's address.
    MAIL_REPLY_ADDRESS = os.environ.get("MAIL_REPLY_ADDRESS") or None

    # Mail in: a message is at most this big (larger ones are quarantined); a sender opens at most
    # this many new tickets per hour (the rest are quarantined), so a mail loop cannot flood the queue.
    MAIL_MAX_BYTES = _int("MAIL_MAX_BYTES", 25 * 1024 * 1024)
    MAIL_NEW_TICKETS_PER_HOUR = _int("MAIL_NEW_TICKETS_PER_HOUR", 20)
    # An IMAP(S) mailbox read by the background pass when IMAP_HOST is set.
    IMAP_HOST = os.environ.get("IMAP_HOST") or None
    IMAP_PORT = _int("IMAP_PORT", 993)
    IMAP_SSL = _bool(os.environ.get("IMAP_SSL"), True)
    IMAP_USERNAME = os.environ.get("IMAP_USERNAME") or None
    IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD") or None
    IMAP_FOLDER = os.environ.get("IMAP_FOLDER") or "INBOX"

    # The customer portal: e-mailed links, and how long a solved request can be reopened.
    VERIFY_EMAIL_HOURS = _int("VERIFY_EMAIL_HOURS", 48)
    RESET_PASSWORD_MINUTES = _int("RESET_PASSWORD_MINUTES", 60)
    INVITE_HOURS = _int("INVITE_HOURS", 72)  # how long an admin's invitation to choose a password lasts
    ACCOUNT_EMAIL_RATE_LIMIT = os.environ.get("ACCOUNT_EMAIL_RATE_LIMIT") or "5 per hour"  # sign-up, forgot password
    PORTAL_REOPEN_DAYS = _int("PORTAL_REOPEN_DAYS", 14)
    PORTAL_MAX_ATTACHMENTS = _int("PORTAL_MAX_ATTACHMENTS", 5)

    CTI_TOKEN = os.environ.get("CTI_TOKEN") or None
    DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION") or "FR"
    BASE_URL = os.environ.get("BASE_URL") or "http://127.0.0.1:5000"

    # Background work (SLA sweep) runs inside the server process unless disabled.
    BACKGROUND_TASKS = _bool(os.environ.get("BACKGROUND_TASKS"), True)


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True
    SESSION_COOKIE_SECURE = _bool(os.environ.get("SESSION_COOKIE_SECURE"), False)
    # Development may run without a secret; a fixed, obviously-unsafe one is used then.
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-secret-key"


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = "testing-secret-key"
    WTF_CSRF_ENABLED = False
    LOGIN_RATE_LIMIT = "1000 per minute"
    ACCOUNT_EMAIL_RATE_LIMIT = "1000 per minute"
    PASSWORD_HASH_PROFILE = "fast"
    BACKGROUND_TASKS = False
    CTI_TOKEN = "test-cti-token"
    # Search tests check what is found, not how fast: a loaded CI machine must not cut a search's
    # attempts ("did you mean", fuzzy) short. The budget's own behaviour is tested by setting it.
    KB_SCORING_BUDGET_MS = 2000


class ProductionConfig(Config):
    ENV_NAME = "production"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The configuration class named by HELPDESK_ENV (default: production, the safe one)."""
    name = (os.environ.get("HELPDESK_ENV") or "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"HELPDESK_ENV must be one of {', '.join(CONFIGS)}; got {name!r}")
    return CONFIGS[name]
