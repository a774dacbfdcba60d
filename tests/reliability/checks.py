"""What the fault suite asserts about the database and about what users are told."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, exc, text

from bot.conversation import i18n as messages
from bot.conversation.i18n import TEXTS as SLACK_TEXTS
from tests.e2e.conftest import add_reservation

EXCLUSION = "reservations_no_overlap"
# Lines the bot may use to tell a person that something failed, in Japanese and English.
POLITE_FAILURES = frozenset(
    [
        *(messages.TEXTS[key][lang] for key in ("database_down", "internal", "model_failed",
          "timeout", "too_many_steps") for lang in ("ja", "en")),
        *(text for key in ("error", "unavailable") for text in SLACK_TEXTS.get(key, {}).values()),
    ]
)  # fmt: skip
AFTER_BOOKING = tuple(messages.TEXTS["failed_after_booking"].values())


def is_polite_failure(reply: str) -> bool:
    """True for one of the bot's fixed apologies (or the one naming what was booked)."""
    return reply in POLITE_FAILURES or reply.startswith(AFTER_BOOKING)


def scalar(engine: Engine, sql: str) -> object:
    """One value from a query."""
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def active_count(engine: Engine) -> int:
    """How many active reservations exist."""
    return int(str(scalar(engine, "SELECT count(*) FROM reservations WHERE active")))


def assert_database_consistent(engine: Engine) -> None:
    """No reservation without its room, no overlap, the exclusion constraint valid and in force."""
    orphans = scalar(
        engine,
        "SELECT count(*) FROM reservations r LEFT JOIN rooms m ON m.id = r.room_id "
        "WHERE m.id IS NULL",
    )
    assert orphans == 0, f"{orphans} reservations point at no room"
    overlaps = scalar(
        engine,
        "SELECT count(*) FROM reservations a JOIN reservations b ON a.room_id = b.room_id "
        "AND a.id < b.id AND a.active AND b.active "
        "AND tstzrange(a.start_at, a.end_at, '[)') && tstzrange(b.start_at, b.end_at, '[)')",
    )
    assert overlaps == 0, f"{overlaps} pairs of active reservations overlap"
    kind = scalar(
        engine,
        f"SELECT contype::text || ':' || convalidated::text FROM pg_constraint "
        f"WHERE conname = '{EXCLUSION}'",
    )
    assert kind == "x:true", f"exclusion constraint {EXCLUSION} is {kind!r}"
    invalid = scalar(
        engine,
        "SELECT count(*) FROM pg_index WHERE indrelid = 'reservations'::regclass "
        "AND NOT indisvalid",
    )
    assert invalid == 0, "an index of reservations is invalid"


def assert_overlap_refused(engine: Engine, room: str, start: datetime, end: datetime) -> None:
    """The database itself refuses a row overlapping an active reservation."""
    with pytest.raises(exc.IntegrityError, match=EXCLUSION):
        add_reservation(engine, room, "U-direct", start, end, "bypassing the service")
