"""A fresh bot on SQLite with its fake Slack, served over HTTP on a local port."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from bot.container import Container, build
from bot.settings import Settings
from bot.web import create_app
from storage.migrate import upgrade
from storage.rooms_file import load_rooms
from storage.rooms_file import sync_rooms as sync
from tests.conftest import ROOT
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_api import FakeSlack


@contextmanager
def serving(
    tmp_path: Path, prepare: Callable[[Container], None]
) -> Iterator[tuple[Container, FakeSlack, str]]:
    """The container (`prepare` may swap its parts first), its fake Slack and the base URL."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'bot.db'}", slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET, slack_api_url=fake.url,
            flask_env="development", scheduler_in_web=False,
        )  # fmt: skip
        container = build(settings)
        upgrade(container.engine)
        sync(container.session_factory, load_rooms(ROOT / "rooms.yml"))
        prepare(container)
        server = make_server("127.0.0.1", 0, create_app(container=container), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield container, fake, f"http://127.0.0.1:{server.port}"
        finally:
            server.shutdown()
            thread.join(timeout=5)
            container.engine.dispose()
