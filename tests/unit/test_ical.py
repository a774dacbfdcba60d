"""The iCalendar text the bot writes, and what it reads from and writes to others' events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import recurring_ical_events

from booking.calendar import event_for, series_events
from booking.clock import JST
from booking.model import Reservation, Room, TimeSlot
from booking.rules import Repeat, Series
from bot.calendar import foreign, ical

ROOM = Room("1", "会議室A", 4, floor="3F", name_en="Room A")
START = datetime(2030, 1, 8, 10, 0, tzinfo=JST)


def reservation(title: str = "", **changes: object) -> Reservation:
    """A saved reservation of room 1."""
    made = Reservation("1", "slack:U1", TimeSlot(START, START + timedelta(hours=1)), title, id=7,
                       created_at=datetime(2030, 1, 1, tzinfo=UTC))  # fmt: skip
    for name, value in changes.items():
        setattr(made, name, value)
    return made


def parsed(*rs: Reservation) -> icalendar.Calendar:
    """The calendar text of reservations, parsed back."""
    return icalendar.Calendar.from_ical(ical.calendar([event_for(r, ROOM) for r in rs], JST, "A"))


def test_a_long_japanese_title_with_separators_round_trips_through_folding() -> None:
    title = "第3回 全社キックオフ; 企画, 営業, 開発\n(オンライン併用) " + "あ" * 60
    text = ical.calendar([event_for(reservation(title), ROOM)], JST)
    lines = text.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75 and len(lines) > 20
    text.decode("utf-8")  # folding never splits a character
    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(event["SUMMARY"]) == title


def test_the_event_carries_the_required_properties_in_japan_time() -> None:
    cal = parsed(reservation("定例", sequence=3, updated_at=datetime(2030, 1, 2, tzinfo=UTC)))
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Asia/Tokyo"
    [event] = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo" and event["DTSTART"].dt == START
    assert event["DTEND"].dt == START + timedelta(hours=1)
    assert str(event["UID"]) == "roombot-7@roombot" and int(event["SEQUENCE"]) == 3
    assert event["LAST-MODIFIED"].dt == datetime(2030, 1, 2, tzinfo=UTC)
    assert str(event["LOCATION"]) == "会議室A (Room A) · 3F" and str(event["STATUS"]) == "CONFIRMED"
    assert event["ORGANIZER"].params["CN"] == "U1"


def test_a_cancelled_reservation_is_status_cancelled_and_free_time() -> None:
    [event] = parsed(reservation(active=False)).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["SUMMARY"]) == "会議室A"


def test_recurring_ical_events_expands_the_feed() -> None:
    other = reservation(
        "翌日", id=8, slot=TimeSlot(START + timedelta(days=1), START + timedelta(days=1, hours=1))
    )
    found = recurring_ical_events.of(parsed(reservation("初日"), other)).between(
        START, START + timedelta(days=3)
    )
    assert [str(e["SUMMARY"]) for e in sorted(found, key=lambda e: e["DTSTART"].dt)] == [
        "初日",
        "翌日",
    ]


OUTLOOK = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Microsoft Corporation//Outlook 16.0//EN\r
BEGIN:VTIMEZONE\r
TZID:Tokyo Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T000000\r
TZOFFSETFROM:+0900\r
TZOFFSETTO:+0900\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:040000008200E00074C5B7101A82E008\r
DTSTAMP:20300101T000000Z\r
DTSTART;TZID=Tokyo Standard Time:20300108T140000\r
DTEND;TZID=Tokyo Standard Time:20300108T150000\r
SUMMARY:営業会議\r
DESCRIPTION:議題は別途\r
ORGANIZER;CN=Hanako:mailto:hanako@example.com\r
ATTENDEE;CN=Taro:mailto:taro@example.com\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.mark.parametrize(
    ("repeat", "weekdays_only", "first_day"),
    [("daily", True, 11), ("daily", True, 12), ("daily", False, 11), ("weekly", False, 8)],
)
def test_a_series_rule_expands_to_exactly_the_planned_dates(
    repeat: Repeat, weekdays_only: bool, first_day: int
) -> None:
    """RRULE (BYDAY for weekdays only) and EXDATE give back the dates the series holds."""
    start = datetime(2030, 1, first_day, 10, 0, tzinfo=JST)  # the 11th is a Friday
    plan = Series("1", "slack:U1", TimeSlot(start, start + timedelta(hours=1)), repeat, 9,
                  "定例", weekdays_only, id=3)  # fmt: skip
    slots = plan.slots(JST)
    dates = [
        Reservation("1", "slack:U1", slot, "定例", id=10 + n, series_id=3, occurrence=n)
        for n, slot in enumerate(slots)
        if n != 4  # the fifth date clashed: never booked
    ]
    text = ical.calendar(series_events(plan, dates, dates, {"1": ROOM}, JST), JST)
    cal = icalendar.Calendar.from_ical(text)
    found = recurring_ical_events.of(cal).between(
        start - timedelta(days=1), start + timedelta(days=80)
    )
    assert sorted(e["DTSTART"].dt for e in found) == [
        s.start for n, s in enumerate(slots) if n != 4
    ]
    assert len(cal.walk("VEVENT")) == 1  # no override: every held date is what the rule says


def test_an_outlook_event_is_read_with_its_organizer_and_times() -> None:
    event = foreign.parse("x.ics", OUTLOOK, JST)
    assert event is not None and event.uid == "040000008200E00074C5B7101A82E008"
    assert event.start == datetime(2030, 1, 8, 14, 0, tzinfo=JST)
    assert event.end == datetime(2030, 1, 8, 15, 0, tzinfo=JST)
    assert (event.summary, event.organizer_email) == ("営業会議", "hanako@example.com")
    assert not (event.cancelled or event.recurring or event.declined_by_bot)


def test_all_day_and_repeating_events_are_recognised() -> None:
    all_day = OUTLOOK.replace(
        "DTSTART;TZID=Tokyo Standard Time:20300108T140000", "DTSTART;VALUE=DATE:20300108"
    )
    all_day = all_day.replace(
        "DTEND;TZID=Tokyo Standard Time:20300108T150000", "DTEND;VALUE=DATE:20300109"
    )
    assert foreign.parse("a.ics", all_day, JST).start is None  # type: ignore[union-attr]
    weekly = OUTLOOK.replace("SUMMARY:", "RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:")
    assert foreign.parse("w.ics", weekly, JST).recurring  # type: ignore[union-attr]
    assert foreign.parse("n.ics", "not a calendar", JST) is None


def test_a_decline_keeps_the_organizers_data_and_an_accept_takes_the_marks_away() -> None:
    declined = foreign.decline(
        OUTLOOK, "会議室A はその時間すでに予約されています。\nRoom A is already booked."
    )
    seen = foreign.parse("x.ics", declined, JST)
    assert (
        seen is not None and seen.cancelled and seen.declined_by_bot and seen.summary == "営業会議"
    )
    [event] = icalendar.Calendar.from_ical(declined).walk("VEVENT")
    assert str(event["SUMMARY"]) == "[辞退 Declined] 営業会議"
    assert str(event["DESCRIPTION"]).startswith(
        "会議室A はその時間すでに予約されています。\nRoom A"
    )
    assert str(event["DESCRIPTION"]).endswith("議題は別途") and "ATTENDEE" in event
    assert int(event["SEQUENCE"]) == 1
    moved = reservation(
        "営業会議", slot=TimeSlot(START + timedelta(hours=5), START + timedelta(hours=6))
    )
    accepted = foreign.accept(declined, event_for(moved, ROOM), JST)
    [event] = icalendar.Calendar.from_ical(accepted).walk("VEVENT")
    assert (str(event["SUMMARY"]), str(event["DESCRIPTION"])) == ("営業会議", "議題は別途")
    assert str(event["STATUS"]) == "CONFIRMED" and "X-ROOMBOT-DECLINED" not in event
    assert event["DTSTART"].dt == START + timedelta(hours=5) and int(event["SEQUENCE"]) == 2
