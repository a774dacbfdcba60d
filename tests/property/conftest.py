"""Fixtures of the property tests: the app on the parametrised database, and the error check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import currently_in_test_context, event
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.engine import make_engine
from tests.conftest import NOW, reset, sqlite_url

ERROR_FIELDS = {"room-id", "date", "start-time", "end-time", "title", "owner", "body", "id"}


@dataclass
class World:
    """The app under test and its database."""

    client: FlaskClient
    engine: Engine


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """The development app (no token) on the parametrised database, clock fixed at NOW."""
    container = build(Settings(database_url=db_url, flask_env="development"), clock=lambda: NOW)
    yield World(create_app(container=container).test_client(), container.engine)
    container.engine.dispose()


def world_on(url: str) -> Iterator[World]:
    """A World on a given, freshly reset database."""
    engine = make_engine(url)
    reset(engine)
    engine.dispose()
    container = build(Settings(database_url=url, flask_env="development"), clock=lambda: NOW)
    yield World(create_app(container=container).test_client(), container.engine)
    container.engine.dispose()


@pytest.fixture
def pg_world(pg_url: str) -> Iterator[World]:
    """The app on PostgreSQL only."""
    yield from world_on(pg_url)


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The app on SQLite only."""
    yield from world_on(sqlite_url(tmp_path))


def error_of(response: TestResponse) -> dict[str, Any]:
    """The error object of a 4xx, checked for the API's one error shape."""
    assert 400 <= response.status_code < 500, response.status_code
    body = response.get_json(silent=True)
    assert isinstance(body, dict) and set(body) == {"error"}, response.get_data(as_text=True)[:300]
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], error
    assert "field" in error and error["field"] in ERROR_FIELDS, error
    assert isinstance(error.get("message"), str) and error["message"].strip(), error
    assert "Traceback" not in response.get_data(as_text=True)
    if currently_in_test_context():
        event(f"{response.status_code} {error['code']} {error['field']}")
    return dict(error)
