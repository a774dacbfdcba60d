"""What `python -m bot board token …` and `python -m bot report` do, given their collaborators."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from booking import boards
from booking.clock import local
from booking.ports import AbstractUnitOfWork
from bot.board.reporting import month_period, write_files
from bot.conversation.desk import Desk

TOKEN_BYTES = 24  # 192 bits: far beyond guessing, so a plain SHA-256 stores it safely


def add_token(uow: Callable[[], AbstractUnitOfWork], room: str, label: str, now: datetime) -> str:
    """Issue a token for a room; the lines to print (the token appears only here, once)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    saved = boards.issue_token(uow(), room=room, token=token, label=label, now=now)
    return "\n".join(
        [
            f"board token #{saved.id} for room {saved.room_id} ({saved.label or 'no label'})",
            f"  open on the tablet: /board/{saved.room_id}?token={token}",
            "  the token is shown only now; it is stored hashed (revoke with "
            f"`python -m bot board token revoke {saved.id}`)",
        ]
    )


def list_tokens(uow: Callable[[], AbstractUnitOfWork], tz: ZoneInfo) -> str:
    """One line per token: id, room, label, issued, revoked."""
    lines = []
    for token in boards.list_tokens(uow()):
        state = (
            f"revoked {local(token.revoked_at, tz):%Y-%m-%d %H:%M}" if token.revoked_at else "live"
        )
        issued = f"{local(token.created_at, tz):%Y-%m-%d %H:%M}"
        lines.append(f"#{token.id}\troom {token.room_id}\t{token.label or '-'}\t{issued}\t{state}")
    return "\n".join(lines) or "no board tokens"


def revoke_token(uow: Callable[[], AbstractUnitOfWork], token_id: int, now: datetime) -> str:
    """Revoke a token; the line to print."""
    token = boards.revoke_token(uow(), token_id=token_id, now=now)
    return f"board token #{token.id} for room {token.room_id} is revoked"


def write_month(desk: Desk, month: str, lang: str, out: Path | None, css: Path) -> list[Path]:
    """Write a month's utilisation report (page, charts, tables) into a folder."""
    period = month_period(month)
    folder = out or Path("reports") / f"utilisation-{period.first:%Y-%m}"
    return write_files(desk.utilisation(period), lang, folder, css)
