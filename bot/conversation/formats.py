"""How dates, times, rooms, equipment and reservations read, on every surface and in every reply.

Japanese: 「12月2日(水) 14:00〜15:00」, lists with 、or ・, full-width （）; the year only when it
is not this year. English: "Wed, Dec 2, 14:00–15:00". One place, so every reply agrees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import Reservation, Room
from booking.rules import Series
from bot.conversation.i18n import t

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
EQUIPMENT = {
    "monitor": ("モニター", "monitor"),
    "projector": ("プロジェクター", "projector"),
    "whiteboard": ("ホワイトボード", "whiteboard"),
    "webcam": ("Webカメラ", "webcam"),
    "speakerphone": ("スピーカーフォン", "speakerphone"),
    "microphone": ("マイク", "microphone"),
}


def day_text(d: date, lang: str, today: date | None = None) -> str:
    """'12月2日(水)' / 'Wed, Dec 2' (with the year when it is not this year's)."""
    other_year = today is not None and d.year != today.year
    if lang == "en":
        text = f"{WEEKDAYS_EN[d.weekday()]}, {MONTHS_EN[d.month - 1]} {d.day}"
        return f"{text}, {d.year}" if other_year else text
    text = f"{d.month}月{d.day}日({WEEKDAYS_JA[d.weekday()]})"
    return f"{d.year}年{text}" if other_year else text


def span_text(start: time, end: time, lang: str) -> str:
    """'14:00〜15:00' / '14:00–15:00'."""
    return f"{start:%H:%M}{'–' if lang == 'en' else '〜'}{end:%H:%M}"


def when(start: datetime, end: datetime, tz: ZoneInfo, lang: str, today: date | None = None) -> str:
    """'12月2日(水) 14:00〜15:00' / 'Wed, Dec 2, 14:00–15:00' in the office's zone."""
    s, e = local(start, tz), local(end, tz)
    sep = ", " if lang == "en" else " "
    return f"{day_text(s.date(), lang, today)}{sep}{span_text(s.time(), e.time(), lang)}"


def span(r: Reservation, tz: ZoneInfo, lang: str = "ja") -> str:
    """A reservation's local times: '14:00〜15:00' / '14:00–15:00'."""
    return span_text(local(r.start, tz).time(), local(r.end, tz).time(), lang)


def slot_text(
    room_id: str, start: datetime, end: datetime, rooms: Mapping[str, Room], tz: ZoneInfo,
    lang: str,
) -> str:  # fmt: skip
    """'会議室A 12月2日(水) 14:00〜15:00' / 'Room A, Wed, Dec 2, 14:00–15:00' (no booking yet)."""
    sep = ", " if lang == "en" else " "
    return f"{room_name(room_id, rooms, lang)}{sep}{when(start, end, tz, lang)}"


def room_name(room_id: str, rooms: Mapping[str, Room], lang: str) -> str:
    """A room's display name in the language (never its id unless the room is unknown)."""
    room = rooms.get(room_id)
    return room.label(lang) if room else room_id


def title_text(title: str, lang: str) -> str:
    """A meeting title quoted the way each language quotes: 「定例」 / “Weekly”."""
    if not title:
        return ""
    return f" “{title}”" if lang == "en" else f"「{title}」"


def describe(
    r: Reservation, rooms: Mapping[str, Room], tz: ZoneInfo, lang: str = "ja",
    today: date | None = None,
) -> str:  # fmt: skip
    """'#12 会議室A 12月2日(水) 14:00〜15:00「定例」' / '#12 Room A, Wed, Dec 2, 14:00–15:00'."""
    room = room_name(r.room_id, rooms, lang)
    sep = ", " if lang == "en" else " "
    text = f"#{r.id} {room}{sep}{when(r.start, r.end, tz, lang, today)}{title_text(r.title, lang)}"
    return text + status_text(r.status, lang)


def status_text(status: str, lang: str) -> str:
    """'（承認待ち）' / ' (pending approval)' for a booking not yet confirmed; '' otherwise."""
    if status not in ("pending", "held"):
        return ""
    words = t(f"status_{status}", lang)
    return f" ({words})" if lang == "en" else f"（{words}）"


def equipment_text(names: Iterable[str], lang: str) -> str:
    """'プロジェクター・ホワイトボード' / 'projector, whiteboard' (unknown names as they are)."""
    index = 1 if lang == "en" else 0
    words = [EQUIPMENT.get(n.lower(), (n, n))[index] for n in names]
    return (", " if lang == "en" else "・").join(words)


def join(items: Iterable[str], lang: str) -> str:
    """A list in running text: 'A、B' / 'A, B'."""
    return (", " if lang == "en" else "、").join(items)


def people(n: int, lang: str) -> str:
    """'6人' / '6 people' / '1 person'."""
    if lang != "en":
        return f"{n}人"
    return "1 person" if n == 1 else f"{n} people"


def paren(text: str, lang: str) -> str:
    """Text in brackets: full-width in Japanese （…）, ' (…)' in English."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def repeat_text(series: Series, tz: ZoneInfo, lang: str) -> str:
    """'毎週月曜' / 'every Mon', '毎日' / 'daily', '平日毎日' / 'every weekday'."""
    if series.repeat == "weekly":
        wd = local(series.first.start, tz).weekday()
        return t("repeat_weekly", lang, weekday=(WEEKDAYS_EN if lang == "en" else WEEKDAYS_JA)[wd])
    return t("repeat_weekdays" if series.weekdays_only else "repeat_daily", lang)
