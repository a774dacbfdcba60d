"""Find dates, wall-clock times and durations in Japanese or English text (pure helpers).

Every finder takes NFKC-normalised text and returns what it found together with the text in
which the characters it used are blanked out, so that later finders (capacity, room ids)
cannot reuse a digit that belonged to a date or a time.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

Span = tuple[int, int]

_I = re.IGNORECASE
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_NOT_TIME = r"(?!\d|\s*(?:[:時]|[ap]\.?m(?![a-z])))"
_EXPLICIT_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)日?"
    r"|(?<!\d)(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日"
    r"|(?<![\d/.:])(?P<m3>\d{1,2})/(?P<d3>\d{1,2})(?![\d/])"
    rf"|(?<![a-z])(?P<mon>{_MONTH})\.?\s*(?P<d4>\d{{1,2}})(?:st|nd|rd|th)?{_NOT_TIME}"
    rf"|(?<![\d.:])(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon5>{_MONTH})(?![a-z])",
    _I,
)
_RELATIVE: tuple[tuple[re.Pattern[str], Callable[[date], int]], ...] = (
    (re.compile(r"明後日|あさって|(?:the\s+)?day\s+after\s+tomorrow", _I), lambda d: 2),
    (re.compile(r"今日|本日|きょう|(?<![a-z])(?:today|tonight)(?![a-z])", _I), lambda d: 0),
    (re.compile(r"昨日|きのう|(?<![a-z])yesterday(?![a-z])", _I), lambda d: -1),
    (re.compile(r"明日|あした|(?<![a-z])(?:tomorrow|tmrw|tmr|2moro)(?![a-z])", _I), lambda d: 1),
    (re.compile(r"週明け|(?<![a-z])(?:start|beginning)\s+of\s+next\s+week(?![a-z])", _I),
     lambda d: 7 - d.weekday()),  # the coming Monday (a week ahead on a Monday)
)  # fmt: skip
_WINDOWS: tuple[tuple[re.Pattern[str], time, time], ...] = (
    (re.compile(r"朝イチ|朝一番?|(?<![a-z])first\s+thing(?:\s+in\s+the\s+morning)?(?![a-z])", _I),
     time(9), time(10)),
    (re.compile(r"午前中?|(?<![a-z])(?:in\s+the\s+)?morning(?![a-z])", _I), time(9), time(12)),
    (re.compile(r"昼過ぎ|昼から|(?<![a-z])after\s+lunch(?![a-z])", _I), time(13), time(17)),
    (re.compile(r"午後|(?<![a-z])(?:in\s+the\s+)?afternoon(?![a-z])", _I), time(13), time(18)),
    (re.compile(r"夕方|(?<![a-z])(?:in\s+the\s+)?evening(?![a-z])", _I), time(16), time(19)),
)  # fmt: skip
_EN_DAY = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?"
)
_WEEKDAY = re.compile(
    r"(?:(?P<jq>再来週|来週|今週)\s*の?\s*)?(?P<ja>[月火水木金土日])曜日?"
    rf"|(?<![a-z])(?:(?P<eq>next|this|coming)\s+(?:week\s+)?)?(?P<en>{_EN_DAY})(?![a-z])"
    r"(?:\s+(?P<es>next|this)\s+week)?",
    _I,
)
_MER = r"(?:(?P<{0}>[ap])\.?m\.?(?![a-z]))"
_PRE = r"(?:(?P<{0}>午前|午後|朝|夕方|夜)\s*)?"
_ATOM = re.compile(
    _PRE.format("jp") + r"(?<![\d.])(?P<jh>\d{1,2})\s*時(?!間)"
    r"(?:\s*(?P<half>半)|\s*(?P<jm>\d{1,2})\s*分(?!間))?"
    r"|" + _PRE.format("cp") + r"(?<![\d:.])(?P<ch>\d{1,2}):(?P<cm>\d{2})(?!\d)"
    r"(?:\s*" + _MER.format("cmer") + r")?"
    r"|(?<![\d:.])(?P<eh>\d{1,2})(?:[.:](?P<em>\d{2}))?\s*" + _MER.format("emer") + r""
    r"|(?<![\d:.])(?P<oh>\d{1,2})\s*o'?clock"
    r"|(?P<noon>正午|(?<![a-z])(?:noon|midday)(?![a-z]))"
    r"|(?<![a-z])(?P<past>half|quarter)\s+past\s+(?P<ph>\d{1,2})(?:\s*"
    + _MER.format("pmer")
    + r")?"
    r"|(?<![a-z])quarter\s+to\s+(?P<qh>\d{1,2})(?:\s*" + _MER.format("qmer") + r")?"
    r"|(?<![\d:./#])(?P<bare>\d{1,2})(?!\d|\s*[:./%時分人名日月件番号]"
    r"|\s*(?:h|hrs?|hours?|m|mins?|minutes?|people|persons?|ppl|pax)(?![a-z]))",
    _I,
)
_RANGE_SEP = re.compile(
    r"\s*(?:から|より|〜|~|-|–|—|−|to|until|till|thru|through|and)\s*(?:の\s*)?", _I
)
_END_MARK_AFTER = re.compile(r"\s*(?:まで|迄)")
_END_MARK_BEFORE = re.compile(r"(?:(?<![a-z])(?:until|till|by)|〜|~)\s*$", _I)
_DURATION = re.compile(
    r"(?<![\d.])(?P<h>\d+(?:\.\d+)?)\s*(?:時間|(?:hours?|hrs?|h)(?![a-z]))"
    r"(?:\s*(?P<half>半)|\s*(?:and\s+)?(?P<hm>\d{1,2})\s*(?:分|minutes?|mins?|m)(?![a-z]))?"
    r"|(?<![\d.])(?P<m>\d+)\s*(?:分間?|minutes?|mins?|m)(?![a-z])"
    r"|(?<![a-z])(?P<word>an?|one|two|three|four)\s+hours?(?P<and_half>\s+and\s+a\s+half)?"
    r"(?![a-z])"
    r"|(?<![a-z])(?P<half_hour>half\s+an?\s+hour|half-hour)(?![a-z])",
    _I,
)
_WORD_HOURS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4}


_HOUR_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve")  # fmt: skip
_HOUR_WORD = re.compile(
    r"(?<![a-z])(?P<lead>(?:half|quarter)\s+(?:past|to)\s+|at\s+)?(?P<w>"
    + "|".join(_HOUR_WORDS)
    + r")(?P<tail>\s*(?:[ap]\.?m\.?|o'?clock)(?![a-z]))?",
    _I,
)


def normalise(text: str) -> str:
    """Fold full-width digits, letters and symbols to ASCII (NFKC); hour words to digits."""
    folded = unicodedata.normalize("NFKC", text)
    return _HOUR_WORD.sub(_hour_digits, folded)


def _hour_digits(match: re.Match[str]) -> str:
    """'half past ten' → 'half past 10', 'three pm' → '3 pm' (only where a time is meant)."""
    if not (match["lead"] or match["tail"]):
        return match[0]
    number = str(_HOUR_WORDS.index(match["w"].lower()) + 1)
    return f"{match['lead'] or ''}{number}{match['tail'] or ''}"


def mask(text: str, spans: Iterable[Span]) -> str:
    """Blank out the given spans so later finders cannot reuse their characters."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# ---- dates ----------------------------------------------------------------------------------


def find_day(text: str, today: date) -> tuple[date | None, str]:
    """The first day named (explicit > relative > weekday) and the text without any of them."""
    found: list[date | None] = []
    for finder in (_explicit_days, _relative_days, _weekdays):
        hits = finder(text, today)
        found.extend(day for day, _ in hits)
        text = mask(text, (span for _, span in hits))
    return next((day for day in found if day is not None), None), text


def _explicit_days(text: str, today: date) -> list[tuple[date | None, Span]]:
    """Dates written with numbers or month names; a past date without a year means next year."""
    hits: list[tuple[date | None, Span]] = []
    for match in _EXPLICIT_DATE.finditer(text):
        g = match.groupdict()
        month_name = g["mon"] or g["mon5"]
        month = _MONTHS.index(month_name[:3].lower()) + 1 if month_name else None
        month = month or int(g["m"] or g["m2"] or g["m3"])
        day = int(g["d"] or g["d2"] or g["d3"] or g["d4"] or g["d5"])
        hits.append((_calendar_day(g["y"], month, day, today), match.span()))
    return hits


def _calendar_day(year: str | None, month: int, day: int, today: date) -> date | None:
    """A valid date, rolling a year-less date that has passed into next year."""
    try:
        if year is not None:
            return date(int(year), month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _relative_days(text: str, today: date) -> list[tuple[date | None, Span]]:
    """Today, tomorrow and the day after tomorrow in both languages."""
    hits: list[tuple[date | None, Span]] = []
    for pattern, offset in _RELATIVE:
        for match in pattern.finditer(text):
            hits.append((today + timedelta(days=offset(today)), match.span()))
        text = mask(text, (span for _, span in hits))
    return sorted(hits, key=lambda hit: hit[1])


def _weekdays(text: str, today: date) -> list[tuple[date | None, Span]]:
    """Weekday names, optionally qualified by this week / next week."""
    hits: list[tuple[date | None, Span]] = []
    for match in _WEEKDAY.finditer(text):
        g = match.groupdict()
        if g["ja"]:
            index = "月火水木金土日".index(g["ja"])
            qualifier = {"今週": "this", "来週": "next", "再来週": "after"}.get(g["jq"] or "")
        else:
            index = [d[:2] for d in ("mo", "tu", "we", "th", "fr", "sa", "su")].index(
                g["en"][:2].lower()
            )
            qualifier = (g["eq"] or g["es"] or "").lower() or None
        hits.append((_weekday_date(index, qualifier, today), match.span()))
    return hits


def _weekday_date(index: int, qualifier: str | None, today: date) -> date:
    """This week's / next week's weekday, or the next occurrence (today included)."""
    monday = today - timedelta(days=today.weekday())
    weeks = {"this": 0, "next": 1, "after": 2}.get(qualifier or "")
    if weeks is not None:
        return monday + timedelta(weeks=weeks, days=index)
    return today + timedelta(days=(index - today.weekday()) % 7)


# ---- times ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Atom:
    """One time expression: hour, minute, meridiem ('a'/'p'/None) and whether it is bare."""

    span: Span
    hour: int
    minute: int
    meridiem: str | None
    bare: bool
    padded: bool


def find_times(text: str) -> tuple[time | None, time | None, str]:
    """The start and end times (ranges first, then single times) and the remaining text."""
    atoms = _atoms(text)
    start = end = None
    used: list[Span] = []
    for first, second in _ranges(text, atoms):
        used.append((first.span[0], second.span[1]))
        if start is None:
            start, end = _range_times(first, second)
    in_range = [a for a in atoms if any(s <= a.span[0] < e for s, e in used)]
    for atom in (a for a in atoms if not a.bare and a not in in_range):
        used.append(atom.span)
        is_end = _marks_end(text, atom)
        if is_end and end is None:
            end = _to_time(atom, atom.meridiem)
        elif not is_end and start is None:
            start = _to_time(atom, atom.meridiem)
    return start, end, mask(text, used)


def _atoms(text: str) -> list[_Atom]:
    """Every candidate time expression, bare numbers included."""
    atoms = []
    for match in _ATOM.finditer(text):
        g = match.groupdict()
        if g["noon"]:
            atoms.append(_Atom(match.span(), 12, 0, None, False, False))
            continue
        if g["qh"]:  # quarter to 3 → 2:45
            hour = (int(g["qh"]) - 1) % 12 or 12
            atoms.append(_Atom(match.span(), hour, 45, _meridiem(g["qmer"]), False, False))
            continue
        hour_text = g["jh"] or g["ch"] or g["eh"] or g["oh"] or g["ph"] or g["bare"]
        minute = 30 if g["half"] else int(g["jm"] or g["cm"] or g["em"] or 0)
        if g["past"]:
            minute = 30 if g["past"].lower() == "half" else 15
        meridiem = _meridiem(g["jp"] or g["cp"] or g["cmer"] or g["emer"] or g["pmer"])
        padded = hour_text.startswith("0")
        atoms.append(_Atom(match.span(), int(hour_text), minute, meridiem, bool(g["bare"]), padded))
    return atoms


def _meridiem(word: str | None) -> str | None:
    """'a' for the morning, 'p' for the afternoon, None when unsaid."""
    if not word:
        return None
    word = word.lower()
    if word in ("a", "午前", "朝"):
        return "a"
    return "p"


def _ranges(text: str, atoms: list[_Atom]) -> list[tuple[_Atom, _Atom]]:
    """Neighbouring atoms joined by a range separator, at least one of them not bare."""
    pairs: list[tuple[_Atom, _Atom]] = []
    for first, second in itertools.pairwise(atoms):
        gap = text[first.span[1] : second.span[0]]
        if (first.bare and second.bare) or not _RANGE_SEP.fullmatch(gap):
            continue
        if gap.strip().lower() == "and" and not re.search(r"between\s*$", text[: first.span[0]]):
            continue
        if pairs and pairs[-1][1] is first:
            continue
        pairs.append((first, second))
    return pairs


def _range_times(first: _Atom, second: _Atom) -> tuple[time | None, time | None]:
    """Both ends of a range, sharing an am/pm said only once ('2-3pm', '午後2時から4時')."""
    end = _to_time(second, second.meridiem or first.meridiem)
    if second.meridiem is None and (end is None or (first.meridiem and _le(end, first))):
        end = _to_time(second, None)
    start = _to_time(first, first.meridiem or second.meridiem)
    if first.meridiem is None and (start is None or (end is not None and start >= end)):
        start = _to_time(first, None)
    return start, end


def _le(value: time, atom: _Atom) -> bool:
    """True when value is not after the atom's own time."""
    own = _to_time(atom, atom.meridiem)
    return own is not None and value <= own


def _to_time(atom: _Atom, meridiem: str | None) -> time | None:
    """The wall-clock time; without am/pm, 1-6 o'clock means the afternoon (office hours)."""
    hour = atom.hour
    if meridiem == "a":
        hour = 0 if hour == 12 else hour
    elif meridiem == "p":
        hour = hour + 12 if hour < 12 else hour
    elif 1 <= hour <= 6 and not atom.padded:
        hour += 12
    if hour > 23 or atom.minute > 59 or (meridiem == "a" and atom.hour > 12):
        return None
    return time(hour, atom.minute)


def _marks_end(text: str, atom: _Atom) -> bool:
    """True when a lone time is an end: '15時まで', 'until 3pm'."""
    after = _END_MARK_AFTER.match(text, atom.span[1]) is not None
    return after or _END_MARK_BEFORE.search(text[: atom.span[0]]) is not None


# ---- windows --------------------------------------------------------------------------------


def find_window(text: str) -> tuple[tuple[time, time] | None, str]:
    """A part of the day to search in ('午後', 'morning', '朝イチ', 'after lunch') and the rest."""
    for pattern, opens, closes in _WINDOWS:
        match = pattern.search(text)
        if match is not None:
            return (opens, closes), mask(text, [match.span()])
    return None, text


# ---- durations ------------------------------------------------------------------------------


def find_duration(text: str) -> tuple[timedelta | None, str]:
    """The first positive duration ('1時間半', '90分', '1.5 hours', 'an hour') and the rest."""
    for match in _DURATION.finditer(text):
        minutes = _minutes(match.groupdict())
        if minutes > 0:
            return timedelta(minutes=minutes), mask(text, [match.span()])
    return None, text


def _minutes(g: dict[str, str | None]) -> int:
    """Total minutes of one duration match."""
    if g["h"]:
        extra = 30 if g["half"] else int(g["hm"] or 0)
        return round(float(g["h"]) * 60) + extra
    if g["m"]:
        return int(g["m"])
    if g["word"]:
        return _WORD_HOURS[g["word"].lower()] * 60 + (30 if g["and_half"] else 0)
    return 30
