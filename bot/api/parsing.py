"""Turn JSON request bodies and query strings into domain values, naming the bad field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from booking.clock import at
from bot.api.errors import InvalidInput

TIME_RE = re.compile(r"^([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\Z")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # beyond: not a booking, and no overflow


@dataclass(frozen=True)
class NewReservation:
    """A validated POST /api/reservations body."""

    room: str
    start: datetime
    end: datetime
    title: str
    owner: str | None
    party_size: int | None = None


def parse_new_reservation(body: Any, tz: ZoneInfo) -> NewReservation:
    """Validate the guide's body: room-id, date, start-time, end-time (+ title, owner)."""
    if not isinstance(body, dict):
        raise InvalidInput("body", "send a JSON object.", "JSON オブジェクトを送ってください。")
    room = required(body, "room-id")
    day = parse_date(required(body, "date"), "date")
    start = parse_time(required(body, "start-time"), "start-time", allow_24=False)
    end = parse_time(required(body, "end-time"), "end-time")
    end_day = day + timedelta(days=1) if end == time(0) else day  # 24:00 / 00:00 = next midnight
    return NewReservation(
        room=room,
        start=at(day, start, tz),
        end=at(end_day, end, tz),
        title=optional(body, "title", 200) or "",
        owner=optional(body, "owner", 100),
        party_size=optional_count(body, "attendees"),
    )


def optional_count(body: dict[str, Any], name: str, top: int = 500) -> int | None:
    """An optional whole number of people, 1 to `top`."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise InvalidInput(
            name, f"must be a whole number from 1 to {top}.", f"1〜{top}の整数で指定してください。"
        )
    return value


def required(body: dict[str, Any], name: str) -> str:
    """A required string (numbers are accepted and stringified, as in 'room-id': 1)."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(name, "is required.", "必須項目です。")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidInput(name, "must be a string.", "文字列で指定してください。")
    return clean_text(str(value), name).strip()


def clean_text(value: str, name: str) -> str:
    """Refuse control characters and unpaired surrogates (databases refuse them too)."""
    if CONTROL.search(value) or SURROGATE.search(value):
        raise InvalidInput(
            name, "contains characters that are not allowed.", "使用できない文字が含まれています。"
        )
    return value


def optional(body: dict[str, Any], name: str, max_length: int) -> str | None:
    """An optional string of bounded length."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(name, "must be a string.", "文字列で指定してください。")
    clean_text(value, name)
    if len(value) > max_length:
        raise InvalidInput(
            name, f"must be at most {max_length} characters.", f"{max_length}文字以内です。"
        )
    return value.strip() or None


def parse_date(text: str, name: str = "date") -> date:
    """A calendar date written YYYY-MM-DD."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise ValueError
        day = date.fromisoformat(text)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError
        return day
    except ValueError:
        raise InvalidInput(
            name,
            f"{text!r} is not a valid date; use YYYY-MM-DD (e.g. 2025-09-29).",
            f"「{text}」は日付として正しくありません。YYYY-MM-DD 形式で指定してください。",
        ) from None


def parse_time(text: str, name: str, allow_24: bool = True) -> time:
    """A wall-clock time written HH:MM (an end of 24:00 means the following midnight)."""
    match = TIME_RE.match(text)
    hour, minute, second = (int(g or 0) for g in match.groups()) if match else (99, 0, 0)
    if (hour, minute, second) == (24, 0, 0) and allow_24:
        return time(0)
    if hour > 23 or minute > 59 or second > 59:
        raise InvalidInput(
            name,
            f"{text!r} is not a valid time; use HH:MM (e.g. 14:00).",
            f"「{text}」は時刻として正しくありません。HH:MM 形式で指定してください（例: 14:00）。",
        )
    return time(hour, minute, second)
