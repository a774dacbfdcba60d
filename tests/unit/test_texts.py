"""Every kind of message, rendered in both languages, against reviewed text; and a style check.

The golden file holds what a reviewer read and approved. After a deliberate change, regenerate it
with `UPDATE_GOLDEN=1 make unit` and read the diff before committing. The style check runs over
every Japanese template and every rendered Japanese message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from booking.clock import JST, at
from booking.errors import (
    AlreadyCancelled,
    AlreadyDecided,
    BookingError,
    NotApprover,
    NotOwner,
    NotSeriesOwner,
    OfferLapsed,
    ReservationNotFound,
    RoomNotFound,
    SeriesDateNotFound,
    SeriesNotFound,
    SlotFree,
    SlotTaken,
    WaitNotFound,
)
from booking.model import Reservation, TimeSlot
from booking.policy import Policy
from booking.rules import Series
from booking.services import RoomDay
from bot.conversation.formats import describe, slot_text
from bot.conversation.i18n import TEXTS, t
from bot.slack import blocks, home_blocks, rule_blocks
from tests.unit.test_offline_assistant import ME, ROOMS, SOMEONE, Desk

GOLDEN = Path(__file__).parent / "golden" / "texts.txt"
NOW = datetime(2025, 9, 26, 9, 0, tzinfo=JST)
TUE = date(2025, 9, 27)
BY_ID = {r.id: r for r in ROOMS}


def booking(
    room: str, start: int, end: int, owner: str = "slack:U0ME", rid: int = 12, title: str = ""
) -> Reservation:
    """A stored reservation tomorrow."""
    slot = TimeSlot(at(TUE, time(start)), at(TUE, time(end))).in_utc()
    return Reservation(room, owner, slot, title=title, id=rid)


def conversation(lang: str) -> list[tuple[str, str]]:
    """The offline assistant's replies for each kind of request."""
    ja = lang == "ja"
    requests = {
        "booked": "明日の14時から1時間、会議室Aを予約して"
        if ja
        else "book Room A tomorrow 2pm for an hour",
        "conflict": "明日の10時から1時間、会議室Bを6人で予約して"
        if ja
        else "book Room B for 6 tomorrow 10-11am",
        "ask": "会議室Aを予約して" if ja else "book Room A",
        "pick_room": "明日14時から1時間、6人で予約したい"
        if ja
        else "book a room for 6 tomorrow 2-3pm",
        "confirm": "明日 15時〜16時 会議室C" if ja else "Room C tomorrow 3-4pm",
        "window": "明日の午後、プロジェクターのある部屋は空いてる？"
        if ja
        else "any room with a projector free tomorrow afternoon?",
        "schedule": "明日の予約状況" if ja else "tomorrow's schedule",
        "mine": "私の予約" if ja else "my bookings",
        "series_ask": "毎週月曜10時から1時間、会議室Aを予約して"
        if ja
        else "book Room A every Monday 10am for an hour",
        "help": "こんにちは" if ja else "hello",
    }
    out = []
    for kind, text in requests.items():
        desk = Desk(
            booking("2", 10, 11, owner=SOMEONE, rid=1),
            booking("3", 9, 10, owner=ME, rid=2, title="定例"),
        )
        out.append((kind, desk.say(text).text))
    return out


def errors(lang: str) -> list[tuple[str, str]]:
    """Each domain error and each broken rule, as the user reads it."""
    policy = Policy()
    cases: dict[str, BookingError] = {
        "room_not_found": RoomNotFound("会議室Z"), "reservation_not_found": ReservationNotFound(99),
        "slot_taken": SlotTaken("1", 3, "会議室A", "Room A"), "not_owner": NotOwner(12),
        "already_cancelled": AlreadyCancelled(12),
        "not_approver": NotApprover(12), "already_decided": AlreadyDecided(12, "approved", "u"),
        "slot_free": SlotFree("1", "会議室A", "Room A"), "offer_lapsed": OfferLapsed(12),
        "series_not_found": SeriesNotFound(3), "series_date_not_found": SeriesDateNotFound(3, TUE),
        "not_series_owner": NotSeriesOwner(3), "wait_not_found": WaitNotFound(4),
    }  # fmt: skip
    rules = {
        "in_past": (at(date(2025, 9, 26), time(8)), at(date(2025, 9, 26), time(8, 30))),
        "too_long": (at(TUE, time(9)), at(TUE, time(15))),
        "off_granularity": (at(TUE, time(9, 3)), at(TUE, time(10))),
        "outside_hours": (at(TUE, time(21)), at(TUE, time(23))),
        "too_far_ahead": (at(date(2026, 1, 5), time(9)), at(date(2026, 1, 5), time(10))),
        "end_before_start": (at(TUE, time(10)), at(TUE, time(9))),
    }
    for name, (start, end) in rules.items():
        try:
            policy.validate(_unchecked(start, end), NOW)
        except BookingError as error:
            cases[name] = error
    return [(k, e.message if lang == "en" else e.message_ja) for k, e in cases.items()]


def _unchecked(start: datetime, end: datetime) -> TimeSlot:
    """A slot built without TimeSlot's own order check (to reach the policy's message)."""
    slot = object.__new__(TimeSlot)
    object.__setattr__(slot, "start", start)
    object.__setattr__(slot, "end", end)
    return slot


def slack(lang: str) -> list[tuple[str, str]]:
    """Slack's messages, flattened to the text a person reads."""
    tz = JST
    mine = [booking("1", 14, 15, title="定例"), booking("3", 16, 17, rid=13)]
    days = [RoomDay(BY_ID["1"], mine[:1], []), RoomDay(BY_ID["2"], [], [])]
    return [
        ("schedule", flat(blocks.schedule(days, TUE, tz, lang))),
        ("rooms", flat(blocks.rooms_list(ROOMS[:2], {"1"}, lang))),
        ("my_bookings", flat(home_blocks.my_bookings(mine, BY_ID, tz, lang))),
        ("home", flat(home_blocks.home(mine, days, BY_ID, TUE, tz, lang)["blocks"])),
        ("reminder", flat(blocks.reminder_blocks(mine[0], BY_ID, tz, lang))),
        ("digest", t("digest", lang)),
        ("no_show", t("no_show", lang, minutes=10, what=describe(mine[0], BY_ID, tz, lang))),
        ("cancelled", t("cancelled", lang, what=describe(mine[0], BY_ID, tz, lang))),
    ]


def flat(rendered: list[dict[str, object]]) -> str:
    """Every text a person sees in Block Kit, in order (buttons in brackets)."""
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "button":
                texts.append(f"[{node['text']['text']}]")  # type: ignore[index]
                return
            if node.get("type") in ("mrkdwn", "plain_text"):
                texts.append(str(node["text"]))
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(rendered)
    return "\n".join(texts)


def rules(lang: str) -> list[tuple[str, str]]:
    """Approvals, the waitlist and series as people read them in Slack."""
    tz, boss = JST, "slack:UBOSS"
    pending = replace(booking("5", 14, 15, owner="slack:U1", title="来客"), status="pending")
    held = replace(booking("1", 10, 11, owner="slack:U2", rid=13), status="held")
    first = booking("3", 9, 10, rid=20, title="定例")
    weekly = Series("3", ME, first.slot, "weekly", 3, "定例", id=7)
    dates = [replace(first, id=20 + k, slot=TimeSlot(first.start + timedelta(days=7 * k),
                                                     first.end + timedelta(days=7 * k)),
                     series_id=7, occurrence=k) for k in range(3)]  # fmt: skip
    what = describe(pending, BY_ID, tz, lang)
    decided = [
        (o, pending.with_status(status, pending.start))
        for o, status in (("approved", "active"), ("rejected", "rejected"), ("expired", "expired"))
    ]
    return [
        ("requested", t("requested", lang, what=what)),
        ("approval_request", flat(rule_blocks.approval_request(pending, BY_ID, tz, lang))),
        *[(f"decided_{o}", rule_blocks.decided_text(settled, o, boss, BY_ID, tz, lang))
          for o, settled in decided],
        *[(f"told_{o}", rule_blocks.result_text(settled, o, boss, BY_ID, tz, lang))
          for o, settled in decided],
        ("offer", flat(rule_blocks.offer(held, held.start - timedelta(minutes=50), BY_ID, tz,
                                         lang))),
        ("waitlisted", t("waitlisted", lang, what=slot_text("1", held.start, held.end, BY_ID, tz,
                                                             lang))
         + t("waitlisted_ahead", lang, n=2)),
        ("schedule_pending", flat(blocks.schedule([RoomDay(BY_ID["5"], [pending], [])], TUE, tz, lang))),
        ("my_bookings_series", flat(home_blocks.my_bookings([held, *dates], BY_ID, tz, lang, series={7: weekly}))),
        ("series_question", flat(rule_blocks.series_question(7, TUE, lang))),
        ("series_cancelled", t("series_cancelled", lang, n=2, what=describe(dates[1], BY_ID, tz, lang))),
        ("series_nothing", t("series_nothing", lang)),
    ]  # fmt: skip


SOURCES: dict[str, Callable[[str], list[tuple[str, str]]]] = {
    "conversation": conversation, "error": errors, "slack": slack, "rules": rules,
}  # fmt: skip


def render_all() -> str:
    """The whole golden text: every message kind in Japanese, then in English."""
    parts = []
    for lang in ("ja", "en"):
        for source, render in SOURCES.items():
            for kind, text in render(lang):
                parts.append(f"=== {lang} {source} {kind}\n{text}\n")
    return "\n".join(parts)


def test_every_message_reads_as_reviewed() -> None:
    """The rendered messages equal the reviewed golden text."""
    rendered = render_all()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


# ---- the style check ------------------------------------------------------------------------

RULES = {
    "an ISO date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "a room id": re.compile(r"会議室 \d|\(id |（id "),
    "「ください？」": re.compile(r"ください[?？]"),
    "an ASCII list comma": re.compile(r"[^\x00-\x7f], |, [^\x00-\x7f]"),
    "an untranslated equipment word": re.compile(r"(?i)\b(?:monitor|projector|whiteboard|webcam|speakerphone|microphone)\b"),
    "a space before a particle": re.compile(r"[^\s`]\s+[はがをにでとのへもや](?![A-Za-z0-9])"),
    "half-width brackets": re.compile(r"[ぁ-んァ-ン一-龥]\s?\((?![A-Za-z]+\))|\)[ぁ-んァ-ン一-龥]"),
}  # fmt: skip


def offences(text: str) -> list[str]:
    """The style rules a Japanese text breaks (code spans `…` are exempt)."""
    prose = re.sub(r"`[^`]*`", "`…`", text)
    prose = re.sub(r"日\([月火水木金土日]\)", "日", prose)  # 12月2日(水) is the house date format
    return [name for name, rule in RULES.items() if rule.search(prose)]


def japanese_texts() -> list[tuple[str, str]]:
    """Every Japanese template, and every rendered Japanese message."""
    templates = [(f"template {k}", v["ja"]) for k, v in TEXTS.items()]
    rendered = [(f"{s} {k}", text) for s, render in SOURCES.items() for k, text in render("ja")]
    return templates + rendered


def test_japanese_texts_follow_the_house_style() -> None:
    """No ISO dates, room ids, 「ください？」, ASCII list commas, English equipment, stray spaces."""
    broken = {name: offences(text) for name, text in japanese_texts()}
    assert {k: v for k, v in broken.items() if v} == {}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("予約: 2025-09-29 14:00", "an ISO date"),
        ("会議室 5 を予約しました", "a room id"),
        ("日付を教えてください？", "「ください？」"),
        ("会議室A, 会議室B", "an ASCII list comma"),
        ("projector に空いている部屋", "an untranslated equipment word"),
        ("会議室A は空いています", "a space before a particle"),
    ],
)
def test_the_style_check_catches_each_offence(text: str, rule: str) -> None:
    """Each rule fires on an example of what it forbids (the check can fail)."""
    assert rule in offences(text)


def test_the_golden_text_covers_every_kind_in_both_languages() -> None:
    """Both languages, every source, nothing empty."""
    rendered = render_all()
    for lang in ("ja", "en"):
        for source, render in SOURCES.items():
            for kind, text in render(lang):
                assert text.strip() and f"=== {lang} {source} {kind}\n" in rendered
