"""Serving the Teams endpoint in this process (a real aiohttp server on a free port) and the
activities Teams would post to it."""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from aiohttp import web

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT = {"id": "28:roombot", "name": "Room bot"}
_ids = itertools.count(1)


class Served:
    """An aiohttp app served by its own event loop in a daemon thread."""

    def __init__(self, app: web.Application):
        self.app, self.port = app, 0
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        self._ready = threading.Event()

    def start(self) -> Served:
        """Listen on a free 127.0.0.1 port."""
        threading.Thread(target=self._run, name="teams-endpoint", daemon=True).start()
        if not self._ready.wait(10):
            raise TimeoutError("the Teams endpoint did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self.loop.run_forever()

    def stop(self) -> None:
        """Stop serving."""
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)

    @property
    def url(self) -> str:
        """The messaging endpoint."""
        return f"http://127.0.0.1:{self.port}/api/messages"


@dataclass(frozen=True)
class Answer:
    """What the endpoint answered."""

    status: int
    body: bytes

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> Answer:
    """POST JSON (or raw bytes) over real HTTP; any status is returned."""
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read())


@dataclass(frozen=True)
class User:
    """A Teams user of a tenant, writing in one conversation."""

    aad: str
    service_url: str
    tenant: str = TENANT
    conversation: str = ""
    kind: str = "personal"
    locale: str = "ja-JP"
    name: str = "User"  # the display name Teams sends

    @property
    def conversation_id(self) -> str:
        """Their conversation: given, or their personal chat with the bot."""
        return self.conversation or f"a:chat-{self.aad}"

    def base(self, kind: str) -> dict[str, Any]:
        """The fields every activity from this user carries."""
        return {
            "type": kind, "id": f"act-{next(_ids)}", "channelId": "msteams",
            "serviceUrl": self.service_url, "locale": self.locale,
            "from": {"id": f"29:{self.aad}", "name": self.name, "aadObjectId": self.aad},
            "recipient": BOT,
            "conversation": {"id": self.conversation_id, "conversationType": self.kind,
                             "tenantId": self.tenant, "isGroup": self.kind != "personal"},
            "channelData": {"tenant": {"id": self.tenant}},
        }  # fmt: skip

    def message(self, text: str, mention: bool = False) -> dict[str, Any]:
        """A message (an @mention of the bot in channels)."""
        activity = self.base("message")
        if mention:
            tag = f"<at>{BOT['name']}</at>"
            activity["text"] = f"{tag} {text}"
            activity["entities"] = [{"type": "mention", "text": tag, "mentioned": BOT}]
        else:
            activity["text"] = text
        return activity

    def press(self, verb: str, data: dict[str, Any], card_message: str = "") -> dict[str, Any]:
        """An Action.Execute button press on a card (an adaptiveCard/action invoke)."""
        activity = self.base("invoke")
        activity["name"] = "adaptiveCard/action"
        activity["value"] = {"action": {"type": "Action.Execute", "verb": verb, "data": data},
                             "trigger": "manual"}  # fmt: skip
        if card_message:
            activity["replyToId"] = card_message
        return activity

    def install(self) -> dict[str, Any]:
        """The app was installed in this conversation."""
        activity = self.base("installationUpdate")
        activity["action"] = "add"
        return activity


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Execute in a card, however deeply nested."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def card_text(card: dict[str, Any]) -> str:
    """All the TextBlock text of a card, joined by newlines."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                texts.append(str(node.get("text", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(texts)
