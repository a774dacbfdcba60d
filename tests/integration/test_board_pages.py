"""The board and report over the Flask test client: headers, privacy, tokens, auth, CSV, CLI."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from booking.boards import issue_token
from booking.clock import JST
from booking.usage import Held, Outcomes
from bot import cli
from bot.board.security import BOARD_CSP, REPORT_CSP, SVG_CSP
from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.engine import make_engine, make_session_factory
from storage.models import ReservationRow
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import reset, sqlite_url
from tests.unit.fake_uow import FakeUnitOfWork

pytestmark = pytest.mark.usefixtures("cli_logging")  # cli.main configures logging

NOW = datetime(2026, 12, 2, 10, 3, tzinfo=JST)
ADMIN = "report-admin-token"


def add(engine: Engine, room: str, start: datetime, minutes: int, **more: Any) -> None:
    """Insert a reservation row as the bot would have stored it."""
    with make_session_factory(engine)() as session, session.begin():
        row = dict(room_id=room, owner_id="slack:U0OWNER", title="", active=True, source="test",
                   created_at=start - timedelta(days=1)) | more  # fmt: skip
        session.add(
            ReservationRow(start_at=start, end_at=start + timedelta(minutes=minutes), **row)
        )


@pytest.fixture
def db(tmp_path: Path) -> Engine:
    """A migrated SQLite database with the example rooms."""
    engine = make_engine(sqlite_url(tmp_path))
    reset(engine)
    return engine


def client(engine: Engine, **settings: Any) -> FlaskClient:
    """The app on that database, clock at NOW."""
    values = {"database_url": str(engine.url), "api_token": ADMIN, "secret_key": "k"} | settings
    return create_app(container=build(Settings(**values), clock=lambda: NOW)).test_client()


def test_board_pages_send_their_own_strict_policy_and_revalidate(db: Engine) -> None:
    c = client(db)
    page = c.get("/board")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == BOARD_CSP
    assert "'unsafe-inline'" not in BOARD_CSP and "http" not in BOARD_CSP
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-cache"
    again = c.get(
        "/board?part=main", headers={"If-None-Match": c.get("/board?part=main").headers["ETag"]}
    )
    assert again.status_code == 304
    assert c.get("/api/rooms").headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert c.get("/board/1").headers["Content-Security-Policy"] == BOARD_CSP
    missing = c.get("/board/nowhere?lang=en")
    assert missing.status_code == 404 and "There is no room called nowhere" in missing.text


def test_owners_and_titles_appear_only_when_the_settings_allow(db: Engine) -> None:
    add(db, "1", NOW + timedelta(minutes=57), 60, title="人事面談", owner_id="slack:U0SECRET")
    hidden = client(db).get("/board/1").text
    assert "人事面談" not in hidden and "U0SECRET" not in hidden and "予約あり" in hidden
    shown = client(db, board_show_owners=True, board_show_titles=True).get("/board").text
    assert "人事面談" in shown and "U0SECRET" in shown


def test_walk_up_needs_the_rooms_token_and_fifteen_or_thirty_minutes(db: Engine) -> None:
    secret = "door-token-for-room-1"
    issue_token(SqlAlchemyUnitOfWork(make_session_factory(db)), room="1", token=secret,
                label="door", now=NOW)  # fmt: skip
    c = client(db)
    assert "<form" not in c.get("/board/1").text
    assert 'value="30"' in c.get(f"/board/1?token={secret}").text
    for form, notice in (({"minutes": "30"}, "token"), ({"token": secret, "minutes": "45"}, "invalid"),
                         ({"token": "x" + secret, "minutes": "30"}, "token")):  # fmt: skip
        answer = c.post("/board/1/book", data=form)
        assert answer.status_code == 303 and f"notice={notice}" in answer.headers["Location"]
    assert stored(db) == []
    answer = c.post("/board/1/book", data={"token": secret, "minutes": "15", "lang": "en"})
    assert "notice=booked" in answer.headers["Location"]
    [row] = stored(db)
    assert (row.owner_id, row.title, row.checked_in_at) == ("board:1", "Walk-up (board)", NOW)
    again = c.post("/board/1/book", data={"token": secret, "minutes": "15"})
    assert "notice=taken" in again.headers["Location"] and len(stored(db)) == 1


def stored(engine: Engine) -> list[ReservationRow]:
    """Every reservation row."""
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(ReservationRow)))
        session.expunge_all()
        return rows


def basic(password: str) -> dict[str, str]:
    """An HTTP Basic Authorization header."""
    return {"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()}


def test_the_report_needs_the_admin_token(db: Engine) -> None:
    c = client(db)
    refused = c.get("/reports/utilisation")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Basic")
    assert c.get("/reports/utilisation", headers=basic("wrong")).status_code == 401
    assert c.get("/reports/utilisation", headers={"Authorization": "Bearer x"}).status_code == 401
    page = c.get("/reports/utilisation", headers=basic(ADMIN))
    assert page.status_code == 200 and page.headers["Content-Security-Policy"] == REPORT_CSP
    assert "<style" not in page.text and "<script" not in page.text
    bearer = {"Authorization": f"Bearer {ADMIN}"}
    assert c.get("/reports/utilisation/heatmap.csv", headers=bearer).status_code == 200
    no_token = client(db, api_token=None, flask_env="production")
    assert no_token.get("/reports/utilisation").status_code == 401
    assert (
        client(db, api_token=None, flask_env="development").get("/reports/utilisation").status_code
        == 200
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-13-01", "from"), ("from=2026-12-01&to=2026-11-01", "to"),
     ("from=2025-01-01&to=2026-12-31", "to"), ("to=tomorrow", "to")],
)  # fmt: skip
def test_a_bad_period_is_a_400_naming_the_field(db: Engine, query: str, field: str) -> None:
    answer = client(db).get(f"/reports/utilisation?{query}&lang=en", headers=basic(ADMIN))
    assert answer.status_code == 400 and answer.text.startswith(f"{field}:")


def test_csv_and_svg_carry_the_same_figures(db: Engine) -> None:
    wed = datetime(2026, 11, 4, 10, 30, tzinfo=JST)
    add(db, "1", wed, 60, checked_in_at=wed, party_size=2)
    c, auth = client(db), basic(ADMIN)
    query = "from=2026-11-01&to=2026-11-30&lang=en"
    heat = c.get(f"/reports/utilisation/heatmap.csv?{query}", headers=auth)
    assert heat.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "utilisation-2026-11-01-2026-11-30-heatmap.csv" in heat.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(heat.data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["room_id", "room", "07:00", "08:00"] and rows[1][1] == "Room A"
    weekdays = 21  # in November 2026
    assert rows[1][2 + 3] == f"{30 / (60 * weekdays) * 100:.1f}"  # 10:30-11:00 in the 10 o'clock
    assert rows[1][2 + 4] == f"{30 / (60 * weekdays) * 100:.1f}"
    svg = c.get(f"/reports/utilisation/heatmap.svg?{query}", headers=auth)
    assert svg.mimetype == "image/svg+xml" and svg.headers["Content-Security-Policy"] == SVG_CSP
    assert svg.text.count('<g id="heat-') == 6 * 15
    assert c.get(f"/reports/utilisation/nothing.csv?{query}", headers=auth).status_code == 404


def test_storage_answers_what_the_fake_answers(db_url: str) -> None:
    """held_between and outcomes_between on SQLite and PostgreSQL match the fake's."""
    engine = make_engine(db_url)
    start = datetime(2026, 11, 4, 9, 0, tzinfo=JST)
    add(engine, "1", start, 60, checked_in_at=start, party_size=3)
    add(engine, "1", start + timedelta(hours=1), 60, active=False, cancelled_by="no-show",
        cancelled_at=start + timedelta(hours=1, minutes=15))  # fmt: skip
    add(engine, "1", start + timedelta(hours=2), 60, active=False, cancelled_by="slack:U0OWNER",
        cancelled_at=start - timedelta(days=1))  # fmt: skip
    add(engine, "2", start - timedelta(minutes=30), 60)  # starts before the period
    lo, hi = start, start + timedelta(hours=8)
    with SqlAlchemyUnitOfWork(make_session_factory(engine)) as uow:
        held, outcomes = (
            uow.reservations.held_between(lo, hi),
            uow.reservations.outcomes_between(lo, hi),
        )
        fake = FakeUnitOfWork(uow.rooms.list(), _all(uow))
    engine.dispose()
    assert held == fake.reservations.held_between(lo, hi)
    assert outcomes == fake.reservations.outcomes_between(lo, hi)
    assert held[1:] == [Held("1", start, start + timedelta(hours=1), 3),
                        Held("1", start + timedelta(hours=1), start + timedelta(hours=1, minutes=15))]  # fmt: skip
    assert outcomes == [Outcomes("1", 2, 1, 1)]


def _all(uow: SqlAlchemyUnitOfWork) -> list[Any]:
    """Every reservation, as the domain sees it."""
    from storage.uow import reservation_from_row

    return [
        reservation_from_row(r)
        for r in uow.session.scalars(select(ReservationRow).order_by(ReservationRow.id))
    ]


def test_the_cli_writes_a_months_report_and_manages_tokens(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", str(db.url))
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "logs"))
    add(db, "3", datetime(2026, 12, 7, 9, 0, tzinfo=JST), 60)
    assert cli.main(["report", "--month", "2026-12", "--lang", "en"]) == 0
    folder = tmp_path / "reports" / "utilisation-2026-12"
    names = {p.name for p in folder.iterdir()}
    assert {"index.html", "heatmap.svg", "outcomes.svg", "weekdays.svg", "rooms.csv",
            "heatmap.csv", "busiest.csv", "fit.csv", "weekdays.csv", "board.css"} <= names  # fmt: skip
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "2026-12-01 to 2026-12-31" in page and 'href="heatmap.csv"' in page
    assert cli.main(["report", "--month", "2026-13"]) == 2
    assert cli.main(["board", "token", "add", "Room C", "--label", "4F door"]) == 0
    printed = capsys.readouterr().out
    secret = printed.split("token=")[1].split()[0]
    assert "/board/3?token=" in printed and len(secret) >= 32
    assert cli.main(["board", "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "room 3\t4F door" in listing and "live" in listing and secret not in listing
    assert cli.main(["board", "token", "revoke", "1"]) == 0
    assert cli.main(["board", "token", "list"]) == 0 and "revoked" in capsys.readouterr().out
    assert cli.main(["board", "token", "revoke", "7"]) == 2


def test_the_api_keeps_the_party_size_and_refuses_a_bad_one(db: Engine) -> None:
    c = client(db)
    body = {"room-id": "4", "date": "2026-12-03", "start-time": "10:00", "end-time": "11:00"}
    auth = {"Authorization": f"Bearer {ADMIN}"}
    for bad in (0, 501, "6", 2.5, True):
        refused = c.post("/api/reservations", json=body | {"attendees": bad}, headers=auth)
        assert refused.status_code == 400 and refused.json["error"]["field"] == "attendees"
    assert (
        c.post("/api/reservations", json=body | {"attendees": 6}, headers=auth).status_code == 201
    )
    assert [(r.room_id, r.party_size) for r in stored(db)] == [("4", 6)]
