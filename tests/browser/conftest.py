"""The app served over real HTTP (werkzeug in a thread, on PostgreSQL) with a clock the tests
set, and one headless Chromium for the whole session, driven by Playwright.

Chromium comes from Debian (`make test` installs it and fonts-noto-cjk when missing, and names
it in TEST_CHROMIUM); Playwright cannot download its own browsers here and need not.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine
from werkzeug.serving import BaseWSGIServer, make_server

from booking.boards import issue_token
from booking.clock import JST
from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from storage.engine import make_engine, make_session_factory
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import reset

ADMIN_TOKEN = "browser-admin-token-0123456789"
START = datetime(2026, 12, 2, 10, 3, tzinfo=JST)  # a Wednesday morning, Japan time
TABLET = {"width": 1024, "height": 600}
PHONE = {"width": 390, "height": 844}


class Clock:
    """The served app's clock: the tests move it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Served:
    """The running app: its base URL, database and clock."""

    base: str
    engine: Engine
    clock: Clock

    def token(self, room: str = "1") -> str:
        """Issue a board token for a room (through the use case, as the CLI does)."""
        secret = f"board-token-{room}-{self.clock.now.timestamp():.0f}"
        uow = SqlAlchemyUnitOfWork(make_session_factory(self.engine))
        issue_token(uow, room=room, token=secret, label="door", now=self.clock.now)
        return secret


@pytest.fixture(scope="package")
def chromium() -> str:
    """The Chromium binary `make test` provided (fails, never skips, without one)."""
    path = os.environ.get("TEST_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("no Chromium: run the suite with `make test`, which installs it")
    return path


@pytest.fixture(scope="package")
def served(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app on PostgreSQL over real HTTP, polling boards every second."""
    clock = Clock(START)
    settings = Settings(
        database_url=pg_url, api_token=ADMIN_TOKEN, secret_key="browser-tests-secret",
        board_refresh_seconds=1, default_language="ja", scheduler_in_web=False,
        log_dir=str(tmp_path_factory.mktemp("logs")),
    )  # fmt: skip
    app = create_app(container=build(settings, clock=clock))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    engine = make_engine(pg_url)
    try:
        yield Served(f"http://127.0.0.1:{server.server_port}", engine, clock)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture
def app(served: Served) -> Served:
    """A clean start: the example rooms, no reservations or tokens, the clock at START."""
    reset(served.engine)
    served.clock.now = START
    return served


@pytest.fixture(scope="package")
def browser(chromium: str) -> Iterator[Browser]:
    """One headless Chromium for the session."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@dataclass
class Watched:
    """A page, and what it asked for and complained about."""

    page: Page
    requests: list[str]
    problems: list[str]


def open_page(browser: Browser, viewport: dict[str, int], **context: Any) -> Watched:
    """A fresh page that records every request and every console error (CSP violations)."""
    page = browser.new_context(viewport=viewport, locale="ja-JP", **context).new_page()
    page.set_default_timeout(10_000)
    watched = Watched(page, [], [])
    page.on("request", lambda r: watched.requests.append(r.url))
    page.on("console", lambda m: watched.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.problems.append(str(e)))
    return watched


@pytest.fixture
def tablet(browser: Browser) -> Iterator[Watched]:
    """A 1024x600 door tablet."""
    watched = open_page(browser, TABLET)
    yield watched
    watched.page.context.close()
