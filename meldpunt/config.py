"""Settings, read once from ``MELDPUNT_*`` environment variables.

Nothing else in the code base reads ``os.environ``. Every setting has a safe
default for the embedded setup (SQLite and files under ``./instance``), so a
fresh checkout runs without any configuration. Secrets that are absent are
generated into the data directory on first run of the embedded setup only:
production refuses to start without them (``ConfigError`` names the missing
variable), so a stolen backup of the data directory never holds the keys that
decrypt it or that key the audit chain.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

PREFIX = "MELDPUNT_"

# argon2id parameters for staff passwords (staff.py): argon2-cffi's defaults, RFC 9106's
# low-memory choice, written out so a library upgrade cannot change them unnoticed.
PASSWORD_HASH_STRONG = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 4}
# Only an app made with TESTING=True outside production hashes this cheaply, so that a
# test suite creating hundreds of accounts does not spend minutes on it. Hashes carry
# their own parameters, so either kind verifies under both settings.
PASSWORD_HASH_TESTING = {"time_cost": 1, "memory_cost": 8 * 1024, "parallelism": 1}

# Keys production must receive from outside the data directory.
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ENCRYPTION_KEY", "RECEIPT_KEY")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message names the setting to fix."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _secret_file(data_dir: Path, filename: str, make: Any) -> str:
    """Return the secret stored in ``data_dir/filename``, creating it once."""
    path = data_dir / filename
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    value = make()
    # Several workers may start at once on a fresh data directory: each writes its secret to
    # an owner-only temporary file and links it into place, which succeeds for one of them
    # only and never shows a half-written file; the others read the winner's secret.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", dir=data_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(value + "\n")
        try:
            os.link(tmp_name, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        os.unlink(tmp_name)
    return value


def _joined(keys: Any) -> str | None:
    """Encryption keys given as an override (a list or a comma-separated string)."""
    if not keys:
        return None
    return keys if isinstance(keys, str) else ",".join(keys)


def _partner_emails(raw: str | None) -> dict[str, str]:
    """Parse ``route=address`` pairs (comma separated) or a JSON object."""
    if not raw:
        return {}
    raw = raw.strip()
    if raw.startswith("{"):
        return {str(k): str(v) for k, v in json.loads(raw).items()}
    pairs = {}
    for item in raw.split(","):
        if "=" in item:
            route, address = item.split("=", 1)
            pairs[route.strip()] = address.strip()
    return pairs


_CAMPAIGN_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")


def parse_campaigns(raw: str | None) -> dict[str, str]:
    """Campaign codes counted in the statistics: ``code=Label`` pairs separated by ``;`` or
    new lines, or ``@/path/to/file`` holding such lines (``#`` starts a comment). Codes are
    compared in lower case, as the form stores them; ``overig`` is reserved for the rest."""
    if not raw:
        return {}
    raw = raw.strip()
    if raw.startswith("@"):
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    campaigns: dict[str, str] = {}
    for item in re.split(r"[;\n]", raw):
        item = item.split("#", 1)[0].strip()
        if not item:
            continue
        code, sep, label = item.partition("=")
        code = code.strip().lower()
        if not sep or not _CAMPAIGN_CODE.match(code) or code == "overig" or not label.strip():
            raise ValueError(f"MELDPUNT_CAMPAIGNS: expected code=Label, got {item[:60]!r}")
        campaigns[code] = label.strip()
    return campaigns


def parse_campaign_starts(raw: str | None) -> dict[str, date]:
    """When campaigns started: ``code=YYYY-MM-DD`` pairs separated by ``,`` or ``;``."""
    starts: dict[str, date] = {}
    for item in re.split(r"[;,\n]", raw or ""):
        item = item.strip()
        if not item:
            continue
        code, sep, day = item.partition("=")
        try:
            starts[code.strip().lower()] = date.fromisoformat(day.strip())
        except ValueError:
            sep = ""
        if not sep:
            raise ValueError(f"MELDPUNT_CAMPAIGN_STARTS: expected code=YYYY-MM-DD, got {item[:60]!r}")
    return starts


def ratelimit_storage_uri() -> str:
    """Where the rate limiter counts: ``memory://`` (each process its own counters) or a
    shared store such as Redis. Read on its own too, by gunicorn's master process
    (gunicorn.conf.py), which builds no app."""
    return _env("RATELIMIT_STORAGE_URL", "memory://") or "memory://"


ATTACHMENT_STORAGES = ("database", "filesystem")


def attachment_storage(chosen: str | None, database_url: str) -> str:
    """Where attachments and pending uploads are kept (meldpunt/storage/).

    ``database`` by default on PostgreSQL, so several machines behind a load balancer
    need no shared disk; ``filesystem`` (the data directory) for the embedded SQLite
    default. Anything else refuses to start: a typo must not quietly split the
    attachments over two stores.
    """
    if chosen is None:
        from sqlalchemy.engine import make_url

        return "database" if make_url(database_url).get_backend_name() == "postgresql" else "filesystem"
    value = chosen.strip().lower()
    if value not in ATTACHMENT_STORAGES:
        raise ConfigError(
            f"MELDPUNT_ATTACHMENT_STORAGE must be 'database' or 'filesystem', not {chosen[:40]!r}"
        )
    return value


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment plus ``overrides``."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.pop("DATA_DIR", None) or _env("DATA_DIR") or "instance").resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    environment = str(overrides.get("ENV") or _env("ENV", "development")).strip().lower()
    if environment not in ("production", "development"):
        # A typo ("prod", "Production ") must not quietly run production as development,
        # with generated keys and cookies without the Secure flag.
        raise ConfigError(f"MELDPUNT_ENV must be 'production' or 'development', not {environment[:40]!r}")
    production = environment == "production"

    if production:
        # Generated keys are for the embedded default only (see the module docstring).
        missing = [PREFIX + name for name, key in (("SECRET_KEY", "SECRET_KEY"),
                                                    ("ENCRYPTION_KEY", "ENCRYPTION_KEYS"),
                                                    ("RECEIPT_KEY", "RECEIPT_KEY"))
                   if not _env(name) and not overrides.get(key)]
        if missing:
            raise ConfigError(
                "production (MELDPUNT_ENV=production) does not start without "
                + ", ".join(missing)
                + ": set it from outside the data directory; keys are generated only for the embedded setup"
            )
    secret_key = _env("SECRET_KEY") or overrides.get("SECRET_KEY") or _secret_file(
        data_dir, "secret_key", lambda: secrets.token_urlsafe(48)
    )
    encryption_keys = _env("ENCRYPTION_KEY") or _joined(overrides.get("ENCRYPTION_KEYS")) or _secret_file(
        data_dir, "encryption_keys", lambda: Fernet.generate_key().decode()
    )
    receipt_key = _env("RECEIPT_KEY") or overrides.get("RECEIPT_KEY") or _secret_file(
        data_dir, "receipt_key", lambda: secrets.token_urlsafe(48)
    )

    config: dict[str, Any] = {
        "ENV": "production" if production else "development",
        "DATA_DIR": str(data_dir),
        "UPLOAD_DIR": str(data_dir / "attachments"),
        "PENDING_UPLOAD_DIR": str(data_dir / "pending-uploads"),
        "SECRET_KEY": secret_key,
        # Comma-separated Fernet keys, newest first: the first encrypts, all decrypt.
        "ENCRYPTION_KEYS": [k.strip() for k in encryption_keys.replace("\n", ",").split(",") if k.strip()],
        "RECEIPT_KEY": receipt_key,
        # Append-only record of the audit chain's head outside the database (audit.py).
        # Put it where the database's administrators cannot write, when that matters.
        "AUDIT_ANCHOR_FILE": _env("AUDIT_ANCHOR_FILE", str(data_dir / "audit-anchor.jsonl")),
        # Several machines (ADR 0010): every node appends the head to the table audit_anchor
        # of the same PostgreSQL database through this second connection, whose role may
        # only INSERT and SELECT there (`flask audit-anchor-setup`). Unset: the file above.
        "AUDIT_ANCHOR_DATABASE_URL": _env("AUDIT_ANCHOR_DATABASE_URL"),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{data_dir / 'meldpunt.sqlite3'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "ROUTING_FILE": _env("ROUTING_FILE"),
        # Files (a glob) of the frozen evaluation set that `flask triage-retrain` compares
        # models on; empty: the set packaged with the triage (triage/data/blind6/*.jsonl).
        "TRIAGE_FROZEN_SET": _env("TRIAGE_FROZEN_SET"),
        "BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "MUNICIPALITY_NAME": _env("MUNICIPALITY_NAME", "Gemeente Voorbeeld"),
        # Where people report an accessibility problem (named in the accessibility statement).
        "ACCESSIBILITY_CONTACT": _env("ACCESSIBILITY_CONTACT", "toegankelijkheid@gemeente.example"),
        # Mail: a real SMTP server; in tests a local aiosmtpd instance.
        "SMTP_HOST": _env("SMTP_HOST", "localhost"),
        "SMTP_PORT": _env_int("SMTP_PORT", 25),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 10),
        "MAIL_FROM": _env("MAIL_FROM", "meldpunt@gemeente.example"),
        # The demo's mail sink (`make run`, meldpunt/mailsink.py): a local SMTP server that
        # keeps messages in the data directory for admins to read. Never in production.
        "MAIL_SINK_ENABLED": (not production) and _env_bool("MAIL_SINK", False),
        "MAIL_SINK_DIR": str(data_dir / "mail-sink"),
        "MAIL_SINK_PORT": _env_int("MAIL_SINK_PORT", 8025),
        "PARTNER_EMAILS": _partner_emails(_env("PARTNER_EMAILS")),
        "COORDINATOR_EMAILS": [a.strip() for a in (_env("COORDINATOR_EMAILS", "") or "").split(",") if a.strip()],
        "RETENTION_DAYS": _env_int("RETENTION_DAYS", 365),
        "STALE_OPEN_DAYS": _env_int("STALE_OPEN_DAYS", 90),
        # Campaign codes (?c=) that the statistics show by name; any other code counts as "overig".
        "CAMPAIGNS": parse_campaigns(_env("CAMPAIGNS")),
        # Campaign start dates (code=YYYY-MM-DD, comma-separated) for the campaign view.
        "CAMPAIGN_STARTS": parse_campaign_starts(_env("CAMPAIGN_STARTS")),
        # Publications: a table whose total is below this is not shown.
        "STATS_PUBLICATION_THRESHOLD": max(5, _env_int("STATS_PUBLICATION_THRESHOLD", 20)),
        # memory:// counts per process: with several workers a client gets that many times the
        # limits (gunicorn.conf.py warns at start-up). Production uses Redis.
        "RATELIMIT_STORAGE_URI": ratelimit_storage_uri(),
        # Where page views are added up before the scheduler writes them (counters.py):
        # a shared Redis (by default the rate limiter's) or, without one, each process.
        "COUNTER_STORAGE_URL": _env("COUNTER_STORAGE_URL", ratelimit_storage_uri()),
        # How many reverse proxies sit in front of the app and set X-Forwarded-For/-Proto.
        # 0 (the embedded setup) trusts no forwarding header: a client could forge one.
        "TRUSTED_PROXIES": max(0, _env_int("TRUSTED_PROXIES", 0)),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Only load tests on loopback turn this off; production always limits.
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        # Forms and uploads.
        "MAX_ATTACHMENTS": 5,
        "MAX_ATTACHMENT_BYTES": 20 * 1024 * 1024,
        # Counted on the sizes sent (not the cleaned sizes), before any file is decoded:
        # five phone photos of up to 20 MB each fit.
        "MAX_TOTAL_ATTACHMENT_BYTES": 100 * 1024 * 1024,
        # Pixels decoded for all photos of one request together (photos.py): a JPEG on the
        # lossless path decodes an eighth of each side, a re-encoded image all its pixels.
        "MAX_REQUEST_PIXELS": 100_000_000,
        # Each file is cleaned in its own short-lived process (intake/isolation.py):
        # at most this long and with at most this much extra memory.
        "CLEAN_SECONDS": 25.0,
        "CLEAN_MEMORY_BYTES": 320 * 1024 * 1024,
        # Werkzeug refuses bodies above this before any view runs. The two forms that take
        # files cut an oversized file off while it arrives (upload_request.py) and say which
        # file did not fit, keeping everything typed; only above this they answer 413.
        "MAX_CONTENT_LENGTH": 105 * 1024 * 1024,
        "MAX_UPLOAD_REQUEST_BYTES": 1024 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ["nl", "en", "pl", "ro", "tr", "ar"],
        "STAFF_LANGUAGES": ["nl", "en"],
        # Staff sessions: short idle timeout, strict cookies.
        "PERMANENT_SESSION_LIFETIME": 15 * 60,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_NAME": "meldpunt_session",
    }
    config.update(overrides)
    config["ATTACHMENT_STORAGE"] = attachment_storage(
        config.get("ATTACHMENT_STORAGE") or _env("ATTACHMENT_STORAGE"), config["SQLALCHEMY_DATABASE_URI"]
    )
    if "PASSWORD_HASH" not in config:
        cheap = bool(config.get("TESTING")) and config.get("ENV") != "production"
        config["PASSWORD_HASH"] = dict(PASSWORD_HASH_TESTING if cheap else PASSWORD_HASH_STRONG)
    _check_anchor_url(config)
    _create_sqlite_file_owner_only(config["SQLALCHEMY_DATABASE_URI"])
    return config


def _check_anchor_url(config: dict[str, Any]) -> None:
    """The shared anchor table lives in the application's PostgreSQL database (the app reads
    it through its own connection): refuse any other combination at start-up."""
    from sqlalchemy.engine import make_url

    url = config.get("AUDIT_ANCHOR_DATABASE_URL")
    if not url:
        return
    anchor_url, app_url = make_url(url), make_url(config["SQLALCHEMY_DATABASE_URI"])
    if anchor_url.get_backend_name() != "postgresql" or app_url.get_backend_name() != "postgresql":
        raise ConfigError("MELDPUNT_AUDIT_ANCHOR_DATABASE_URL needs PostgreSQL, for the anchor and for "
                          "MELDPUNT_DATABASE_URL; leave it unset to keep the anchor file")
    # Host names may differ (a pooler, an alias); the database name may not.
    if anchor_url.database != app_url.database:
        raise ConfigError("MELDPUNT_AUDIT_ANCHOR_DATABASE_URL must name the same database as "
                          "MELDPUNT_DATABASE_URL (another role, the same database)")


def _create_sqlite_file_owner_only(url: str) -> None:
    """Create an embedded SQLite database file readable by its owner only.

    SQLite would create it with the process umask (usually 0644: readable by
    every local user); made here first, it keeps 0600 for good. Journal files
    that SQLite creates later copy the database file's permissions.
    """
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another worker made it first
        pass
