"""The helpdesk Flask application: create_app() wires configuration, extensions, features and CLI."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import Config, config_from_env
from helpdesk.extensions import babel, csrf, db, limiter, login_manager, migrate, socketio


def create_app(config: type[Config] | Config | None = None, **overrides) -> Flask:
    """Build the app. `config` is a Config class (default: from HELPDESK_ENV); `overrides` win."""
    config = config or config_from_env()
    app = Flask(__name__, instance_path=_instance_path(config, overrides))
    app.config.from_object(config)
    app.config.update(overrides)
    _check_config(app)
    from helpdesk.auth.security import configure_hasher

    configure_hasher(app.config.get("PASSWORD_HASH_PROFILE", "default"))

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "helpdesk.db")
    _engine_options(app)

    import helpdesk.models  # noqa: F401  (registers every table)
    import knowledge_base.models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # The limiter is one object for every app of the process and keeps the first app's key prefix;
    # each app (tests make many, one Redis serves them all) must count under its own.
    limiter._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    limiter.init_app(app)
    import helpdesk.realtime.events  # noqa: F401  (emits queued live events after commit)
    from helpdesk.realtime.namespace import register_namespace

    register_namespace(socketio)
    manager = {}
    if app.config.get("REDIS_URL"):
        from helpdesk.realtime.sessions import KickingRedisManager

        # The Redis manager, which also carries "close this user's connections" to every process.
        manager["client_manager"] = KickingRedisManager(app.config["REDIS_URL"], channel=app.config["SOCKETIO_CHANNEL"])
    socketio.init_app(
        app,
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config["SOCKETIO_CHANNEL"],
        **manager,
        async_mode=_async_mode(app),
        # None: same-origin only (the page's own host), whatever port or name the app is served on.
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS") or None,
    )

    from helpdesk.auth.loading import init_login

    init_login(app)

    from helpdesk.errors import register_error_handlers

    register_error_handlers(app)

    from helpdesk.api import bp as api_bp
    from helpdesk.auth.routes import bp as auth_bp
    from helpdesk.console import bp as console_bp
    from helpdesk.macros import bp as macros_bp
    from helpdesk.mail.inbound.routes import bp as inbound_mail_bp
    from helpdesk.admin.routes import bp as admin_bp
    from helpdesk.lead.routes import bp as lead_bp
    from helpdesk.portal import bp as portal_bp
    from helpdesk.surveys.routes import bp as surveys_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(lead_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(macros_bp)
    app.register_blueprint(inbound_mail_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)
    from knowledge_base import init_app as init_knowledge_base  # KB: search index, /kb and /help pages

    init_knowledge_base(app)

    from helpdesk.cli import register_cli

    register_cli(app)
    _template_helpers(app)
    return app


def _instance_path(config, overrides) -> str:
    path = overrides.get("INSTANCE_PATH") or getattr(config, "INSTANCE_PATH", None)
    return str(Path(path).resolve())


def _check_config(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Set it in the environment (e.g. SECRET_KEY=$(python -c "
            "'import secrets; print(secrets.token_hex(32))')), or run with HELPDESK_ENV=development."
        )


def _engine_options(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("postgresql://") or uri.startswith("postgres://"):
        # psycopg 3 is the driver we install.
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
        options.setdefault("pool_pre_ping", True)
        if not app.config.get("POSTGRES_JIT"):
            connect_args = dict(options.get("connect_args") or {})
            connect_args["options"] = (connect_args.get("options", "") + " -c jit=off").strip()
            options["connect_args"] = connect_args
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30})
    in_memory = uri.startswith("sqlite") and (":memory:" in uri or uri in ("sqlite://", "sqlite:///"))
    # (in memory: one connection, whose pool takes no size; a pool class given takes its own arguments)
    if not in_memory and "poolclass" not in options:
        options.setdefault("pool_size", app.config.get("DATABASE_POOL_SIZE", 20))
        options.setdefault("max_overflow", app.config.get("DATABASE_MAX_OVERFLOW", 10))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers work while one writer writes; SQLite leaves foreign keys off unless asked."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL is kept in the database file: asking for it on every connection took the database's
        # lock each time (a tenth of a creation burst's time went to waiting for it).
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _async_mode(app: Flask) -> str:
    """How Socket.IO serves: "gevent" under the production server (gunicorn's gevent worker has
    patched the standard library before loading the app), else "threading" (the development server,
    tests, the CLI). SOCKETIO_ASYNC_MODE forces one."""
    forced = app.config.get("SOCKETIO_ASYNC_MODE")
    if forced:
        return forced
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def _select_locale() -> str:
    from flask_login import current_user

    choices = ("fr", "en")
    if not has_request_context():  # background work and the CLI: the default (or a force_locale)
        return "fr"
    asked = request.args.get("lang")
    if asked in choices:
        g.lang_param = asked
        return asked
    if request.cookies.get("lang") in choices:
        return request.cookies["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in choices:
        return current_user.locale
    return "fr"


def _today():
    from datetime import date

    return date.today()


def _request_translations():
    """The translations of the locale in force, found once per request and locale: Flask-Babel
    looks them up through four context proxies on every string, and a ticket page translates
    about 120 (2 of its 33 ms on this VM). A locale forced for a while (`force_locale`, a mail in
    the customer's language) is another Locale object, so it finds its own."""
    from flask_babel import get_translations
    from babel.support import NullTranslations

    if not g:
        return NullTranslations()
    babel_context = getattr(g, "_flask_babel", None)
    cached = getattr(babel_context, "helpdesk_translations", None)
    if cached is not None and cached[0] is getattr(babel_context, "babel_locale", None):
        return cached[1]
    translations = get_translations()
    babel_context = g._flask_babel  # made by get_translations()
    babel_context.helpdesk_translations = (babel_context.babel_locale, translations)
    return translations


def _template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    from helpdesk.permissions import may

    from helpdesk.console.forms import PRIORITY_LABELS, STATUS_LABELS

    # Globals (not context-processor values) so macros imported without context can use them.
    app.jinja_env.globals["today"] = _today
    # One translation per badge (a list of 50 tickets translated every label of every badge).
    app.jinja_env.globals["status_label"] = lambda status: str(STATUS_LABELS.get(status, status))
    app.jinja_env.globals["priority_label"] = lambda priority: str(PRIORITY_LABELS.get(priority, priority))

    @app.context_processor
    def inject_helpers():
        from flask_login import current_user

        return {
            "may": lambda action, obj=None: may(current_user, action, obj),
            "current_locale": str(get_locale()),
        }

    @app.after_request
    def remember_language(response):
        asked = g.get("lang_param")
        if asked:
            response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
