"""A web worker imports a surface's or an adapter's libraries only when it is configured.

Each case builds the app in a fresh interpreter (this process has imported everything already)
and lists which of the optional libraries it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, sqlite_url

OPTIONAL = ("slack_bolt", "slack_sdk", "microsoft_agents", "aiohttp", "caldav", "icalendar",
            "redis", "apscheduler", "openai")  # fmt: skip
BUILD = """
import json, sys
from bot.settings import Settings
from bot.web import create_app
create_app(Settings(**json.loads(sys.argv[1])))
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(sys.argv[2])))))
"""


def loaded_by_app(**settings: object) -> list[str]:
    """The optional libraries a fresh interpreter has loaded after building the app."""
    done = subprocess.run(
        [sys.executable, "-c", BUILD, json.dumps(settings), json.dumps(OPTIONAL)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A migrated SQLite file."""
    return sqlite_url(tmp_path)


def test_an_app_with_nothing_optional_configured_loads_none_of_it(database: str) -> None:
    assert loaded_by_app(database_url=database, flask_env="development") == []


def test_slack_settings_load_bolt_and_the_sdk_and_nothing_else(database: str) -> None:
    slack = {"slack_bot_token": "xoxb-1", "slack_signing_secret": "s", "scheduler_in_web": False}
    loaded = loaded_by_app(database_url=database, flask_env="development", **slack)
    assert loaded == ["slack_bolt", "slack_sdk"]
