"""The report's charts as SVG, drawn by matplotlib (text stays text, so Japanese renders with
the reader's fonts). Each heat-map cell is its own element with an id (`<prefix>-<row>-<hour>`)."""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Sequence

import matplotlib
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from booking.usage import Utilisation
from bot.conversation.i18n import t

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # <text> elements, not glyph outlines
        "svg.hashsalt": "roombot",  # the same figures give the same file
        "font.family": "sans-serif",
        "font.sans-serif": ["Noto Sans CJK JP", "DejaVu Sans"],
        "font.size": 10,
    }
)
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
CMAP = matplotlib.colormaps["YlOrRd"]
COLOURS = ("#1a73e8", "#0b7a3b", "#b3261e")  # booked, checked in, released


def heatmap(labels: Sequence[str], hours: Sequence[int], grid: Sequence[Sequence[float]],
            prefix: str, lang: str) -> str:  # fmt: skip
    """A heat map of shares (0..1): one labelled row per label, one column per hour."""
    fig = Figure(figsize=(2.6 + 0.5 * len(hours), 1.3 + 0.42 * max(1, len(labels))))
    ax = fig.add_subplot()
    for i, row in enumerate(grid):
        for j, share in enumerate(row):
            cell = Rectangle((j, i), 1, 1, facecolor=CMAP(share), edgecolor="white", linewidth=1)
            cell.set_gid(f"{prefix}-{i}-{hours[j]}")
            ax.add_patch(cell)
            ink = "white" if share > 0.6 else "#333333"
            ax.text(j + 0.5, i + 0.5, f"{share * 100:.0f}", ha="center", va="center",
                    fontsize=7, color=ink)  # fmt: skip
    ax.set_xlim(0, len(hours))
    ax.set_ylim(max(1, len(labels)), 0)
    ax.set_xticks([j + 0.5 for j in range(len(hours))], [f"{h}" for h in hours])
    ax.set_yticks([i + 0.5 for i in range(len(labels))], list(labels))
    ax.set_xlabel(t("chart_hour", lang))
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    bar = fig.colorbar(ScalarMappable(Normalize(0, 100), CMAP), ax=ax, label="%", fraction=0.03)
    if bar.solids is not None:
        bar.solids.set_rasterized(False)  # vectors: an embedded PNG would need img-src data:
    return _svg(fig)


def outcomes(u: Utilisation, lang: str) -> str:
    """Per room: bookings made, checked in and released as no-shows (horizontal bars)."""
    fig = Figure(figsize=(8, 1.3 + 0.5 * max(1, len(u.rooms))))
    ax = fig.add_subplot()
    names = [t("col_booked", lang), t("col_checked_in", lang), t("col_released", lang)]
    for k, (name, colour) in enumerate(zip(names, COLOURS, strict=True)):
        values = [
            (r.outcomes.booked, r.outcomes.checked_in, r.outcomes.released)[k] for r in u.rooms
        ]
        ys = [i + (k - 1) * 0.27 for i in range(len(u.rooms))]
        bars = ax.barh(ys, values, height=0.26, color=colour, label=name)
        for i, bar in enumerate(bars):
            bar.set_gid(f"outcome-{k}-{i}")
    ax.set_yticks(range(len(u.rooms)), [r.room.label(lang) for r in u.rooms])
    ax.invert_yaxis()
    ax.set_xlabel(t("chart_bookings", lang))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)


def _svg(fig: Figure) -> str:
    """The figure as a standalone SVG document."""
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight", metadata={"Date": None})
    return out.getvalue()


def inline(svg: str, prefix: str) -> str:
    """The SVG for embedding in a page: no prolog, no <style> element (the page's stylesheet
    has its rules), ids prefixed so several charts can share one page."""
    body = svg[svg.index("<svg") :]
    body = re.sub(r"<style[^>]*>.*?</style>", "", body, flags=re.DOTALL)
    body = re.sub(r'(\bid="|url\(#|href="#)', rf"\g<1>{prefix}-", body)
    return body
