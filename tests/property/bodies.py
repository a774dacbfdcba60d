"""Hypothesis strategies for POST /api/reservations bodies: plausible, mutated and garbage.

Inputs that trip the known bugs (NUL characters, lone surrogates, the first and last dates
Python can represent) are kept out of the main strategies and pinned by the xfail tests in
test_api_properties.py; when a bug is fixed, widen the strategy here as well.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from storage.rooms_file import load_rooms
from tests.conftest import NOW, ROOMS_FILE

ROOM_KEYS = [
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "会議室A",
    "Room B",
    "さくら",
    " 3 ",
    "booth",
    "大会議室",
]
UNKNOWN_ROOMS = ["99", "0", "-1", "会議室Z", "Room Z", "1; DROP TABLE rooms", "x" * 100_000]
KNOWN_NAMES = {
    name.casefold() for r in load_rooms(ROOMS_FILE) for name in (r.id, r.name, *r.aliases)
}
BAD_DATES = ["2025-13-01", "2025-02-30", "29/09/2025", "2025-9-29", "２０２５-09-29", "0000-01-01",
             "10000-01-01", "2025-09-29T10:00", "tomorrow", "明日", "2025_09_29"]  # fmt: skip
BAD_TIMES = ["24:01", "25:61", "25:00", "12:60", "7", "7pm", "noon", "14.00", "14:0", "-1:00",
             "14:00:60", "14:00:00:00", "午後2時", "1400"]  # fmt: skip
ODD_TIMES = ["24:00", "00:00", "9:05", "09:05:00", " 10:00 ", "23:59:59", "１４:００"]
FIELDS = ("room-id", "date", "start-time", "end-time", "title", "owner")

# No NUL and no lone surrogates in the main strategies: test_api_known_bugs.py pins those inputs.
safe_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]))
huge_text = st.builds(
    lambda c, n: c * n, st.sampled_from(["x", "予", "🙂"]), st.integers(201, 20_000)
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    safe_text,
)
any_json = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(safe_text, inner, max_size=3),
    max_leaves=6,
)


def hhmm(minutes: int) -> str:
    """'HH:MM' for minutes after midnight (24:00 for 1440)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def room_answers(value: str) -> bool:
    """True when a room id, name or alias matches (case-insensitive, trimmed)."""
    return value.strip().casefold() in KNOWN_NAMES


def valid_date(value: str) -> bool:
    """True when Python itself can read the text as a date (conservative for 'must refuse')."""
    try:
        date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def valid_time(value: str) -> bool:
    """True when the text could be read as a time of day (any digits, trimmed)."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value.strip())
    if not match:
        return False
    hour, minute, second = (int(g or 0) for g in match.groups())
    return (hour, minute, second) == (24, 0, 0) or (hour < 24 and minute < 60 and second < 60)


plausible_dates = st.integers(-1, 92).map(lambda d: (NOW.date() + timedelta(days=d)).isoformat())
near_dates = st.integers(1, 2).map(lambda d: (NOW.date() + timedelta(days=d)).isoformat())
any_dates = st.dates(date(1, 1, 2), date(9999, 12, 30)).map(date.isoformat)
bad_dates = st.one_of(st.sampled_from(BAD_DATES), safe_text.filter(lambda s: not valid_date(s)))
bad_times = st.one_of(st.sampled_from(BAD_TIMES), safe_text.filter(lambda s: not valid_time(s)))
bad_rooms = st.one_of(
    st.sampled_from(UNKNOWN_ROOMS), safe_text.filter(lambda s: s.strip() and not room_answers(s))
)


@st.composite
def plausible_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed body, mostly near NOW and on the grid: many 201s, some 400s and 409s."""
    usual = draw(st.integers(0, 4)) > 0
    start = draw(st.integers(7 * 60, 20 * 60) if usual else st.integers(6 * 60, 23 * 60)) // 5 * 5
    lengths = [30, 60, 60, 90, 120, 240] if usual else [5, 245, 0, -30, 23 * 60]
    length = draw(st.sampled_from(lengths))
    if draw(st.integers(0, 9)) == 0:
        start += draw(st.integers(1, 4))  # off the 5-minute grid
    body: dict[str, Any] = {
        "room-id": draw(st.sampled_from(ROOM_KEYS)),
        "date": draw(st.one_of(near_dates, near_dates, plausible_dates)),
        "start-time": hhmm(start),
        "end-time": hhmm(max(0, min(start + length, 24 * 60))),
    }
    if draw(st.booleans()):
        body["title"] = draw(
            st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
        )
    if draw(st.booleans()):
        body["owner"] = draw(st.sampled_from(["U1", "U2", "api", "山田"]))
    return body


def bad_value(field: str) -> st.SearchStrategy[Any]:
    """A value the field must refuse, whatever the other fields say."""
    wrong_type = st.one_of(
        st.booleans(),
        st.floats(),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(safe_text, st.integers(), max_size=2),
    )
    if field == "room-id":
        return st.one_of(bad_rooms, wrong_type)
    if field == "date":
        return st.one_of(bad_dates.filter(lambda s: s.strip()), st.integers(), wrong_type)
    if field in ("start-time", "end-time"):
        return st.one_of(bad_times.filter(lambda s: s.strip()), st.integers(), wrong_type)
    limit = 200 if field == "title" else 100
    too_long = st.builds(lambda n: "t" * n, st.integers(limit + 1, limit + 50))
    return st.one_of(
        too_long, huge_text, st.integers(), st.booleans(), st.lists(st.integers(), max_size=2)
    )


@st.composite
def one_field_wrong(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A plausible body with exactly one field missing or refused; returns (body, field)."""
    body, field = draw(plausible_bodies()), draw(st.sampled_from(FIELDS))
    if field in ("room-id", "date", "start-time", "end-time") and draw(st.booleans()):
        choice = draw(st.sampled_from(["missing", "null", "blank"]))
        if choice == "missing":
            del body[field]
        else:
            body[field] = None if choice == "null" else draw(st.sampled_from(["", "  ", "\t"]))
    else:
        body[field] = draw(bad_value(field))
    return body, field


@st.composite
def garbage_bodies(draw: st.DrawFn) -> Any:
    """Any JSON at all, or the four fields with values of any type and shape."""
    if draw(st.booleans()):
        return draw(any_json)
    values = st.one_of(
        json_scalars,
        any_json,
        huge_text,
        any_dates,
        st.sampled_from(ODD_TIMES + BAD_TIMES + BAD_DATES),
    )
    return {f: draw(values) for f in FIELDS if draw(st.integers(0, 4))}
