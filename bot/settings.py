"""Settings: the only reader of os.environ (and of a .env file when present)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from booking.identity import parse as parse_identity
from booking.policy import Policy, parse_business_hours

DEFAULT_DATABASE_URL = "sqlite:///var/roombot.db"
PRODUCTION_SECRETS = ("SECRET_KEY",)


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read once at start-up."""

    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    chat_history_ttl: int = 86400
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = 20.0
    openai_max_retries: int = 2
    openai_max_tokens: int = 512
    assistant_turn_deadline_seconds: float = 25.0
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    tz: str = "Asia/Tokyo"
    secret_key: str | None = None
    flask_env: str = "production"
    api_token: str | None = None
    rooms_file: str = "rooms.yml"
    log_dir: str = "logs"
    max_duration_hours: float = 4
    booking_window_days: int = 90
    granularity_minutes: int = 5
    business_hours: str = "07:00-22:00"
    admins: frozenset[str] = field(default_factory=frozenset)
    default_language: str = "ja"
    reminder_lead_minutes: int = 10
    scheduler_in_web: bool = True
    scheduler_poll_seconds: int = 30
    no_show_release_minutes: int = 0
    digest_channel: str | None = None
    digest_time: str = "08:30"
    digest_grace_minutes: int = 30
    approval_timeout_hours: float = 24
    waitlist_hold_minutes: int = 10
    metrics_dir: str | None = None
    log_level: str = "INFO"
    board_show_owners: bool = False
    board_show_titles: bool = False
    board_refresh_seconds: int = 15
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_certificate_file: str | None = None
    teams_tenant_id: str | None = None
    teams_host: str = "127.0.0.1"
    teams_port: int = 3978
    teams_allow_anonymous: bool = False
    teams_openid_metadata: str | None = None
    teams_digest_channel: str | None = None  # a channel id, 19:…@thread.tacv2
    teams_service_url: str | None = None  # None: the one Teams last sent, else the public one
    caldav_url: str | None = None
    caldav_username: str | None = None
    caldav_password: str | None = None
    ical_room_feeds: str = "public"
    public_url: str = "http://localhost:8000"

    @property
    def caldav_enabled(self) -> bool:
        """True when the two-way CalDAV sync is configured (CALDAV_URL)."""
        return bool(self.caldav_url)

    @property
    def feed_secret(self) -> str:
        """The key feed tokens are derived from (SECRET_KEY; a fixed one in development)."""
        return self.secret_key or "development-only"

    @property
    def is_development(self) -> bool:
        """True when FLASK_ENV says development (the API then works without a token)."""
        return self.flask_env.lower() in ("development", "dev")

    @property
    def zone(self) -> ZoneInfo:
        """The time zone people see."""
        return ZoneInfo(self.tz)

    def policy(self) -> Policy:
        """The booking rules these settings describe."""
        return Policy(
            tz=self.zone,
            max_duration=timedelta(hours=self.max_duration_hours),
            booking_window=timedelta(days=self.booking_window_days),
            granularity_minutes=self.granularity_minutes,
            business_hours=parse_business_hours(self.business_hours),
        )

    def check_production(self) -> None:
        """Refuse to start in production without the secrets it needs."""
        if self.is_development:
            return
        for name in PRODUCTION_SECRETS:
            if not getattr(self, name.lower()):
                raise ConfigError(f"{name} is required when FLASK_ENV={self.flask_env}")
        if self.slack_bot_token and not self.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET is required when SLACK_BOT_TOKEN is set")
        if self.slack_signing_secret and not self.slack_bot_token:
            raise ConfigError("SLACK_BOT_TOKEN is required when SLACK_SIGNING_SECRET is set")

    @property
    def teams_anonymous(self) -> bool:
        """True when Teams requests go unauthenticated (development with TEAMS_ALLOW_ANONYMOUS)."""
        return self.teams_allow_anonymous and self.is_development and not self.teams_app_id

    @property
    def teams_enabled(self) -> bool:
        """True when the Teams surface is configured (an app id, or anonymous development)."""
        return bool(self.teams_app_id) or self.teams_anonymous

    def check_teams(self) -> None:
        """The Teams endpoint needs its Azure Bot credentials; anonymous only in development."""
        if self.teams_allow_anonymous and not self.is_development:
            raise ConfigError(
                f"TEAMS_ALLOW_ANONYMOUS=1 is refused when FLASK_ENV={self.flask_env} "
                "(development only)"
            )
        if not self.teams_app_id:
            if self.teams_anonymous:
                return
            raise ConfigError(
                "TEAMS_APP_ID is required for Teams "
                "(or TEAMS_ALLOW_ANONYMOUS=1 with FLASK_ENV=development)"
            )
        if not (self.teams_app_password or self.teams_certificate_file):
            raise ConfigError(
                "TEAMS_APP_PASSWORD (or TEAMS_CERTIFICATE_FILE) is required for Teams"
            )
        if not self.teams_tenant_id:
            raise ConfigError("TEAMS_TENANT_ID is required for Teams (single-tenant Azure Bot)")

    def check_socket_mode(self) -> None:
        """Socket Mode needs the app-level token and the bot token."""
        for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"):
            if not getattr(self, name.lower()):
                raise ConfigError(f"{name} is required for Socket Mode (python -m bot socket)")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, dotenv_path: str | None = ".env"
    ) -> Settings:
        """Read settings from the environment, falling back to a .env file."""
        env: dict[str, str] = {}
        if dotenv_path and Path(dotenv_path).is_file():
            env.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
        env.update(os.environ if environ is None else environ)
        return _parse(_Reader(env))


class _Reader:
    """Typed access to raw variables, raising ConfigError that names the variable."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.env.get(name, "").strip()
        return value or default

    def flag(self, name: str, default: bool) -> bool:
        raw = (self.text(name) or "").lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {raw!r}")

    def number(
        self,
        name: str,
        default: float,
        cast: type = int,
        top: float = 1e6,
        allow_zero: bool = False,
    ) -> float:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = cast(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
        low = 0.0 if allow_zero else math.ulp(0.0)
        if not low <= value <= top:  # also refuses nan and inf
            raise ConfigError(f"{name} must be a positive number up to {top:g}, got {raw!r}")
        return float(value) if cast is float else int(value)


def redis_url_from(read: _Reader) -> str | None:
    """REDIS_URL, or one built from the guide's REDIS_HOST/PORT/DB/PASSWORD."""
    url = read.text("REDIS_URL")
    host = read.text("REDIS_HOST")
    if url or not host:
        return url
    password = read.text("REDIS_PASSWORD")
    auth = f":{quote(password, safe='')}@" if password else ""
    port, db = read.text("REDIS_PORT", "6379"), read.text("REDIS_DB", "0")
    return f"redis://{auth}{host}:{port}/{db}"


def _parse(read: _Reader) -> Settings:
    """Build Settings from raw variables."""
    settings = Settings(
        database_url=read.text("DATABASE_URL", DEFAULT_DATABASE_URL) or DEFAULT_DATABASE_URL,
        redis_url=redis_url_from(read),
        chat_history_ttl=int(read.number("CHAT_HISTORY_TTL", 86400, top=90 * 86400)),
        openai_api_key=read.text("OPENAI_API_KEY"),
        openai_base_url=read.text("OPENAI_BASE_URL"),
        openai_model=read.text("OPENAI_MODEL", "gpt-4o-mini") or "gpt-4o-mini",
        openai_timeout_seconds=read.number("OPENAI_TIMEOUT_SECONDS", 20.0, float, top=3600),
        openai_max_retries=int(read.number("OPENAI_MAX_RETRIES", 2, top=10, allow_zero=True)),
        openai_max_tokens=int(read.number("OPENAI_MAX_TOKENS", 512, top=100_000)),
        assistant_turn_deadline_seconds=read.number(
            "ASSISTANT_TURN_DEADLINE_SECONDS", 25.0, float, top=3600
        ),
        slack_bot_token=read.text("SLACK_BOT_TOKEN"),
        slack_signing_secret=read.text("SLACK_SIGNING_SECRET"),
        slack_app_token=read.text("SLACK_APP_TOKEN"),
        slack_api_url=read.text("SLACK_API_URL", "https://slack.com/api/") or "",
        tz=_zone_name(read.text("TZ", "Asia/Tokyo") or "Asia/Tokyo"),
        secret_key=read.text("SECRET_KEY"),
        flask_env=read.text("FLASK_ENV", "production") or "production",
        api_token=read.text("API_TOKEN"),
        rooms_file=read.text("ROOMS_FILE", "rooms.yml") or "rooms.yml",
        log_dir=read.text("LOG_DIR", "logs") or "logs",
        max_duration_hours=read.number("BOOKING_MAX_HOURS", 4, float, top=24 * 7),
        booking_window_days=int(read.number("BOOKING_WINDOW_DAYS", 90, top=3650)),
        granularity_minutes=int(read.number("BOOKING_GRANULARITY_MINUTES", 5, top=24 * 60)),
        business_hours=read.text("BUSINESS_HOURS", "07:00-22:00") or "",
        admins=frozenset(
            parse_identity(a, "slack")
            for a in (read.text("ADMIN_USERS", "") or "").replace(",", " ").split()
        ),
        default_language="en"
        if (read.text("DEFAULT_LANGUAGE") or "ja").lower().startswith("en")
        else "ja",
        reminder_lead_minutes=int(read.number("REMINDER_LEAD_MINUTES", 10, top=24 * 60)),
        scheduler_in_web=read.flag("SCHEDULER_IN_WEB", True),
        scheduler_poll_seconds=int(read.number("SCHEDULER_POLL_SECONDS", 30, top=3600)),
        no_show_release_minutes=int(
            read.number("NO_SHOW_RELEASE_MINUTES", 0, top=24 * 60, allow_zero=True)
        ),
        digest_channel=read.text("DIGEST_CHANNEL"),
        digest_time=read.text("DIGEST_TIME", "08:30") or "08:30",
        digest_grace_minutes=int(read.number("DIGEST_GRACE_MINUTES", 30, top=24 * 60)),
        approval_timeout_hours=read.number("APPROVAL_TIMEOUT_HOURS", 24, float, top=24 * 90),
        waitlist_hold_minutes=int(read.number("WAITLIST_HOLD_MINUTES", 10, top=24 * 60)),
        metrics_dir=read.text("PROMETHEUS_MULTIPROC_DIR"),
        log_level=(read.text("LOG_LEVEL", "INFO") or "INFO").upper(),
        board_show_owners=read.flag("BOARD_SHOW_OWNERS", False),
        board_show_titles=read.flag("BOARD_SHOW_TITLES", False),
        board_refresh_seconds=int(read.number("BOARD_REFRESH_SECONDS", 15, top=3600)),
        teams_app_id=read.text("TEAMS_APP_ID"),
        teams_app_password=read.text("TEAMS_APP_PASSWORD"),
        teams_certificate_file=read.text("TEAMS_CERTIFICATE_FILE"),
        teams_tenant_id=read.text("TEAMS_TENANT_ID"),
        teams_host=read.text("TEAMS_HOST", "127.0.0.1") or "127.0.0.1",
        teams_port=int(read.number("TEAMS_PORT", 3978, top=65535)),
        teams_allow_anonymous=read.flag("TEAMS_ALLOW_ANONYMOUS", False),
        teams_openid_metadata=read.text("TEAMS_OPENID_METADATA"),
        teams_digest_channel=teams_channel(read.text("TEAMS_DIGEST_CHANNEL")),
        teams_service_url=read.text("TEAMS_SERVICE_URL"),
        caldav_url=read.text("CALDAV_URL"),
        caldav_username=read.text("CALDAV_USERNAME"),
        caldav_password=read.text("CALDAV_PASSWORD"),
        ical_room_feeds=(read.text("ICAL_ROOM_FEEDS", "public") or "public").lower(),
        public_url=read.text("PUBLIC_URL", "http://localhost:8000") or "http://localhost:8000",
    )
    _validate(settings)
    return settings


def _zone_name(raw: str) -> str:
    """Accept 'JST' (as people write it) and ':Asia/Tokyo' (POSIX form) for Asia/Tokyo."""
    raw = raw.lstrip(":")
    return "Asia/Tokyo" if raw.upper() in ("JST", "JST-9") else raw


def _validate(settings: Settings) -> None:
    """Check values that other modules would otherwise reject obscurely."""
    if settings.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(
            f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {settings.log_level!r}"
        )
    try:
        ZoneInfo(settings.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TZ is not a known time zone: {settings.tz!r}") from None
    try:
        settings.policy()
    except ValueError as error:
        raise ConfigError(f"BUSINESS_HOURS is malformed: {error}") from None
    _validate_calendars(settings)
    _validate_teams(settings)
    try:
        time.fromisoformat(settings.digest_time)
    except ValueError:
        raise ConfigError(f"DIGEST_TIME must be HH:MM, got {settings.digest_time!r}") from None


def teams_channel(raw: str | None) -> str | None:
    """A channel id as given, or taken from the channel's link ('Get link to channel')."""
    if raw and "/l/channel/" in raw:
        return unquote(raw.split("/l/channel/", 1)[1].split("/", 1)[0])
    return raw


def _validate_teams(settings: Settings) -> None:
    """The digest channel is a Teams channel id; the service URL an http(s) URL."""
    channel = settings.teams_digest_channel
    if channel and not (channel.startswith("19:") and "@thread." in channel):
        raise ConfigError(
            "TEAMS_DIGEST_CHANNEL must be a channel id (19:…@thread.tacv2) or the channel's "
            f"link, got {channel!r}"
        )
    url = settings.teams_service_url
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError("TEAMS_SERVICE_URL must start with http:// or https://")


def _validate_calendars(settings: Settings) -> None:
    """ICAL_ROOM_FEEDS is public or token; CALDAV_URL needs an http(s) URL and a user."""
    if settings.ical_room_feeds not in ("public", "token"):
        raise ConfigError(
            f"ICAL_ROOM_FEEDS must be public or token, got {settings.ical_room_feeds!r}"
        )
    if not settings.public_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"PUBLIC_URL must start with http:// or https://, got {settings.public_url!r}"
        )
    if settings.caldav_url is None:
        return
    if not settings.caldav_url.startswith(("http://", "https://")):
        raise ConfigError("CALDAV_URL must start with http:// or https://")
    for name in ("CALDAV_USERNAME", "CALDAV_PASSWORD"):
        if not getattr(settings, name.lower()):
            raise ConfigError(f"{name} is required when CALDAV_URL is set")
