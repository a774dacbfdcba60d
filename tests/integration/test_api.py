"""The JSON API of the operations guide, on SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.models import ReservationRow
from tests.conftest import NOW

GUIDE_BODY = {"room-id": "1", "date": "2025-09-29", "start-time": "14:00", "end-time": "15:00"}
TOKEN = "test-api-token"


def make_app(db_url: str, **settings: Any) -> Flask:
    """The app on db_url with the clock fixed at NOW."""
    values: dict[str, Any] = {"database_url": db_url, "flask_env": "development"} | settings
    return create_app(container=build(Settings(**values), clock=lambda: NOW))


@pytest.fixture
def client(db_url: str) -> FlaskClient:
    """A client of the development app (no token needed)."""
    return make_app(db_url).test_client()


def rows(engine: Engine) -> int:
    """Number of reservation rows."""
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(ReservationRow)).scalar_one()
        )


def test_guide_request_books_and_lists(client: FlaskClient) -> None:
    """The guide's exact POST body books room 1; GET lists it; DELETE cancels it."""
    made = client.post("/api/reservations", json=GUIDE_BODY)
    assert made.status_code == 201, made.json
    body = made.json or {}
    assert body["room-id"] == "1" and body["start-time"] == "14:00" and body["end-time"] == "15:00"
    assert body["start"] == "2025-09-29T14:00:00+09:00" and body["owner"] == "api"
    listed = client.get("/api/reservations?date=2025-09-29").json or {}
    assert [r["id"] for r in listed["reservations"]] == [body["id"]]
    cancelled = client.delete(f"/api/reservations/{body['id']}")
    assert cancelled.status_code == 200 and (cancelled.json or {})["status"] == "cancelled"
    assert (client.get("/api/reservations?date=2025-09-29").json or {})["reservations"] == []


def test_rooms_are_listed_with_japanese_names(client: FlaskClient) -> None:
    """GET /api/rooms shows the synced rooms file, unescaped."""
    response = client.get("/api/rooms")
    rooms = (response.json or {})["rooms"]
    assert response.status_code == 200 and rooms[0]["name"] == "会議室A"
    assert "会議室A" in response.get_data(as_text=True)


BAD_INPUTS = [
    ({**GUIDE_BODY, "room-id": "99"}, 404, "room_not_found", "room-id"),
    ({**GUIDE_BODY, "date": "2025-13-01"}, 400, "invalid_input", "date"),
    ({**GUIDE_BODY, "date": "29/09/2025"}, 400, "invalid_input", "date"),
    ({**GUIDE_BODY, "start-time": "25:00"}, 400, "invalid_input", "start-time"),
    ({**GUIDE_BODY, "end-time": "3pm"}, 400, "invalid_input", "end-time"),
    ({**GUIDE_BODY, "end-time": "13:00"}, 400, "invalid_reservation", "end-time"),
    ({**GUIDE_BODY, "date": "2025-09-27"}, 400, "invalid_reservation", "start-time"),
    ({**GUIDE_BODY, "end-time": "19:00"}, 400, "invalid_reservation", "end-time"),
    (
        {**GUIDE_BODY, "start-time": "06:00", "end-time": "08:00"},
        400,
        "invalid_reservation",
        "start-time",
    ),
    ({**GUIDE_BODY, "date": "2026-09-29"}, 400, "invalid_reservation", "date"),
    ({**GUIDE_BODY, "start-time": "14:03"}, 400, "invalid_reservation", "start-time"),
    (
        {key: v for key, v in GUIDE_BODY.items() if key != "room-id"},
        400,
        "invalid_input",
        "room-id",
    ),
    ({**GUIDE_BODY, "title": 5}, 400, "invalid_input", "title"),
    (["not", "an", "object"], 400, "invalid_input", "body"),
]


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_INPUTS)
def test_bad_input_names_the_problem_and_writes_nothing(
    client: FlaskClient, engine: Engine, body: Any, status: int, code: str, field: str
) -> None:
    """Each bad request gets its status, a code, the field and a message; no row is written."""
    response = client.post("/api/reservations", json=body)
    error = (response.json or {})["error"]
    assert (response.status_code, error["code"], error["field"]) == (status, code, field)
    assert error["message"] and error["message_ja"]
    assert rows(engine) == 0


def test_overlap_is_409_and_keeps_one_row(client: FlaskClient, engine: Engine) -> None:
    """A second booking of an overlapping slot is a conflict."""
    assert client.post("/api/reservations", json=GUIDE_BODY).status_code == 201
    clash = client.post("/api/reservations", json={**GUIDE_BODY, "start-time": "14:30"})
    assert clash.status_code == 409 and (clash.json or {})["error"]["code"] == "slot_taken"
    assert "会議室A" in (clash.json or {})["error"]["message_ja"]
    assert rows(engine) == 1


def test_malformed_json_is_400(client: FlaskClient, engine: Engine) -> None:
    """A body that is not JSON at all names the body."""
    response = client.post("/api/reservations", data="{nope", content_type="application/json")
    assert response.status_code == 400 and (response.json or {})["error"]["field"] == "body"
    assert rows(engine) == 0


def test_only_the_owner_cancels(client: FlaskClient, engine: Engine) -> None:
    """DELETE acts as X-Acting-User; someone else's reservation is refused and unchanged."""
    made = client.post("/api/reservations", json={**GUIDE_BODY, "owner": "U1"}).json or {}
    refused = client.delete(f"/api/reservations/{made['id']}", headers={"X-Acting-User": "U2"})
    assert refused.status_code == 403 and (refused.json or {})["error"]["code"] == "not_owner"
    missing = client.delete("/api/reservations/999999")
    assert missing.status_code == 404
    ok = client.delete(f"/api/reservations/{made['id']}", headers={"X-Acting-User": "U1"})
    assert ok.status_code == 200
    assert (
        client.delete(
            f"/api/reservations/{made['id']}", headers={"X-Acting-User": "U1"}
        ).status_code
        == 409
    )


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_token_required_when_configured(
    db_url: str, engine: Engine, headers: dict[str, str]
) -> None:
    """With API_TOKEN set, a missing or wrong bearer token is 401 and nothing is written."""
    client = make_app(db_url, api_token=TOKEN).test_client()
    response = client.post("/api/reservations", json=GUIDE_BODY, headers=headers)
    assert (
        response.status_code == 401 and (response.json or {})["error"]["field"] == "Authorization"
    )
    assert client.get("/api/rooms", headers=headers).status_code == 401
    assert rows(engine) == 0


def test_token_accepted(db_url: str) -> None:
    """The right bearer token is accepted."""
    client = make_app(db_url, api_token=TOKEN).test_client()
    response = client.post(
        "/api/reservations", json=GUIDE_BODY, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 201


def test_production_without_token_refuses_the_api(db_url: str) -> None:
    """Outside development, an unconfigured API_TOKEN closes the API instead of opening it."""
    client = make_app(db_url, flask_env="production", secret_key="s").test_client()
    assert client.get("/api/rooms").status_code == 401


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    """404 and 405 are JSON errors too."""
    assert (client.get("/api/nothing").json or {})["error"]["code"] == "not_found"
    assert client.put("/api/reservations").status_code == 405


def test_chat_offers_a_complete_slot_then_books_it_on_yes(client: FlaskClient) -> None:
    """No booking verb: the reply says what it would book with a confirm flag; はい books it."""
    session = {"sessionId": "confirm-1"}
    offered = client.post("/api/chat", json={"message": "9月29日 14時〜15時 会議室B"} | session)
    body = offered.json or {}
    assert body["reservations"] == [] and body["confirm"] == {
        "room-id": "2", "date": "2025-09-29", "start-time": "14:00", "end-time": "15:00",
    }  # fmt: skip
    assert (client.get("/api/reservations?date=2025-09-29").json or {})["reservations"] == []
    booked = client.post("/api/chat", json={"message": "はい"} | session).json or {}
    assert booked["confirm"] is None
    assert [(r["room-id"], r["start-time"]) for r in booked["reservations"]] == [("2", "14:00")]


def test_a_day_list_is_written_exactly_as_jsonify_writes_it(db_url: str) -> None:
    """The day's list (encoded by orjson) is byte for byte what Flask's jsonify writes for the
    same reservations: sorted keys, compact, UTF-8 unescaped, a closing newline."""
    app = make_app(db_url)
    client = app.test_client()
    titles = ['定例 "週次" \\ 𝄞', "A\u2028B", "plain"]
    for hour, title in zip((9, 11, 13), titles, strict=True):
        body = GUIDE_BODY | {"start-time": f"{hour}:00", "end-time": f"{hour + 1}:00"}
        made = client.post("/api/reservations", json=body | {"title": title, "owner": "U0AB"})
        assert made.status_code == 201, made.json
    listed = client.get("/api/reservations?date=2025-09-29")
    assert listed.status_code == 200 and listed.mimetype == "application/json"
    with app.app_context():
        expected = app.json.response(listed.json).get_data()  # what jsonify writes
    assert listed.get_data() == expected
    assert [r["title"] for r in (listed.json or {})["reservations"]] == titles
