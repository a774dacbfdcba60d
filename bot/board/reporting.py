"""The utilisation report rendered once for the web and for files: page, charts and CSV."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from booking.errors import BookingError
from booking.usage import Period, Utilisation
from bot.board.figures import TABLES, csv_text, fit_rule, weekday_names
from bot.conversation.i18n import t

MAX_DAYS = 366
CHARTS = ("heatmap", "weekdays", "outcomes")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
TEMPLATES = Environment(
    loader=PackageLoader("bot.board", "templates"), autoescape=select_autoescape(["html"])
)
Link = Callable[[str, str], str]


class InvalidPeriod(BookingError):
    """The report's period is malformed, backwards or too long (names the field)."""

    code = "invalid_period"

    def __init__(self, field: str, message: str, message_ja: str):
        super().__init__(f"{field}: {message}", f"{field}: {message_ja}", field)


def _day(text: str, field: str) -> date:
    """A YYYY-MM-DD date, or InvalidPeriod naming the field."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(field, t("bad_date", "en", field=field),
                            t("bad_date", "ja", field=field)) from None  # fmt: skip


def period_of(first: str | None, last: str | None, today: date) -> Period:
    """The period asked for: 'from' and 'to' inclusive; by default this month up to today."""
    start = _day(first, "from") if first else today.replace(day=1)
    end = _day(last, "to") if last else max(today, start)
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidPeriod("to", t("bad_period", "en", days=MAX_DAYS),
                            t("bad_period", "ja", days=MAX_DAYS))  # fmt: skip
    return Period(start, end)


def month_period(text: str) -> Period:
    """The whole calendar month 'YYYY-MM'."""
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidPeriod("month", "must be YYYY-MM, e.g. 2026-12.",
                            "YYYY-MM 形式で指定してください（例: 2026-12）。")  # fmt: skip
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def chart(u: Utilisation, name: str, lang: str) -> str:
    """One chart as a standalone SVG document."""
    from bot.board import charts  # matplotlib loads on the first report, not in every worker

    if name == "heatmap":
        labels = [r.room.label(lang) for r in u.rooms]
        return charts.heatmap(labels, u.hours, [u.heat[r.room.id] for r in u.rooms], "heat", lang)
    if name == "weekdays":
        return charts.heatmap(weekday_names(lang), u.hours, u.weekday_heat, "weekday", lang)
    return charts.outcomes(u, lang)


def render_page(
    u: Utilisation, lang: str, svgs: Mapping[str, str], link: Link, asset: Callable[[str], str],
    form: str | None = None,
) -> str:  # fmt: skip
    """The report as one HTML page with its charts inline."""
    from bot.board.charts import inline

    hours = f"{u.hours[0]:02d}:00–{u.hours[-1] + 1:02d}:00" if u.hours else ""
    return TEMPLATES.get_template("board/report.html").render(
        u=u, lang=lang, t=t, asset=asset, link=link, form=form,
        svgs={name: inline(svg, name) for name, svg in svgs.items()},
        tables={name: make(u, lang) for name, make in TABLES.items()},
        note=t("report_note", lang, hours=hours), fit_rule=fit_rule(lang),
        any_booked=any(r.outcomes.booked or r.held_minutes for r in u.rooms),
        charts=CHARTS, csvs=tuple(TABLES),
    )  # fmt: skip


def write_files(u: Utilisation, lang: str, folder: Path, stylesheet: Path) -> list[Path]:
    """Write the page, every chart and every table into a folder; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    svgs = {name: chart(u, name, lang) for name in CHARTS}
    written = []
    for name, svg in svgs.items():
        written.append(_write(folder / f"{name}.svg", svg))
    for name, make in TABLES.items():
        written.append(_write(folder / f"{name}.csv", csv_text(make(u, lang))))
    written.append(_write(folder / "board.css", stylesheet.read_text(encoding="utf-8")))
    page = render_page(u, lang, svgs, lambda name, ext: f"{name}.{ext}", lambda _: "board.css")
    written.append(_write(folder / "index.html", page))
    return written


def _write(path: Path, text: str) -> Path:
    """Write UTF-8 text (CSV keeps its CRLF line ends)."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
    return path
