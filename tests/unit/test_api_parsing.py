"""parse_new_reservation: the guide's JSON body becomes JST instants, or names the bad field."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest

from booking.clock import JST
from bot.api.errors import InvalidInput
from bot.api.parsing import parse_new_reservation, parse_time

GUIDE_BODY = {"room-id": "1", "date": "2025-09-29", "start-time": "14:00", "end-time": "15:00"}
FIELDS = ("room-id", "date", "start-time", "end-time")


def body(**changes: Any) -> dict[str, Any]:
    """The guide's body with some fields replaced (keys use _ for -)."""
    return {**GUIDE_BODY, **{k.replace("_", "-"): v for k, v in changes.items()}}


def bad_field(payload: Any) -> str | None:
    """The field named by the InvalidInput that parsing raises."""
    with pytest.raises(InvalidInput) as info:
        parse_new_reservation(payload, JST)
    assert info.value.code == "invalid_input"
    assert info.value.message.startswith(f"{info.value.field}: ")
    return info.value.field


def test_guide_body_gives_jst_instants() -> None:
    parsed = parse_new_reservation(dict(GUIDE_BODY), JST)
    assert parsed.room == "1"
    assert parsed.start == datetime(2025, 9, 29, 14, tzinfo=JST)
    assert parsed.end == datetime(2025, 9, 29, 15, tzinfo=JST)
    assert parsed.start.astimezone(UTC) == datetime(2025, 9, 29, 5, tzinfo=UTC)
    assert (parsed.title, parsed.owner) == ("", None)


def test_other_zone_is_honoured() -> None:
    assert parse_new_reservation(body(), UTC).start == datetime(2025, 9, 29, 14, tzinfo=UTC)


def test_integer_room_id_is_accepted() -> None:
    assert parse_new_reservation(body(room_id=1), JST).room == "1"


def test_values_are_stripped_and_short_hours_accepted() -> None:
    parsed = parse_new_reservation(
        body(room_id=" 会議室A ", start_time=" 9:05 ", title=" 定例 ", owner=" U1 "), JST
    )
    assert (parsed.room, parsed.title, parsed.owner) == ("会議室A", "定例", "U1")
    assert parsed.start == datetime(2025, 9, 29, 9, 5, tzinfo=JST)


@pytest.mark.parametrize("field", FIELDS)
def test_missing_field_is_named(field: str) -> None:
    payload = dict(GUIDE_BODY)
    del payload[field]
    assert bad_field(payload) == field


@pytest.mark.parametrize("value", [None, "", "   "], ids=["null", "empty", "blank"])
@pytest.mark.parametrize("field", FIELDS)
def test_blank_field_is_named(field: str, value: str | None) -> None:
    assert bad_field({**GUIDE_BODY, field: value}) == field


@pytest.mark.parametrize("value", [1.5, True, ["14:00"], {"h": 14}], ids=str)
@pytest.mark.parametrize("field", FIELDS)
def test_wrong_typed_field_is_named(field: str, value: object) -> None:
    assert bad_field({**GUIDE_BODY, field: value}) == field


@pytest.mark.parametrize(
    "value", ["2025-13-01", "2025/09/29", "29-09-2025", "2025-02-30", "2025-9-29", 20250929]
)
def test_malformed_date_is_named(value: object) -> None:
    assert bad_field(body(date=value)) == "date"


@pytest.mark.parametrize("value", ["25:00", "14:60", "2pm", "", "24:30", "14", "14:00:61"])
@pytest.mark.parametrize("field", ["start-time", "end-time"])
def test_malformed_time_is_named(field: str, value: str) -> None:
    assert bad_field({**GUIDE_BODY, field: value}) == field


@pytest.mark.parametrize("value", ["25:00", "14:60", "2pm", ""])
def test_parse_time_names_the_field_it_was_given(value: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_time(value, "end-time")
    assert info.value.field == "end-time"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("00:00", time(0)), ("9:30", time(9, 30)), ("23:59:30", time(23, 59, 30))],
)
def test_parse_time_accepts(text: str, expected: time) -> None:
    assert parse_time(text, "start-time") == expected


def test_end_24_00_means_the_next_midnight() -> None:
    parsed = parse_new_reservation(body(start_time="21:00", end_time="24:00"), JST)
    assert parsed.end == datetime(2025, 9, 30, 0, 0, tzinfo=JST)
    assert parsed.end - parsed.start == datetime(2025, 9, 30) - datetime(2025, 9, 29, 21)


def test_whole_day_00_00_to_24_00_ends_at_the_next_midnight() -> None:
    """An end at midnight always means the midnight after the start day."""
    parsed = parse_new_reservation(body(start_time="00:00", end_time="24:00"), JST)
    assert parsed.end == datetime(2025, 9, 30, 0, 0, tzinfo=JST)


def test_title_length_is_bounded() -> None:
    assert parse_new_reservation(body(title="会" * 200), JST).title == "会" * 200
    assert bad_field(body(title="会" * 201)) == "title"
    assert bad_field(body(title=42)) == "title"


def test_owner_length_is_bounded() -> None:
    assert bad_field(body(owner="U" * 101)) == "owner"


@pytest.mark.parametrize("payload", [None, [], ["room-id", "1"], "room-id=1", 1])
def test_non_object_body_names_body(payload: object) -> None:
    assert bad_field(payload) == "body"
