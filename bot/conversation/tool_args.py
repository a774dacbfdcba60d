"""Argument models of the assistant's tools: the single source of their JSON schemas.

No model has a user id: the acting user always comes from the verified request.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MAX_ID = 2**31 - 1


class Args(BaseModel):
    """Base of every tool's arguments: unknown fields are refused, dates and times kept sane."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _sane(cls, value: object) -> object:
        if isinstance(value, dt.date) and not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(f"dates must be between {FIRST_DAY} and {LAST_DAY}")
        if isinstance(value, dt.time) and value.tzinfo is not None:
            raise ValueError("give the time without an offset: times are Japan time")
        return value


class TimeRange(Args):
    """A JST date with a start and either an end or a duration."""

    date: dt.date = Field(description="Day in Japan time, YYYY-MM-DD.")
    start_time: dt.time = Field(description="Start, HH:MM (24-hour, Japan time).")
    end_time: dt.time | None = Field(None, description="End, HH:MM. Give this or duration_minutes.")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60, description="Length in minutes.")

    @model_validator(mode="after")
    def _needs_end(self) -> TimeRange:
        if (self.end_time is None) == (self.duration_minutes is None):
            raise ValueError("give exactly one of end_time or duration_minutes")
        return self

    def end_delta(self) -> dt.timedelta:
        """The end as an offset from midnight of `date` (an end at 00:00 means next midnight)."""
        if self.duration_minutes is not None:
            start = dt.timedelta(hours=self.start_time.hour, minutes=self.start_time.minute)
            return start + dt.timedelta(minutes=self.duration_minutes)
        assert self.end_time is not None
        end = dt.timedelta(hours=self.end_time.hour, minutes=self.end_time.minute)
        return end if end > dt.timedelta(0) else dt.timedelta(days=1)


class ListRooms(Args):
    """List every room with capacity and equipment."""


class FindFreeRooms(TimeRange):
    """Find rooms free for a time range, optionally with a minimum capacity and equipment."""

    capacity: int | None = Field(None, ge=1, le=500, description="People who must fit.")
    equipment: list[str] = Field(default_factory=list, description="e.g. projector, webcam.")


class GetSchedule(Args):
    """A day's reservations and free gaps, for every room or one room."""

    date: dt.date = Field(description="Day in Japan time, YYYY-MM-DD.")
    room: str | None = Field(None, description="Room id, name or alias; omit for all rooms.")


class CreateReservation(TimeRange):
    """Book a room for the current user."""

    room: str = Field(description="Room id, name or alias, exactly as the user or a tool gave it.")
    title: str = Field("", max_length=200, description="Meeting title, if the user gave one.")
    attendees: int | None = Field(
        None, ge=1, le=500, description="How many people will meet, if the user said."
    )


class CancelReservation(Args):
    """Cancel one of the current user's reservations."""

    reservation_id: int = Field(ge=1, le=MAX_ID)


class ListMyReservations(Args):
    """The current user's upcoming reservations."""


class ChangeReservation(Args):
    """Move, extend or re-room one of the current user's reservations."""

    reservation_id: int = Field(ge=1, le=MAX_ID)
    date: dt.date | None = Field(None, description="New day (YYYY-MM-DD); omit to keep.")
    start_time: dt.time | None = Field(None, description="New start HH:MM; omit to keep.")
    end_time: dt.time | None = Field(None, description="New end HH:MM; omit to keep.")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    room: str | None = Field(None, description="New room; omit to keep.")


class BookSeries(CreateReservation):
    """Book the same slot daily or weekly, N times; conflicts are reported with alternatives."""

    frequency: Literal["daily", "weekly"]
    count: int = Field(ge=1, le=20, description="Number of occurrences, the first on `date`.")
    weekdays_only: bool = Field(True, description="For daily series: skip Saturdays and Sundays.")


class JoinWaitlist(CreateReservation):
    """Put the current user on the waitlist of a taken slot (first come, first served): when it
    frees up, the slot is held for them for a few minutes and they get a message to take it."""


class GetSeries(Args):
    """One repeating booking of the current user: its rule and every date with its id and status
    (to move one date, use change_reservation with that date's id)."""

    series_id: int = Field(ge=1, le=MAX_ID)


class CancelSeries(Args):
    """Cancel dates of a repeating booking: one date, that date and the following ones, or all."""

    series_id: int = Field(ge=1, le=MAX_ID)
    scope: Literal["this", "following", "all"]
    date: dt.date | None = Field(None, description="The date (YYYY-MM-DD) for this / following.")
