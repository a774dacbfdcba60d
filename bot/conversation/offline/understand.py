"""Understand common room-booking requests in Japanese and English without an LLM.

Pure: no I/O and no clock reads; `now` is passed in. Rules for the ambiguous cases:

- Intent precedence: wait ('空いたら知らせて', 'キャンセル待ち', 'notify me if it frees up')
  > cancel > mine > "which rooms can I book" (free) > book > free > schedule
  > help > unknown. Fields are filled whatever the intent.
- A missing day defaults to today (JST) only when the text gives a start time; otherwise it
  stays None and `missing_for_booking()` asks for it. A past time today is not rolled over.
- Without am/pm (午前/午後), 1-6 o'clock means the afternoon (office hours): 3時 is 15:00.
  A bare number with no 時, ':' or am/pm is not a time, except as one end of a range whose
  other end is a time ('2-3pm', '14〜15時').
- 今週X / this X is that weekday of the current Monday-Sunday week (even if already past);
  来週X / next X is the weekday of next week; a bare weekday is its next occurrence, today
  included. A date without a year that has passed rolls into next year.
- Rooms: the longest id, name or alias found wins (ties: the earliest). A one- or two-character
  ASCII alias ('A', '1') needs context: 'room A', '会議室A', 'A room', '1号室'; a bare capital
  letter also counts ('Aを予約'), except 'A' opening a sentence before an English word
  ('A room for 6' is an article). Digits used by dates, times, durations, capacities or
  reservation numbers are never room ids.
- Only the first 2000 characters are read; quoted text (「…」, "…") is the title and is not
  searched for dates, times or rooms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Literal, cast

from kanjize import kanji2number

from booking.clock import JST
from booking.model import Room
from bot.conversation.language import detect_language

from .understand_time import find_day, find_duration, find_times, find_window, mask, normalise

Intent = Literal[
    "book", "free", "schedule", "mine", "cancel", "move", "extend", "wait", "help", "unknown"
]
Lang = Literal["ja", "en"]
_I = re.IGNORECASE


def _words(pattern: str) -> str:
    """An English alternative that must stand as whole words."""
    return rf"(?<![a-z])(?:{pattern})(?![a-z])"


_INTENTS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (cast(Intent, intent), re.compile(pattern, _I))
    for intent, pattern in (
        (
            "wait",
            r"キャンセル待ち|空き待ち|(?:空|あ)いたら|(?:空|あ)いた(?:時|とき)|空き次第|"
            r"(?:空き|キャンセル)が出たら|"
            + _words(
                r"notify\s+me|wait\s*-?list\w*|(?:frees?|freed|opens?|opened)\s+up|"
                r"becomes?\s+(?:free|available)|gets?\s+(?:freed|cancell?ed)"
            ),
        ),
        ("cancel", r"キャンセル|取り?消|" + _words(r"cancel\w*|call off|delete|remove")),
        (
            "extend",
            r"延長|延ばし|伸ばし|長く|" + _words(r"extend\w*|prolong\w*|make\s+it\s+longer"),
        ),
        (
            "move",
            r"変更|移動|ずらし|ずらす|動かし|変えて|"
            + _words(r"move|moved|reschedule\w*|push\s+(?:it\s+)?back|shift|change\s+(?:my|the)"),
        ),
        (
            "mine",
            r"(?:私|わたし|僕|ぼく|俺|自分)(?:の|が(?:入れた|取った|した))予約|予約(?:して|入れて|取って)"
            r"(?:いる|る)(?:の|もの|部屋|会議)|(?:何|なに)を予約|予約(?:ある|あります)[?？か]|"
            + _words(r"my\s+(?:upcoming\s+|next\s+)?(?:bookings?|reservations?|meetings?)")
            + "|"
            + _words(
                r"(?:have|did)\s+i\s+(?:book|reserve)\w*|what\s+(?:do\s+i\s+have|have\s+i\s+got|"
                r"have\s+i|did\s+i|am\s+i)\s+(?:booked|reserved|book|reserve)|do\s+i\s+have\s+any|"
                r"(?:show|list|see)\s+(?:me\s+)?(?:all\s+)?my|am\s+i\s+booked"
            ),
        ),
        (
            "free",
            r"予約(?:でき|可能)[るな]?部屋|部屋(?:は|って)?(?:ある|あり)|"
            + _words(r"(?:which|what)\s+rooms?\s+can|(?:do\s+you\s+have|is\s+there)\s+a\s+room"),
        ),
        (
            "book",
            r"予約(?:して|した(?:い|く)|しよ|しま|する|を?お願|を?頼|を?入れ|でき|を?取)"
            r"|押さえ|抑え|取って|取りたい|とって|とりたい|確保|使いたい|予約\s*[。.!！]*\s*$"
            r"|お願い|おねがい|頼む|頼みます|入れて|"
            + _words(
                r"book|reserve|grab|hold|(?:need|want|get)\s+(?:a\s+)?(?:room|rm)|schedule\s+an?\s+meeting"
                r"|i\s+(?:need|want)|i[’']d\s+like|i\s+would\s+like"
            ),
        ),
        ("free", r"空い|空き|あいて|空室|使える部屋|" + _words(r"available|free|vacant")),
        (
            "schedule",
            r"予定|予約状況|予約一覧|スケジュール|予約は|予約(?:を|の)?(?:見|確認|教え|表示)|"
            + _words(r"schedule|what[’']?s\s+booked|what\s+is\s+booked|bookings|reservations")
            + "|"
            + _words(r"agenda|calendar"),
        ),
        (
            "help",
            r"ヘルプ|使い方|使いかた|何ができ|" + _words(r"help|how\s+do\s+i|what\s+can\s+you"),
        ),
    )
)
_TITLE = re.compile(r"「([^「」]*)」|『([^『』]*)』|[\"＂]([^\"＂]+)[\"＂]|“([^“”]+)”")
_MAX_CHARS = 2000  # a booking request is short; longer text is read up to here
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                 "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                 "eighteen", "nineteen", "twenty")  # fmt: skip
_COUNT_WORD = re.compile(
    r"(?<![a-z])(?P<for>for\s+)?(?P<w>" + "|".join(_NUMBER_WORDS) + r")(?P<unit>[\s-]*"
    r"(?:people|persons?|ppl|pax|participants|attendees|guests|of\s+us)(?![a-z]))?"
    r"(?!\s*(?:hours?|hrs?|mins?|minutes?|h|m|days?|weeks?|times?|[ap]\.?m|o'?clock)(?![a-z]))",
    _I,
)
_KANJI_COUNT = re.compile(r"(?P<k>[一二三四五六七八九十百]+)\s*(?P<u>人|名)")
_AFFIRM = re.compile(
    r"^\s*(?:はい|うん|ええ|お願いします|お願い|それで(?:お願いします)?|予約する|予約して|"
    r"(?:yes|yep|yeah|ok|okay|sure|please(?:\s+do)?|go\s+ahead|book\s+it|do\s+it)"
    r"(?:[,\s]+(?:please|thanks|thank\s+you))?)\s*[。.!！]*\s*$",
    _I,
)
_CAPACITY = re.compile(
    r"(?<![\d.])(?P<a>\d{1,3})\s*(?:人|名)"
    r"|(?<![\d.])(?P<b>\d{1,3})[\s-]*(?:people|persons?|ppl|pax|participants|attendees|seats?)"
    r"(?![a-z])"
    r"|(?<![a-z])(?:for|seats?|seating|fits?|capacity(?:\s+of)?)\s+(?P<c>\d{1,3})(?![\d:./])"
    r"|(?:定員|人数)\s*[:は]?\s*(?P<d>\d{1,3})",
    _I,
)
_RESERVATION_ID = re.compile(
    r"#\s*(?P<a>\d+)"
    r"|予約\s*(?:番号|id|no\.?)?\s*[:#]?\s*(?P<b>\d+)"
    r"|(?<![a-z])(?:reservation|booking)\s*(?:#|no\.?|number|id)?\s*:?\s*(?P<c>\d+)"
    r"|(?P<d>\d+)\s*番の予約",
    _I,
)
_EQUIPMENT = (
    ("monitor", r"モニタ|ディスプレ|" + _words(r"monitors?|displays?|screens?|tv")),
    ("projector", r"プロジェクタ|" + _words(r"projectors?")),
    ("whiteboard", r"ホワイトボード|ホワボ|" + _words(r"white\s*boards?")),
    ("webcam", r"カメラ|" + _words(r"web\s*cams?|cameras?")),
    ("speakerphone", r"スピーカー|" + _words(r"speaker\s*phones?|conference\s+phones?")),
    ("microphone", r"マイク|" + _words(r"microphones?|mics?")),
)
_ROOM_WORD = r"(?i:room|rm|会議室|部屋|ルーム)"


@dataclass(frozen=True)
class Understood:
    """What a request asks for; fields the text does not give stay empty."""

    intent: Intent
    lang: Lang
    day: date | None = None
    start: time | None = None
    end: time | None = None
    duration: timedelta | None = None
    room_id: str | None = None
    capacity: int | None = None
    equipment: tuple[str, ...] = ()
    reservation_id: int | None = None
    title: str | None = None
    day_said: bool = False  # False when `day` is only today's default for a bare time
    window: tuple[time, time] | None = None  # a part of the day to search ('午後', 'morning')
    repeat: Literal["daily", "weekly"] | None = None  # 毎週 / every Monday / daily
    count: int | None = None  # how many dates a series has ('8回', 'for 8 weeks')
    target: Understood | None = None  # for move: the booking meant (its day, time, room)

    @property
    def understood_anything(self) -> bool:
        """True when the text named any booking field."""
        fields = (self.day if self.day_said else None, self.start, self.end, self.duration,
                  self.room_id, self.capacity, self.window, self.reservation_id)  # fmt: skip
        return any(f is not None for f in fields) or bool(self.equipment)

    def end_time(self) -> time | None:
        """The explicit end, else start + duration (None past midnight or when unknown)."""
        if self.end is not None:
            return self.end
        if self.start is None or self.duration is None:
            return None
        finish = datetime.combine(date.min, self.start) + self.duration
        return finish.time() if finish.date() == date.min else None

    def missing_for_booking(self) -> list[str]:
        """What must still be asked before booking: day, start, end, room (in that order)."""
        have = (("day", self.day), ("start", self.start), ("end", self.end_time()))
        missing = [name for name, value in have if value is None]
        return [*missing, "room"] if self.room_id is None else missing


def is_affirmation(text: str) -> bool:
    """True for a bare yes ('はい', 'お願いします', 'ok', 'book it')."""
    return _AFFIRM.match(normalise(text[:200])) is not None


def understand(text: str, now: datetime, rooms: Sequence[Room]) -> Understood:
    """Parse one request into an intent and the booking fields it mentions."""
    title, rest = _title(text[:_MAX_CHARS])
    plain = normalise(rest)
    intent = _intent(plain)
    if intent == "unknown" and _POLITE.search(plain):
        intent = "book"  # '会議室B 明日14時から1時間 お願い', 'Room B tomorrow 2-3pm please'
    split = _move_split(plain) if intent == "move" else None
    if split is not None:  # 'move my 3pm tomorrow to 4pm': what it is, then where it goes
        meant = _fields(split[0], now, rooms, title, intent, text)
        to = _fields(split[1], now, rooms, title, intent, text)
        return replace(to, target=meant)
    return _fields(plain, now, rooms, title, intent, text)


_POLITE = re.compile(r"お願|おねがい|よろしく|" + _words(r"please|pls|plz"), _I)
_MOVE_JA = re.compile(r"を(?P<to>[^を]*?)(?:に|へ)(?:変更|移動|ずらし|ずらす|動かし|変えて)")
_MOVE_EN = re.compile(r"(?<![a-z])to(?![a-z])", _I)


def _move_split(plain: str) -> tuple[str, str] | None:
    """The text naming the booking and the text naming where it goes ('AをBに変更', 'X to Y')."""
    ja = _MOVE_JA.search(plain)
    if ja is not None:
        return plain[: ja.start()], ja["to"]
    found = list(_MOVE_EN.finditer(plain))
    return (plain[: found[-1].start()], plain[found[-1].end() :]) if found else None


def _fields(
    plain: str, now: datetime, rooms: Sequence[Room], title: str | None, intent: Intent, text: str
) -> Understood:
    """The booking fields of (part of) a normalised request."""
    today = now.astimezone(JST).date() if now.tzinfo else now.date()
    day, remaining = find_day(plain, today)
    start, end, remaining = find_times(remaining)
    window, remaining = find_window(remaining)
    duration, remaining = find_duration(remaining)
    repeat, count, remaining = _repetition(plain, remaining)
    capacity, remaining = _capacity(remaining)
    reservation_id, remaining = _reservation_id(remaining)
    return Understood(
        intent=intent,
        lang=detect_language(text),
        day=day if day is not None or start is None else today,
        start=start,
        end=end,
        duration=duration,
        room_id=_room(remaining, rooms),
        capacity=capacity,
        equipment=_equipment(plain),
        reservation_id=reservation_id,
        title=title,
        day_said=day is not None,
        window=window if start is None else None,
        repeat=repeat,
        count=count,
    )


def _intent(text: str) -> Intent:
    """The first intent whose phrases occur, by precedence."""
    return next((intent for intent, pattern in _INTENTS if pattern.search(text)), "unknown")


def _title(text: str) -> tuple[str | None, str]:
    """The first quoted title (「…」, 『…』, "…") and the text without any quoted part."""
    matches = list(_TITLE.finditer(text))
    titles = [next(g for g in m.groups() if g is not None).strip() for m in matches]
    title = next((t for t in titles if t), None)
    return title, mask(text, (m.span() for m in matches))


def _capacity(text: str) -> tuple[int | None, str]:
    """The head count ('6人', '二人', '6名様', 'for 6', 'six people', 'for six') and the rest."""
    text = _KANJI_COUNT.sub(lambda m: f"{int(kanji2number(m['k']))}{m['u']}", text)
    text = _COUNT_WORD.sub(_count_digits, text)
    for match in _CAPACITY.finditer(text):
        count = int(next(g for g in match.groups() if g is not None))
        if count > 0:
            return count, mask(text, [match.span()])
    return None, text


_REPEAT = re.compile(
    r"(?P<weekly>毎週|隔週なし|"
    + _words(r"every\s+(?:week|mon\w*|tue\w*|wed\w*|thu\w*|fri\w*)|weekly")
    + ")"
    r"|(?P<daily>毎日|平日毎日|" + _words(r"every\s+(?:day|weekday)|daily") + ")",
    _I,
)
_COUNT = re.compile(
    r"(?<!\d)(?P<a>\d{1,2})\s*(?:回分?|週間?分?|日分|日間)"
    r"|(?<![a-z])(?:for\s+)?(?P<b>\d{1,2})\s+(?:times|weeks|days|occurrences)(?![a-z])"
    r"|(?<![a-z])x\s*(?P<c>\d{1,2})(?!\d)",
    _I,
)


def _repetition(plain: str, text: str) -> tuple[Literal["daily", "weekly"] | None, int | None, str]:
    """A repeat ('毎週', 'every Monday', 'daily') and a count ('8回', 'for 8 weeks'), if said."""
    match = _REPEAT.search(plain)
    repeat: Literal["daily", "weekly"] | None = None
    if match is not None:
        repeat = "weekly" if match["weekly"] else "daily"
    count = _COUNT.search(text)
    if count is None:
        return repeat, None, text
    number = int(next(g for g in count.groups() if g is not None))
    return repeat, number or None, mask(text, [count.span()])


def _count_digits(match: re.Match[str]) -> str:
    """'six people' → '6 people', 'for six' → 'for 6'; other number words are left alone."""
    if not (match["for"] or match["unit"]):
        return match[0]
    number = str(_NUMBER_WORDS.index(match["w"].lower()) + 1)
    return f"{match['for'] or ''}{number}{match['unit'] or ''}"


def _reservation_id(text: str) -> tuple[int | None, str]:
    """The reservation number ('#12', '予約12', 'reservation 12') and the rest."""
    match = _RESERVATION_ID.search(text)
    if match is None:
        return None, text
    return int(next(g for g in match.groups() if g is not None)), mask(text, [match.span()])


def _equipment(text: str) -> tuple[str, ...]:
    """Wanted equipment in the rooms file's vocabulary and order."""
    return tuple(name for name, pattern in _EQUIPMENT if re.search(pattern, text, _I))


def _room(text: str, rooms: Sequence[Room]) -> str | None:
    """The id of the room named by the longest matching id, name or alias."""
    best: tuple[int, int, str] | None = None
    for room in rooms:
        for name in dict.fromkeys((room.id, room.name, *room.aliases)):
            for position in _positions(text, name.strip()):
                candidate = (len(name), -position, room.id)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
    return best[2] if best else None


def _positions(text: str, name: str) -> list[int]:
    """Where a room name occurs as a token of the text."""
    if not name:
        return []
    if len(name) <= 2 and name.isascii() and name.isalnum():
        return _short_positions(text, name)
    body = r"\s*".join(re.escape(part) for part in name.split())
    left = r"(?<![a-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
    right = r"(?![a-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
    return [m.start() for m in re.finditer(left + body + right, text, _I)]


def _short_positions(text: str, name: str) -> list[int]:
    """Where a short ASCII id or letter is used as a room name (needs context, see above)."""
    token = re.escape(name)
    suffix = r"(?i:room)(?![a-z])|会議室|ルーム" if name.isalpha() else r"号室"
    patterns = [
        rf"{_ROOM_WORD}\s*(?:(?i:no)\.?\s*|#\s*)?(?P<n>(?i:{token}))(?![A-Za-z0-9])",
        rf"(?<![A-Za-z0-9])(?P<n>{token})\s*(?:{suffix})",
    ]
    if name.isalpha():
        patterns.append(rf"(?<![A-Za-z0-9'’])(?P<n>{token})(?![A-Za-z0-9'’])")
    found = {m.start("n") for p in patterns for m in re.finditer(p, text)}
    return sorted(p for p in found if not _is_article(text, p, name))


def _is_article(text: str, position: int, name: str) -> bool:
    """True for an 'A' opening a sentence before another English word ('A room for 6')."""
    if name.upper() != "A":
        return False
    before = text[:position].rstrip()
    opens_sentence = not before or before[-1] in ".!?。"
    return opens_sentence and re.match(r"\s+[A-Za-z]", text[position + 1 :]) is not None
