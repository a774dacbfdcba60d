"""manifest.yml and the listeners agree: every command and event has a listener, and back."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.slack.listeners.assistant import ASSISTANT_EVENTS
from bot.slack.listeners.commands import COMMANDS
from bot.slack.listeners.events import EVENTS
from tests.conftest import ROOT

# The Events API subscription names that arrive as one `message` event type.
MESSAGE_SUBSCRIPTIONS = {"message.channels", "message.groups", "message.im", "message.mpim"}
# The bot scope each subscription needs (app_home_opened needs none).
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "message.mpim": "mpim:history",
    "assistant_thread_started": "assistant:write",
    "assistant_thread_context_changed": "assistant:write",
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    """The parsed Slack app manifest."""
    with open(ROOT / "manifest.yml", encoding="utf-8") as f:
        loaded = yaml.safe_load(f)
    assert isinstance(loaded, dict)
    return loaded


def bot_events(manifest: dict[str, Any]) -> list[str]:
    """The bot events the manifest subscribes to."""
    return list(manifest["settings"]["event_subscriptions"]["bot_events"])


def bot_scopes(manifest: dict[str, Any]) -> set[str]:
    """The bot token scopes the manifest asks for."""
    return set(manifest["oauth_config"]["scopes"]["bot"])


def event_type(subscription: str) -> str:
    """The event type a subscription delivers: message.im → message."""
    return "message" if subscription in MESSAGE_SUBSCRIPTIONS else subscription


def test_every_slash_command_has_a_listener_and_back(manifest: dict[str, Any]) -> None:
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands, "the manifest declares no slash command"
    assert len(commands) == len(set(commands))
    assert set(commands) == set(COMMANDS)


def test_every_bot_event_has_a_listener_and_back(manifest: dict[str, Any]) -> None:
    events = bot_events(manifest)
    assert events, "the manifest subscribes to no bot event"
    assert len(events) == len(set(events))
    assert {event_type(e) for e in events} == set(EVENTS) | set(ASSISTANT_EVENTS)


def test_message_events_cover_dms_and_channel_threads(manifest: dict[str, Any]) -> None:
    assert {"message.im", "message.channels"} <= set(bot_events(manifest))


def test_one_request_url_for_events_commands_and_interactivity(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    url = settings["event_subscriptions"]["request_url"]
    assert url.startswith("https://") and url.endswith("/slack/events")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"] == url
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {url}


def test_scopes_cover_what_the_listeners_need(manifest: dict[str, Any]) -> None:
    needed = {"chat:write", "commands", "app_mentions:read", "im:history"}
    needed |= {EVENT_SCOPES[e] for e in bot_events(manifest) if e in EVENT_SCOPES}
    assert needed <= bot_scopes(manifest)


def test_no_user_scopes_and_no_admin_scopes(manifest: dict[str, Any]) -> None:
    assert not manifest["oauth_config"]["scopes"].get("user")
    assert not any(s.startswith("admin") for s in bot_scopes(manifest))


def test_app_home_tab_is_enabled_for_app_home_opened(manifest: dict[str, Any]) -> None:
    assert "app_home_opened" in bot_events(manifest)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True  # DMs reach the bot
    assert manifest["features"]["bot_user"]["display_name"]


def test_commands_have_descriptions_slack_accepts(manifest: dict[str, Any]) -> None:
    commands = manifest["features"]["slash_commands"]
    assert commands, "the manifest declares no slash command"
    for command in commands:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 100
        assert len(command.get("usage_hint", "")) <= 1000


def test_assistant_view_describes_the_bot_and_suggests_prompts(manifest: dict[str, Any]) -> None:
    """The AI-app split view: a description, at most four prompts, its events and scope."""
    view = manifest["features"]["assistant_view"]
    assert 0 < len(view["assistant_description"]) <= 100
    prompts = view["suggested_prompts"]
    assert 0 < len(prompts) <= 4
    assert all(p["title"] and p["message"] and len(p["title"]) <= 75 for p in prompts)
    assert {"assistant_thread_started", "assistant_thread_context_changed", "message.im"} <= set(
        bot_events(manifest)
    )
    assert {"assistant:write", "users:read"} <= bot_scopes(manifest)
