"""Settings.from_env (the only reader of the environment) and storage URL normalisation."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from booking.policy import Policy
from bot.cli import worker_count
from bot.settings import ConfigError, Settings
from storage.engine import normalise_url


def load(**env: str) -> Settings:
    """Settings from exactly these variables, ignoring any .env file."""
    return Settings.from_env(env, dotenv_path=None)


def test_defaults() -> None:
    settings = load()
    assert settings.database_url == "sqlite:///var/roombot.db"
    assert (settings.flask_env, settings.tz, settings.redis_url) == (
        "production",
        "Asia/Tokyo",
        None,
    )
    assert (settings.chat_history_ttl, settings.admins) == (86400, frozenset())
    assert not settings.is_development
    assert settings.policy() == Policy()


def test_redis_url_wins_over_parts() -> None:
    settings = load(REDIS_URL="redis://cache:6379/3", REDIS_HOST="other", REDIS_PORT="1")
    assert settings.redis_url == "redis://cache:6379/3"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"REDIS_HOST": "redis.local"}, "redis://redis.local:6379/0"),
        (
            {
                "REDIS_HOST": "r",
                "REDIS_PORT": "6380",
                "REDIS_DB": "2",
                "REDIS_PASSWORD": "p@ss/w:rd",
            },
            "redis://:p%40ss%2Fw%3Ard@r:6380/2",
        ),
        ({"REDIS_PORT": "6380", "REDIS_PASSWORD": "x"}, None),
        ({}, None),
    ],
    ids=["host-only", "all-parts", "no-host", "none"],
)
def test_redis_url_from_the_guides_parts(env: dict[str, str], expected: str | None) -> None:
    assert load(**env).redis_url == expected


def test_chat_history_ttl_is_parsed() -> None:
    assert load(CHAT_HISTORY_TTL=" 3600 ").chat_history_ttl == 3600


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "0"])
def test_bad_chat_history_ttl_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="CHAT_HISTORY_TTL"):
        load(CHAT_HISTORY_TTL=value)


def test_model_limits_default_to_a_cap_and_deadlines_and_are_read() -> None:
    defaults = load()
    assert (defaults.openai_timeout_seconds, defaults.assistant_turn_deadline_seconds) == (20, 25)
    assert (defaults.openai_max_tokens, defaults.openai_max_retries) == (512, 2)
    local = load(
        OPENAI_TIMEOUT_SECONDS="90",
        ASSISTANT_TURN_DEADLINE_SECONDS="120.5",
        OPENAI_MAX_TOKENS="256",
        OPENAI_MAX_RETRIES="0",
    )
    assert (local.openai_timeout_seconds, local.assistant_turn_deadline_seconds) == (90, 120.5)
    assert (local.openai_max_tokens, local.openai_max_retries) == (256, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("OPENAI_TIMEOUT_SECONDS", "0"),
        ("OPENAI_TIMEOUT_SECONDS", "soon"),
        ("ASSISTANT_TURN_DEADLINE_SECONDS", "-1"),
        ("OPENAI_MAX_TOKENS", "0"),
        ("OPENAI_MAX_TOKENS", "12.5"),
        ("OPENAI_MAX_RETRIES", "-1"),
        ("OPENAI_MAX_RETRIES", "11"),
    ],
)
def test_bad_model_limits_are_named(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load(**{name: value})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("JST", "Asia/Tokyo"), ("jst", "Asia/Tokyo"), (":Asia/Tokyo", "Asia/Tokyo"), ("UTC", "UTC")],
)
def test_tz_names(value: str, expected: str) -> None:
    assert load(TZ=value).tz == expected


@pytest.mark.parametrize("value", ["Mars/Olympus_Mons", "../etc/passwd", "JST+9"])
def test_unknown_tz_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="TZ"):
        load(TZ=value)


@pytest.mark.parametrize("value", ["7am-10pm", "07:00", "22:00-07:00"])
def test_malformed_business_hours_is_named(value: str) -> None:
    with pytest.raises(ConfigError, match="BUSINESS_HOURS"):
        load(BUSINESS_HOURS=value)


def test_policy_follows_the_settings() -> None:
    policy = load(
        BUSINESS_HOURS="24h",
        BOOKING_MAX_HOURS="2.5",
        BOOKING_WINDOW_DAYS="30",
        BOOKING_GRANULARITY_MINUTES="15",
        TZ="UTC",
    ).policy()
    assert policy.business_hours is None and str(policy.tz) == "UTC"
    assert (policy.max_duration, policy.booking_window) == (timedelta(hours=2.5), timedelta(30))
    assert policy.granularity_minutes == 15
    assert load(BUSINESS_HOURS="09:00-18:00").policy().business_hours == (time(9), time(18))


@pytest.mark.parametrize("value", ["inf", "1e12"])
def test_huge_max_hours_is_a_config_error(value: str) -> None:
    """Non-finite or absurdly large numbers are refused, naming the variable."""
    with pytest.raises(ConfigError, match="BOOKING_MAX_HOURS"):
        load(BOOKING_MAX_HOURS=value)


def test_huge_booking_window_is_a_config_error() -> None:
    """A window that would overflow timedelta is refused, naming the variable."""
    with pytest.raises(ConfigError, match="BOOKING_WINDOW_DAYS"):
        load(BOOKING_WINDOW_DAYS="99999999999")


def test_nan_max_hours_names_its_variable() -> None:
    """NaN is refused by the variable's own check, not blamed on BUSINESS_HOURS."""
    with pytest.raises(ConfigError, match="BOOKING_MAX_HOURS"):
        load(BOOKING_MAX_HOURS="nan")


def test_production_requires_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load().check_production()
    load(SECRET_KEY="s3cret").check_production()


@pytest.mark.parametrize("env_name", ["development", "dev", "Development"])
def test_development_needs_no_secret_key(env_name: str) -> None:
    settings = load(FLASK_ENV=env_name)
    assert settings.is_development
    settings.check_production()


def test_dotenv_is_read_but_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SECRET_KEY=from-file\nOPENAI_MODEL=file-model\nTZ=JST\n", encoding="utf-8")
    settings = Settings.from_env({"OPENAI_MODEL": "env-model"}, dotenv_path=str(dotenv))
    assert (settings.secret_key, settings.openai_model) == ("from-file", "env-model")
    assert settings.tz == "Asia/Tokyo"


def test_missing_dotenv_is_ignored(tmp_path: Path) -> None:
    settings = Settings.from_env({}, dotenv_path=str(tmp_path / "absent.env"))
    assert settings.secret_key is None


def test_admin_users_comma_or_space_separated() -> None:
    settings = load(ADMIN_USERS=" U1, U2 U3,,U4 ")
    assert settings.admins == frozenset({"slack:U1", "slack:U2", "slack:U3", "slack:U4"})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg2://u:p@h/db"),
        ("postgres://u:p@h:5432/db", "postgresql+psycopg2://u:p@h:5432/db"),
        ("postgresql+psycopg2://u:p@h/db", "postgresql+psycopg2://u:p@h/db"),
        ("postgresql+asyncpg://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("sqlite:///var/roombot.db", "sqlite:///var/roombot.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


TEAMS = {"TEAMS_APP_ID": "app-id", "TEAMS_APP_PASSWORD": "pw", "TEAMS_TENANT_ID": "tenant"}


@pytest.mark.parametrize(
    ("missing", "named"),
    [("TEAMS_APP_ID", "TEAMS_APP_ID"), ("TEAMS_APP_PASSWORD", "TEAMS_APP_PASSWORD"),
     ("TEAMS_TENANT_ID", "TEAMS_TENANT_ID")],
)  # fmt: skip
def test_teams_in_production_names_the_missing_variable_in_one_line(
    missing: str, named: str
) -> None:
    env = {k: v for k, v in TEAMS.items() if k != missing}
    settings = Settings.from_env(environ={"FLASK_ENV": "production", **env}, dotenv_path=None)
    with pytest.raises(ConfigError) as error:
        settings.check_teams()
    assert named in str(error.value) and "\n" not in str(error.value)


def test_teams_anonymous_is_refused_in_production_and_allowed_in_development() -> None:
    prod = Settings.from_env(environ={"TEAMS_ALLOW_ANONYMOUS": "1"}, dotenv_path=None)
    with pytest.raises(ConfigError, match="TEAMS_ALLOW_ANONYMOUS"):
        prod.check_teams()
    assert not prod.teams_enabled
    dev = Settings.from_env(
        environ={"TEAMS_ALLOW_ANONYMOUS": "1", "FLASK_ENV": "development"}, dotenv_path=None
    )
    dev.check_teams()
    assert dev.teams_anonymous and dev.teams_enabled


def test_teams_certificate_instead_of_password_and_default_address() -> None:
    env = {**TEAMS, "TEAMS_APP_PASSWORD": "", "TEAMS_CERTIFICATE_FILE": "/etc/roombot/bot.pfx"}
    settings = Settings.from_env(environ=env, dotenv_path=None)
    settings.check_teams()
    assert (settings.teams_host, settings.teams_port) == ("127.0.0.1", 3978)
    assert not settings.teams_anonymous and settings.teams_enabled


def test_teams_port_must_be_a_port() -> None:
    with pytest.raises(ConfigError, match="TEAMS_PORT"):
        Settings.from_env(environ={"TEAMS_PORT": "70000"}, dotenv_path=None)


def test_calendar_settings() -> None:
    settings = load()
    assert (settings.caldav_url, settings.ical_room_feeds) == (None, "public")
    assert not settings.caldav_enabled and settings.public_url == "http://localhost:8000"
    on = load(CALDAV_URL="https://dav.example.jp/", CALDAV_USERNAME="bot", CALDAV_PASSWORD="pw",
              ICAL_ROOM_FEEDS="Token", PUBLIC_URL="https://rooms.example.jp")  # fmt: skip
    assert on.caldav_enabled and on.ical_room_feeds == "token"
    assert on.public_url == "https://rooms.example.jp"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ICAL_ROOM_FEEDS": "private"}, "ICAL_ROOM_FEEDS"),
        ({"CALDAV_URL": "https://dav.example.jp/"}, "CALDAV_USERNAME"),
        ({"CALDAV_URL": "https://d/", "CALDAV_USERNAME": "bot"}, "CALDAV_PASSWORD"),
        (
            {"CALDAV_URL": "dav.example.jp", "CALDAV_USERNAME": "b", "CALDAV_PASSWORD": "p"},
            "CALDAV_URL",
        ),
        ({"PUBLIC_URL": "rooms.example.jp"}, "PUBLIC_URL"),
    ],
)
def test_bad_calendar_settings_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load(**env)


@pytest.mark.parametrize(
    "given",
    ["19:abc123@thread.tacv2",
     "https://teams.microsoft.com/l/channel/19%3aabc123%40thread.tacv2/General?groupId=g&tenantId=t"],
)  # fmt: skip
def test_teams_digest_channel_is_an_id_or_the_channels_link(given: str) -> None:
    env = {
        "TEAMS_DIGEST_CHANNEL": given,
        "TEAMS_SERVICE_URL": "https://smba.trafficmanager.net/jp/",
    }
    settings = Settings.from_env(environ=env, dotenv_path=None)
    assert settings.teams_digest_channel == "19:abc123@thread.tacv2"
    assert settings.teams_service_url == "https://smba.trafficmanager.net/jp/"


@pytest.mark.parametrize(
    ("env", "named"),
    [({"TEAMS_DIGEST_CHANNEL": "General"}, "TEAMS_DIGEST_CHANNEL"),
     ({"TEAMS_SERVICE_URL": "smba.trafficmanager.net"}, "TEAMS_SERVICE_URL")],
)  # fmt: skip
def test_bad_teams_digest_settings_are_named(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ=env, dotenv_path=None)


@pytest.mark.parametrize(
    ("env", "given", "expected"),
    [
        ({}, None, 1),  # in-process chat history: one worker, or conversations lose their thread
        ({"FLASK_ENV": "production", "API_TOKEN": "x"}, None, 1),
        ({"REDIS_URL": "redis://localhost:6379/0", "FLASK_ENV": "development"}, None, 2),
        ({"REDIS_URL": "redis://localhost:6379/0", "FLASK_ENV": "production"}, None, 9),
        ({}, 3, 3),  # --workers wins
    ],
)
def test_serve_runs_one_worker_unless_history_is_shared(
    env: dict[str, str], given: int | None, expected: int
) -> None:
    settings = Settings.from_env(environ=env, dotenv_path=None)
    assert worker_count(settings, given, cpus=4) == expected
