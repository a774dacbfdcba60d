"""The composition root adds the calendar jobs to the scheduler only when CalDAV is configured."""

from __future__ import annotations

from pathlib import Path

from bot.container import build
from bot.settings import Settings
from bot.web import has_jobs


def names(settings: Settings) -> list[str]:
    """The scheduler's job names for these settings."""
    container = build(settings)
    try:
        return [name for name, _ in container.scheduler().jobs]
    finally:
        container.engine.dispose()


def test_calendar_jobs_run_with_caldav_alone_and_next_to_slacks(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'w.db'}"
    caldav = {
        "caldav_url": "http://127.0.0.1:9/",
        "caldav_username": "bot",
        "caldav_password": "pw",
    }
    calendar_only = Settings(database_url=db, **caldav)  # type: ignore[arg-type]
    assert names(calendar_only) == ["calendar_push", "calendar_pull", "calendar_prune"]
    both = Settings(database_url=db, slack_bot_token="xoxb-1", **caldav)  # type: ignore[arg-type]
    assert names(both)[-3:] == ["calendar_push", "calendar_pull", "calendar_prune"]
    assert "reminders" in names(both)
    slack_only = names(Settings(database_url=db, slack_bot_token="xoxb-1"))
    assert "calendar_push" not in slack_only and slack_only[-1] == "calendar_outbox_prune"
    assert "calendar_outbox_prune" not in names(both)  # the push prunes what it delivered
    container = build(Settings(database_url=db))
    assert not has_jobs(container) and container.calendars is None
    container.engine.dispose()


def test_teams_alone_gets_the_booking_jobs_without_slacks_lost_replies(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    teams = Settings(database_url=db, flask_env="development", teams_allow_anonymous=True)
    jobs = names(teams)
    assert {"reminders", "digest", "notices", "waitlist"} <= set(jobs)
    assert "lost_replies" not in jobs and "lost_replies" in names(
        Settings(database_url=db, slack_bot_token="xoxb-1")
    )
    container = build(teams)
    assert has_jobs(container)
    container.engine.dispose()
