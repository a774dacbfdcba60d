"""The offline assistant's language understanding, in Japanese and English."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from booking.clock import JST
from booking.model import Room
from bot.conversation.offline.understand import Understood, detect_language, understand
from storage.rooms_file import load_rooms
from tests.conftest import ROOMS_FILE

NOW = datetime(2025, 9, 26, 9, 0, tzinfo=JST)  # a Friday morning
ROOMS = load_rooms(ROOMS_FILE)

# text, intent, room id, day, start, end time, capacity, equipment
CASES: list[tuple[str, str, str | None, str | None, str | None, str | None, int | None, tuple]] = [
    # Japanese: booking
    ("明日の14時から1時間、6人で使える部屋を予約して", "book", None, "2025-09-27", "14:00", "15:00", 6, ()),
    ("明日会議室Aを予約して", "book", "1", "2025-09-27", None, None, None, ()),
    ("14時から1時間予約したい", "book", None, "2025-09-26", "14:00", "15:00", None, ()),
    ("来週月曜の午後2時から4時まで会議室Cを押さえて", "book", "3", "2025-09-29", "14:00", "16:00", None, ()),
    ("１４時半から３０分、ふじを予約", "book", "3", "2025-09-26", "14:30", "15:00", None, ()),
    ("今日の14時30分から15時まで大会議室を予約したいです", "book", "4", "2025-09-26", "14:30", "15:00", None, ()),
    ("午前10時から11時まで会議室Bを予約したい", "book", "2", "2025-09-26", "10:00", "11:00", None, ()),
    ("明後日の正午から90分、応接室を取って", "book", "5", "2025-09-28", "12:00", "13:30", None, ()),
    ("６人で来週水曜１０時〜１１時半、プロジェクターとマイクがある部屋を予約したい", "book", None, "2025-10-01", "10:00", "11:30", 6, ("projector", "microphone")),
    ("B会議室を明日3時から4時まで押さえてください", "book", "2", "2025-09-27", "15:00", "16:00", None, ()),
    ("明日14時〜15時 さくら 予約", "book", "1", "2025-09-27", "14:00", "15:00", None, ()),
    ("12月3日の10時から12時までもみじを予約お願いします", "book", "2", "2025-12-03", "10:00", "12:00", None, ()),
    ("2025年10月10日 13:00〜14:00 フォンブースを予約", "book", "6", "2025-10-10", "13:00", "14:00", None, ()),
    ("9/1の10時から1時間半 会議室1を予約して", "book", "1", "2026-09-01", "10:00", "11:30", None, ()),
    ("今週金曜15時から2時間、おおぞらを確保して", "book", "4", "2025-09-26", "15:00", "17:00", None, ()),
    ("月曜日の9時から10時まで会議室3を押さえたい", "book", "3", "2025-09-29", "09:00", "10:00", None, ()),
    ("金曜の16時から30分ブースを予約", "book", "6", "2025-09-26", "16:00", "16:30", None, ()),
    ("明日１０時から１１時、８名でホワイトボードのある部屋を予約したいです", "book", None, "2025-09-27", "10:00", "11:00", 8, ("whiteboard",)),
    ("あした朝9時から1時間会議室Aを取りたい", "book", "1", "2025-09-27", "09:00", "10:00", None, ()),
    ("４人で明日の１３時から会議室を押さえて", "book", None, "2025-09-27", "13:00", None, 4, ()),
    ("午後3時から1時間、スピーカーフォンとディスプレイのある部屋を予約", "book", None, "2025-09-26", "15:00", "16:00", None, ("monitor", "speakerphone")),
    ("来週火曜10時〜12時 大会議室 20名 予約したい", "book", "4", "2025-09-30", "10:00", "12:00", 20, ()),
    ("夕方5時から30分だけ会議室2を使いたい", "book", "2", "2025-09-26", "17:00", "17:30", None, ()),
    ("再来週の水曜10時から会議室Cを予約", "book", "3", "2025-10-08", "10:00", None, None, ()),
    ("空いている部屋を予約して", "book", None, None, None, None, None, ()),
    # Japanese: free rooms, schedules, my reservations, cancel, help
    ("明日空いてる部屋ある？", "free", None, "2025-09-27", None, None, None, ()),
    ("今日の15時から空いている部屋はありますか", "free", None, "2025-09-26", "15:00", None, None, ()),
    ("明日14時から16時まで、10人でプロジェクターが使える空き部屋を教えて", "free", None, "2025-09-27", "14:00", "16:00", 10, ("projector",)),
    ("会議室Aの今日の予定", "schedule", "1", "2025-09-26", None, None, None, ()),
    ("明日の予約状況を教えて", "schedule", None, "2025-09-27", None, None, None, ()),
    ("今日のスケジュール", "schedule", None, "2025-09-26", None, None, None, ()),
    ("私の予約を見せて", "mine", None, None, None, None, None, ()),
    ("自分の予約一覧", "mine", None, None, None, None, None, ()),
    ("予約12をキャンセルして", "cancel", None, None, None, None, None, ()),
    ("明日の会議室Bの予約を取り消して", "cancel", "2", "2025-09-27", None, None, None, ()),
    ("ヘルプ", "help", None, None, None, None, None, ()),
    ("使い方を教えて", "help", None, None, None, None, None, ()),
    ("こんにちは", "unknown", None, None, None, None, None, ()),
    ("モニターとウェブカメラがある部屋", "unknown", None, None, None, None, None, ("monitor", "webcam")),
    ("明日13時から14時半まで応接で", "unknown", "5", "2025-09-27", "13:00", "14:30", None, ()),
    # English: booking
    ("book a room", "book", None, None, None, None, None, ()),
    ("Book room A tomorrow from 2pm to 3pm", "book", "1", "2025-09-27", "14:00", "15:00", None, ()),
    ("Can I book Room B on Dec 3 2-3pm?", "book", "2", "2025-12-03", "14:00", "15:00", None, ()),
    ("reserve the boardroom for 2 hours this Friday at noon", "book", "4", "2025-09-26", "12:00", "14:00", None, ()),
    ('book "weekly sync" in Momiji next Friday 11am-1', "book", "2", "2025-10-03", "11:00", "13:00", None, ()),
    ("book Sakura Monday 2:30pm for 30 min", "book", "1", "2025-09-29", "14:30", "15:00", None, ()),
    ("2025-12-03 13:00-14:00 book Fuji", "book", "3", "2025-12-03", "13:00", "14:00", None, ()),
    ("Please reserve the guest room on 3rd of December at 10 o'clock for an hour", "book", "5", "2025-12-03", "10:00", "11:00", None, ()),
    ("book a 6-person room with a monitor and speakerphone tomorrow at 1:30pm for 45 minutes", "book", None, "2025-09-27", "13:30", "14:15", 6, ("monitor", "speakerphone")),
    ("Reserve room C for 10 people tomorrow 9am-12pm", "book", "3", "2025-09-27", "09:00", "12:00", 10, ()),
    ("Could you book the phone booth for me next Monday from 9:30am to 10:15am?", "book", "6", "2025-09-29", "09:30", "10:15", None, ()),
    ("I need a room for 4 people tomorrow at 3pm for 1.5 hours", "book", None, "2025-09-27", "15:00", "16:30", 4, ()),
    ("book room 1 tomorrow 10:00-11:00", "book", "1", "2025-09-27", "10:00", "11:00", None, ()),
    ("book a room at 2pm for 1h", "book", None, "2025-09-26", "14:00", "15:00", None, ()),
    ("reserve Large Room on Oct 10 from 1pm to 3pm for 12", "book", "4", "2025-10-10", "13:00", "15:00", 12, ()),
    ("hold Room C for 8 persons this Friday 4pm-5pm", "book", "3", "2025-09-26", "16:00", "17:00", 8, ()),
    ("grab the booth tomorrow 10-10:30am", "book", "6", "2025-09-27", "10:00", "10:30", None, ()),
    ("book a room with a whiteboard and a webcam for 6 the day after tomorrow 9am to 10am", "book", None, "2025-09-28", "09:00", "10:00", 6, ("whiteboard", "webcam")),
    ("Book A room for 2pm-3pm today", "book", "1", "2025-09-26", "14:00", "15:00", None, ()),
    ("book room a at noon for 30 minutes", "book", "1", "2025-09-26", "12:00", "12:30", None, ()),
    ("book Ozora with a mic and camera at 10:00 tomorrow for 90 min", "book", "4", "2025-09-27", "10:00", "11:30", None, ("webcam", "microphone")),
    ("ＢＯＯＫ ＲＯＯＭ Ｃ ＴＯＭＯＲＲＯＷ ２ＰＭ–３ＰＭ", "book", "3", "2025-09-27", "14:00", "15:00", None, ()),
    ("pls book room B 2025-10-06 from 10am for an hour and a half", "book", "2", "2025-10-06", "10:00", "11:30", None, ()),
    # English: free rooms, schedules, my reservations, cancel, help
    ("Any room free tomorrow at 10am for 8 people with a projector?", "free", None, "2025-09-27", "10:00", None, 8, ("projector",)),
    ("Is room B free at 4pm?", "free", "2", "2025-09-26", "16:00", None, None, ()),
    ("which rooms are available tomorrow afternoon?", "free", None, "2025-09-27", None, None, None, ()),
    ("Are there any free rooms at 11am?", "free", None, "2025-09-26", "11:00", None, None, ()),
    ("Is there a room with a projector for 12 on Dec 1 between 2 and 4pm?", "free", None, "2025-12-01", "14:00", "16:00", 12, ("projector",)),
    ("what's booked in room A today?", "schedule", "1", "2025-09-26", None, None, None, ()),
    ("show today's schedule", "schedule", None, "2025-09-26", None, None, None, ()),
    ("Show me the bookings for Room B tomorrow", "schedule", "2", "2025-09-27", None, None, None, ()),
    ("show my bookings", "mine", None, None, None, None, None, ()),
    ("what did I book?", "mine", None, None, None, None, None, ()),
    ("cancel #12", "cancel", None, None, None, None, None, ()),
    ("please cancel booking 34", "cancel", None, None, None, None, None, ()),
    ("cancel my 3pm meeting in Room C tomorrow", "cancel", "3", "2025-09-27", "15:00", None, None, ()),
    ("help", "help", None, None, None, None, None, ()),
    ("What can you do?", "help", None, None, None, None, None, ()),
    ("hello there", "unknown", None, None, None, None, None, ()),
    ("A room for 6 tomorrow at 3pm", "unknown", None, "2025-09-27", "15:00", None, 6, ()),
    ("tomorrow 14:00-15:00 Room A", "unknown", "1", "2025-09-27", "14:00", "15:00", None, ()),
]  # fmt: skip


def _day(text: str | None) -> date | None:
    """A date from ISO text."""
    return date.fromisoformat(text) if text else None


def _time(text: str | None) -> time | None:
    """A time from HH:MM text."""
    return time.fromisoformat(text) if text else None


def test_the_table_is_large_and_bilingual() -> None:
    languages = [detect_language(case[0]) for case in CASES]
    assert len(CASES) >= 70
    assert languages.count("ja") >= 35 and languages.count("en") >= 35


@pytest.mark.parametrize(
    ("text", "intent", "room", "day", "start", "end", "capacity", "equipment"), CASES
)
def test_understands(
    text: str,
    intent: str,
    room: str | None,
    day: str | None,
    start: str | None,
    end: str | None,
    capacity: int | None,
    equipment: tuple[str, ...],
) -> None:
    heard = understand(text, NOW, ROOMS)
    got = (heard.intent, heard.room_id, heard.day, heard.start, heard.end_time())
    assert got == (intent, room, _day(day), _time(start), _time(end))
    assert (heard.capacity, heard.equipment) == (capacity, equipment)


def test_the_design_example() -> None:
    heard = understand("明日の14時から1時間、6人で使える部屋を予約して", NOW, ROOMS)
    assert heard == Understood(
        intent="book",
        lang="ja",
        day=date(2025, 9, 27),
        start=time(14),
        duration=timedelta(hours=1),
        capacity=6,
        day_said=True,
    )
    assert heard.end_time() == time(15)
    assert heard.missing_for_booking() == ["room"]


@pytest.mark.parametrize(
    ("text", "missing"),
    [
        ("明日会議室Aを予約して", ["start", "end"]),
        ("14時から1時間予約したい", ["room"]),
        ("book a room", ["day", "start", "end", "room"]),
        ("Book room A tomorrow at 2pm", ["end"]),
        ("会議室Bを15時まで使いたい", ["day", "start"]),
        ("reserve Fuji tomorrow", ["start", "end"]),
        ("来週月曜に会議室Cで1時間", ["start", "end"]),
        ("book room C from 10am to 11am", []),
        ("明日の10時から会議室2", ["end"]),
        ("6人で明日使える部屋を予約して", ["start", "end", "room"]),
    ],
)
def test_missing_for_booking_lists_what_to_ask(text: str, missing: list[str]) -> None:
    assert understand(text, NOW, ROOMS).missing_for_booking() == missing


def test_a_start_time_without_a_day_means_today_but_nothing_else_does() -> None:
    assert understand("予約したい 14時から", NOW, ROOMS).day == date(2025, 9, 26)
    assert understand("8時から会議室A", NOW, ROOMS).day == date(2025, 9, 26)  # past: policy says so
    assert understand("会議室Aを1時間", NOW, ROOMS).day is None
    assert understand("15時まで会議室A", NOW, ROOMS).day is None


def test_today_is_the_japanese_date_of_now() -> None:
    late_utc = datetime(2025, 9, 26, 20, 0, tzinfo=UTC)  # 05:00 on the 27th in Tokyo
    assert understand("今日の10時から", late_utc, ROOMS).day == date(2025, 9, 27)


@pytest.mark.parametrize(
    ("text", "reservation_id"),
    [
        ("cancel #12", 12),
        ("予約12をキャンセルして", 12),
        ("予約番号 5 を取り消し", 5),
        ("cancel reservation 7", 7),
        ("please cancel booking #34", 34),
        ("cancel my 3pm booking", None),
        ("明日14時の予約をキャンセル", None),
    ],
)
def test_reservation_ids(text: str, reservation_id: int | None) -> None:
    heard = understand(text, NOW, ROOMS)
    assert (heard.intent, heard.reservation_id) == ("cancel", reservation_id)


@pytest.mark.parametrize(
    ("text", "title", "start"),
    [
        ("明日14時から会議室Aで「定例会議」を予約", "定例会議", time(14)),
        ('book Room B at 3pm for "weekly sync"', "weekly sync", time(15)),
        ("『1on1』を明日10時から", "1on1", time(10)),
        ("「14時の件」で会議室Cを予約して", "14時の件", None),
        ("book room A at 2pm", None, time(14)),
    ],
)
def test_titles_are_quoted_and_never_parsed(text: str, title: str | None, start: time) -> None:
    heard = understand(text, NOW, ROOMS)
    assert (heard.title, heard.start) == (title, start)


@pytest.mark.parametrize(
    ("text", "start", "end", "duration"),
    [
        ("14時30分から", time(14, 30), None, None),
        ("午後2時", time(14), None, None),
        ("午前3時", time(3), None, None),
        ("3時から", time(15), None, None),
        ("2:30pm", time(14, 30), None, None),
        ("12am", time(0), None, None),
        ("正午", time(12), None, None),
        ("10時から12時まで", time(10), time(12), None),
        ("14:00〜15:00", time(14), time(15), None),
        ("from 2 to 3pm", time(14), time(15), None),
        ("11-1pm", time(11), time(13), None),
        ("14〜15時", time(14), time(15), None),
        ("1時間30分", None, None, timedelta(minutes=90)),
        ("half an hour", None, None, timedelta(minutes=30)),
        ("2 hours", None, None, timedelta(hours=2)),
        ("book room A at 3", None, None, None),
        ("2-3 people", None, None, None),
    ],
)
def test_times_and_durations(
    text: str, start: time | None, end: time | None, duration: timedelta | None
) -> None:
    heard = understand(text, NOW, ROOMS)
    assert (heard.start, heard.end, heard.duration) == (start, end, duration)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("本日", date(2025, 9, 26)),
        ("あさって", date(2025, 9, 28)),
        ("this Friday", date(2025, 9, 26)),
        ("next Monday", date(2025, 9, 29)),
        ("Saturday", date(2025, 9, 27)),
        ("今週月曜", date(2025, 9, 22)),
        ("9月1日", date(2026, 9, 1)),
        ("2025-09-01", date(2025, 9, 1)),
        ("2/30", None),
        ("1 Dec", date(2025, 12, 1)),
    ],
)
def test_days(text: str, day: date | None) -> None:
    assert understand(text, NOW, ROOMS).day == day


def test_the_longest_room_name_wins() -> None:
    rooms = [
        Room(id="x", name="Annex", capacity=4, aliases=("A",)),
        Room(id="y", name="会議室A", capacity=4),
    ]
    assert understand("会議室Aを予約", NOW, rooms).room_id == "y"
    assert understand("Aを予約", NOW, rooms).room_id == "x"


@pytest.mark.parametrize(
    ("text", "room_id"),
    [
        ("a room at 10am", None),
        ("I need a room", None),
        ("book it at 1pm for 1 hour for 1 person", None),
        ("cancel reservation 3", None),
        ("1号室", "1"),
        ("room 2", "2"),
        ("momiji", "2"),
        ("Sakuraba", None),
    ],
)
def test_short_room_names_need_context(text: str, room_id: str | None) -> None:
    assert understand(text, NOW, ROOMS).room_id == room_id


def test_end_time_prefers_the_explicit_end_and_stops_at_midnight() -> None:
    both = Understood("book", "en", start=time(10), end=time(11), duration=timedelta(hours=3))
    late = Understood("book", "en", start=time(23), duration=timedelta(hours=2))
    assert both.end_time() == time(11)
    assert late.end_time() is None
    assert Understood("book", "en", duration=timedelta(hours=1)).end_time() is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("明日会議室Aを予約して", "ja"),
        ("カメラ", "ja"),
        ("ｶﾒﾗ", "ja"),
        ("１４時", "ja"),
        ("book room A", "en"),
        ("ｂｏｏｋ ａ ｒｏｏｍ", "en"),
        ("14:00-15:00", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_pathological_input_is_read_quickly_and_harmlessly() -> None:
    heard = understand("「" * 20000 + " " * 20000 + "1-" * 5000, NOW, ROOMS)
    assert (heard.intent, heard.start, heard.room_id) == ("unknown", None, None)
