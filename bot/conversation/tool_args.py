"""Argument models of the assistant's tools: the single source of their JSON schemas.

No model has a user id: the acting user always comes from the verified request. The schema a
model server reads is made lean (`parameters`): every byte is prefilled on every request, and
on a CPU server the first request's size is most of a turn's wait.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
MAX_ID = 2**31 - 1
HH_MM = "^([01][0-9]|2[0-3]):[0-5][0-9]$"
BOUNDS = ("minimum", "maximum", "maxLength")
SHOWN_BOUNDS = {"count"}  # a series' length is a rule the model plans with


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

    date: dt.date
    start_time: dt.time
    end_time: dt.time | None = Field(None, description="HH:MM, or duration_minutes")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)

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
    """Every room: seats, equipment, floor."""


class FindFreeRooms(TimeRange):
    """Free rooms for a time range, optionally by seats and equipment."""

    capacity: int | None = Field(None, ge=1, le=500)
    equipment: list[str] = Field(default_factory=list, description="e.g. projector")


class GetSchedule(Args):
    """A day's reservations and free gaps, all rooms or one."""

    date: dt.date
    room: str | None = Field(None, description="omit for all rooms")


class CreateReservation(TimeRange):
    """Book a room for the current user."""

    room: str = Field(description="id, name or alias")
    title: str = Field("", max_length=200, description="if the user gave one")
    attendees: int | None = Field(None, ge=1, le=500, description="if said")


class CancelReservation(Args):
    """Cancel a reservation of the user."""

    reservation_id: int = Field(ge=1, le=MAX_ID)


class ListMyReservations(Args):
    """The user's upcoming reservations."""


class ChangeReservation(Args):
    """Move, extend or re-room a reservation of the user: give what changes."""

    reservation_id: int = Field(ge=1, le=MAX_ID)
    date: dt.date | None = None
    start_time: dt.time | None = None
    end_time: dt.time | None = Field(None, description="HH:MM")
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    room: str | None = None


class BookSeries(TimeRange):
    """Book a slot daily or weekly, count times."""

    room: str = Field(description="id, name or alias")
    title: str = Field("", max_length=200)

    frequency: Literal["daily", "weekly"]
    count: int = Field(ge=1, le=20, description="occurrences, the first on date")
    weekdays_only: bool = Field(True, description="daily: skip weekends")


class JoinWaitlist(TimeRange):
    """Wait for a taken slot: held for the user when it frees."""

    room: str = Field(description="id, name or alias")
    title: str = Field("", max_length=200)


class GetSeries(Args):
    """One of the user's series: its dates, ids and statuses."""

    series_id: int = Field(ge=1, le=MAX_ID)


class CancelSeries(Args):
    """Cancel a series' date, it and the following ones, or all."""

    series_id: int = Field(ge=1, le=MAX_ID)
    scope: Literal["this", "following", "all"]
    date: dt.date | None = Field(None, description="for this / following")


def parameters(model: type[Args]) -> dict[str, Any]:
    """The model's JSON schema without titles, null branches and empty defaults.

    The validation stays the model's own (it still accepts null for an optional field). A time
    is a HH:MM pattern, not JSON Schema's `format: time`, which is HH:MM:SS with an offset: a
    server that turns the schema into a grammar (llama.cpp) would force an offset the tools refuse.
    """
    schema = model.model_json_schema()
    for key in ("title", "description"):  # the tool's description already says what it does
        schema.pop(key, None)
    properties = schema.get("properties", {}).items()
    schema["properties"] = {k: _lean(k, v) for k, v in properties}
    return schema


def _lean(name: str, prop: dict[str, Any]) -> dict[str, Any]:
    """One property's schema, lean: sanity bounds (ids, lengths) are left to the validation,
    whose error tells the model; only the bounds it should plan with are shown."""
    lean = {k: v for k, v in prop.items() if k not in ("title", "anyOf")}
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1:
        lean = {**branches[0], **lean}
    elif branches:
        lean["anyOf"] = branches
    if name not in SHOWN_BOUNDS:
        lean = {k: v for k, v in lean.items() if k not in BOUNDS}
    if "default" in lean and lean["default"] in (None, ""):
        del lean["default"]
    if lean.get("format") == "time":
        del lean["format"]
        if name != "end_time":  # an end's form is in its description (the start shows it)
            lean["pattern"] = HH_MM
    return lean
