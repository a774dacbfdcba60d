"""The report's figures as tables: the same rows feed the HTML page and the CSV files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from booking.usage import MIN_PARTIES, Utilisation
from bot.conversation.i18n import t

Table = list[list[str]]
CSV_NAMES = ("rooms", "heatmap", "weekdays", "busiest", "fit")


def pct(share: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{share * 100:.1f}"


def weekday_names(lang: str) -> list[str]:
    """Monday first."""
    return t("weekdays", lang).split(",")


def rooms_table(u: Utilisation, lang: str) -> Table:
    """Per room: capacity, hours held, occupancy, booked, checked in, released."""
    rows = [["room_id", "room", "capacity", "open_hours", "held_hours", "occupancy_pct",
             "booked", "checked_in", "released_no_show"]]  # fmt: skip
    for r in u.rooms:
        o = r.outcomes
        rows.append([r.room.id, r.room.label(lang), str(r.room.capacity),
                     f"{r.open_minutes / 60:.1f}", f"{r.held_minutes / 60:.1f}", pct(r.occupancy),
                     str(o.booked), str(o.checked_in), str(o.released)])  # fmt: skip
    return rows


def heatmap_table(u: Utilisation, lang: str) -> Table:
    """Per room and weekday hour: the occupancy percentage."""
    rows = [["room_id", "room", *[f"{h:02d}:00" for h in u.hours]]]
    rows += [[r.room.id, r.room.label(lang), *map(pct, u.heat[r.room.id])] for r in u.rooms]
    return rows


def weekdays_table(u: Utilisation, lang: str) -> Table:
    """Per weekday and hour: the share of all rooms held."""
    names = weekday_names(lang)
    rows = [["weekday", *[f"{h:02d}:00" for h in u.hours]]]
    rows += [[names[w], *map(pct, row)] for w, row in enumerate(u.weekday_heat)]
    return rows


def busiest_table(u: Utilisation, lang: str) -> Table:
    """The busiest weekday-hours, busiest first."""
    names = weekday_names(lang)
    rows = [["rank", "weekday", "hour", "occupancy_pct"]]
    rows += [[str(i), names[b.weekday], f"{b.hour:02d}:00", pct(b.share)]
             for i, b in enumerate(u.busiest, 1)]  # fmt: skip
    return rows


def fit_table(u: Utilisation, lang: str) -> Table:
    """Per room: bookings of known party size, the median party, and whether it is too big."""
    rows = [["room_id", "room", "capacity", "known_party_sizes", "median_party", "too_big"]]
    for r in u.rooms:
        median = r.median_party
        rows.append([r.room.id, r.room.label(lang), str(r.room.capacity), str(len(r.parties)),
                     "" if median is None else f"{median:g}", "yes" if r.too_big else "no"])  # fmt: skip
    return rows


TABLES: dict[str, Callable[[Utilisation, str], Table]] = {
    "rooms": rooms_table,
    "heatmap": heatmap_table,
    "weekdays": weekdays_table,
    "busiest": busiest_table,
    "fit": fit_table,
}


def csv_text(table: Table) -> str:
    """CSV with a byte-order mark, so spreadsheet programs read the Japanese right."""
    out = io.StringIO()
    out.write("\ufeff")
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue()


def fit_rule(lang: str) -> str:
    """How 'too big' is decided, in words."""
    return t("report_fit_rule", lang, n=MIN_PARTIES)
