"""The comparison app for bench.slack_ack: the smallest Bolt app whose handler takes 2 s."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, request
from slack_bolt import App, Assistant
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient

bolt = App(
    client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)


@bolt.event("app_mention")
def slow_mention(event: dict[str, str]) -> None:
    """Work that takes as long as the bot's slowest answer."""
    time.sleep(float(os.environ.get("BENCH_HANDLER_SECONDS", "2")))


assistant = Assistant()


@assistant.user_message
def slow_answer(payload: dict[str, str]) -> None:
    """The same slow work for a message in an assistant thread."""
    time.sleep(float(os.environ.get("BENCH_HANDLER_SECONDS", "2")))


bolt.assistant(assistant)
app = Flask(__name__)
handler = SlackRequestHandler(bolt)


@app.post("/slack/events")
def events() -> Response:
    """The one Request URL."""
    return handler.handle(request)
