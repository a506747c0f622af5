"""Every ``LSCB_*`` setting, read once from the environment into one frozen object.

``Settings.from_env(os.environ)`` reads and checks every variable; a bad value raises
``SettingsError`` naming the variable, so a process fails at start-up with one clear line
instead of at the first email or deadline. Nothing else in the project reads the environment:
the web app builds its Flask config from a ``Settings`` (``web/config.py``), the engine gets it
through ``ProcessEngine(settings=...)``, and engine code that only holds a database session
(notifications, the deadline ladder) reads it from the session (``of(session)``), because the
session factory is built with the settings in its ``info``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.dates import DEFAULT_TIMEZONE

from .calendar import DEFAULT_ESCALATIONS, DEFAULT_REMINDERS, WorkingCalendar

SESSION_KEY = "lscb.settings"
DEFAULT_DATABASE_URL = "sqlite:///instance/lscb.sqlite3"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"      # where ``lscb serve`` listens by default
REGIONS = ("ENG", "WLS", "SCT", "NIR")           # the ``holidays`` package's GB subdivisions
TLS_MODES = ("none", "starttls", "ssl")
LADDER_RUNGS = 4                                 # owner, lead, LISG chair, challenge log
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_WD = re.compile(r"P?(\d+)\s*WD", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting has a value the system cannot use; the message names the variable."""

    def __init__(self, name: str, value: str, expected: str):
        self.name = name
        super().__init__(f"{name}={value!r} is not valid: expected {expected}")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; ``host`` None means development (hold, do not send)."""

    host: str | None = None
    port: int = 25
    tls: str = "none"
    user: str | None = None
    password: str | None = None
    sender: str = "lscb@localhost"


@dataclass(frozen=True)
class Settings:
    """The whole configuration of one process (web, CLI or scheduler); defaults are safe."""

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None            # None: a random key per start
    secure_cookies: bool | None = None       # None: unset (secure, except ``serve`` on loopback)
    session_seconds: int = 8 * 3600
    ratelimit: bool = True
    ratelimit_storage: str = "memory://"
    login_rate_limit: str = "10 per minute"          # per account tried
    login_address_rate_limit: str = "60 per minute"  # per client address (an office shares one)
    proxy_hops: int = 0                              # trusted reverse proxies in front
    max_upload_bytes: int = 4 * 1024 * 1024
    organisation: str = ""
    log_level: str = "INFO"
    due_soon_days: int = 3
    base_url: str = DEFAULT_BASE_URL
    timezone: str = DEFAULT_TIMEZONE
    holiday_region: str = "ENG"
    scheduler_interval: float = 1.0
    reminder_offsets: tuple[str, ...] = DEFAULT_REMINDERS
    escalation_offsets: tuple[str, ...] = DEFAULT_ESCALATIONS
    digest_hour: int = 7
    lisg_chair_group: str = "lisg-chair"
    business_unit_group: str = "business-unit"
    smtp: SmtpSettings = field(default_factory=SmtpSettings)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Every ``LSCB_*`` variable of ``environ``, checked; unset ones take the defaults.

        Raises:
            SettingsError: a variable is set to a value that cannot be used.
        """
        return cls._read(_Reader(environ))

    @classmethod
    def _read(cls, read: _Reader) -> Settings:
        d = cls()
        return cls(
            database_url=read.text("LSCB_DATABASE_URL", d.database_url),
            secret_key=read.text("LSCB_SECRET_KEY", None),
            secure_cookies=read.flag("LSCB_SECURE_COOKIES", None),
            session_seconds=read.number("LSCB_SESSION_SECONDS", d.session_seconds, int, 60),
            ratelimit=read.flag("LSCB_RATELIMIT", d.ratelimit),
            ratelimit_storage=read.text("LSCB_RATELIMIT_STORAGE", d.ratelimit_storage),
            login_rate_limit=read.rate("LSCB_LOGIN_RATE_LIMIT", d.login_rate_limit),
            login_address_rate_limit=read.rate("LSCB_LOGIN_ADDRESS_RATE_LIMIT",
                                               d.login_address_rate_limit),
            proxy_hops=read.number("LSCB_PROXY_HOPS", d.proxy_hops, int, 0, 5),
            max_upload_bytes=read.number("LSCB_MAX_UPLOAD_BYTES", d.max_upload_bytes, int, 1024),
            organisation=read.text("LSCB_ORGANISATION", d.organisation, empty=True),
            log_level=read.log_level("LSCB_LOG_LEVEL", d.log_level),
            due_soon_days=read.number("LSCB_DUE_SOON_DAYS", d.due_soon_days, int, 0),
            base_url=read.url("LSCB_BASE_URL", d.base_url),
            timezone=read.zone("LSCB_TIMEZONE", d.timezone),
            holiday_region=read.choice("LSCB_HOLIDAY_REGION", d.holiday_region, REGIONS),
            scheduler_interval=read.number("LSCB_SCHEDULER_INTERVAL", d.scheduler_interval,
                                           float, 0.01, 3600),
            reminder_offsets=read.offsets("LSCB_REMINDER_OFFSETS", d.reminder_offsets),
            escalation_offsets=read.offsets("LSCB_ESCALATION_OFFSETS", d.escalation_offsets,
                                            most=LADDER_RUNGS),
            digest_hour=read.number("LSCB_DIGEST_HOUR", d.digest_hour, int, 0, 23),
            lisg_chair_group=read.text("LSCB_LISG_CHAIR_GROUP", d.lisg_chair_group).lower(),
            business_unit_group=read.text("LSCB_BUSINESS_UNIT_GROUP",
                                          d.business_unit_group).lower(),
            smtp=_smtp(read))

    @property
    def tz(self) -> ZoneInfo:
        """The board's local time zone."""
        return ZoneInfo(self.timezone)

    def calendar(self, closures=()) -> WorkingCalendar:
        """A working-day calendar with this board's region, zone and deadline offsets."""
        return WorkingCalendar(region=self.holiday_region, closures=closures, tz=self.timezone,
                               reminder_offsets=self.reminder_offsets,
                               escalation_offsets=self.escalation_offsets)


DEFAULTS = Settings()


def of(session) -> Settings:
    """The settings a session factory was built with (``session_info``), else the defaults."""
    return session.info.get(SESSION_KEY, DEFAULTS)


def session_info(settings: Settings) -> dict:
    """The ``info`` mapping for a session factory whose sessions carry ``settings``."""
    return {SESSION_KEY: settings}


def variables() -> list[str]:
    """Every variable ``from_env`` reads (the README's table lists them all)."""
    read = _Reader({})
    Settings._read(read)
    return sorted(read.names)


def _smtp(read: _Reader) -> SmtpSettings:
    tls = read.choice("LSCB_SMTP_TLS", "none", TLS_MODES, lower=True)
    return SmtpSettings(
        host=read.text("LSCB_SMTP_HOST", None),
        port=read.number("LSCB_SMTP_PORT", 465 if tls == "ssl" else 25, int, 1, 65535),
        tls=tls, user=read.text("LSCB_SMTP_USER", None),
        password=read.text("LSCB_SMTP_PASSWORD", None, empty=True),
        sender=read.text("LSCB_MAIL_FROM", "lscb@localhost"))


class _Reader:
    """Reads one variable at a time and raises SettingsError naming it when it is bad."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.names: set[str] = set()

    def raw(self, name: str) -> str | None:
        self.names.add(name)
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def text(self, name, default, empty=False):
        value = self.raw(name)
        return default if value is None or (value == "" and not empty) else value

    def flag(self, name, default):
        value = self.raw(name)
        if value is None or value == "":
            return default
        if value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise SettingsError(name, value, "true or false (1/0, yes/no, on/off)")

    def number(self, name, default, kind, low, high=None):
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = kind(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high) \
                or number != number:
            span = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise SettingsError(name, value, f"{'a whole' if kind is int else 'a'} number {span}")
        return number

    def choice(self, name, default, allowed, lower=False):
        value = self.text(name, default)
        value = value.lower() if lower else value.upper()
        if value not in allowed:
            raise SettingsError(name, value, "one of " + ", ".join(allowed))
        return value

    def zone(self, name, default):
        value = self.text(name, default)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(name, value, "an IANA time zone such as Europe/London") from None
        return value

    def url(self, name, default):
        value = self.text(name, default)
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise SettingsError(name, value, "an http:// or https:// address")
        return value.rstrip("/")

    def rate(self, name, default):
        value = self.text(name, default)
        if not re.fullmatch(r"\d+\s*(/|per)\s*\d*\s*(second|minute|hour|day)s?", value, re.I):
            raise SettingsError(name, value, "a rate such as '10 per minute'")
        return value

    def log_level(self, name, default):
        value = self.text(name, default).upper()
        if not isinstance(logging.getLevelName(value), int):
            raise SettingsError(name, value, "DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value

    def offsets(self, name, default, most=None):
        value = self.raw(name)
        if value is None or value == "":
            return default
        parts = tuple(p.strip() for p in value.split(",") if p.strip())
        if not parts or (most is not None and len(parts) > most) \
                or not all(_is_offset(p) for p in parts):
            limit = f" (at most {most})" if most else ""
            raise SettingsError(name, value, "a comma-separated list of working days (P2WD) or "
                                f"ISO 8601 durations (P1D, PT4H){limit}")
        return parts


def _is_offset(text: str) -> bool:
    """True when ``text`` is an offset the deadline plan can shift by (not a date)."""
    if _WD.fullmatch(text):
        return True
    if not text.upper().startswith("P"):
        return False
    try:
        WorkingCalendar().parse_deadline(text, datetime(2001, 1, 1, tzinfo=timezone.utc))
    except ValueError:
        return False
    return True

