"""A fake Bot Framework connector (the serviceUrl Teams gives the bot) that refuses what Teams refuses.

It answers `POST /v3/conversations/{id}/activities[/{replyToId}]`, `PUT …/activities/{id}` and
`POST /v3/conversations`, records each request as a `Sent`, and refuses: a wrong or missing
bearer token (401: not its fixed `token`, or one its `accepts` check turns down, as the real
connector checks an Entra token's signature, audience and app id), an unknown conversation or
activity (404), an invalid Adaptive Card or activity (400, see tests.fakes.adaptive) and a
message over 28 KB (413).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes.adaptive import CARD_TYPE, activity_problem
from tests.fakes.server import Answer, FakeServer, JsonHandler

ACTIVITIES = re.compile(
    r"^/v3/conversations/(?P<conversation>[^/]+)/activities(?:/(?P<activity>[^/]+))?$"
)


@dataclass(frozen=True)
class Sent:
    """One request the bot made, and what the fake answered."""

    method: str
    path: str
    conversation: str
    activity_id: str | None  # replyToId (POST) or the updated activity (PUT)
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Tell whether the connector accepted it."""
        return 200 <= self.status < 300

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards the activity carried."""
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == CARD_TYPE
        ]


class _Handler(JsonHandler):
    """Hand each request, PUT included, to the fake."""

    fake: FakeConnector

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        """Serve a PUT."""
        self._serve("PUT")

    def answer(self, method: str, raw: bytes) -> Answer:
        """Parse the JSON body and let the fake decide."""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        return self.fake.receive(
            method, unquote(self.path.split("?")[0]), body, dict(self.headers.items())
        )


class FakeConnector(FakeServer[Sent]):
    """A Bot Framework connector on 127.0.0.1: a fixed `token`, an `accepts` check, or anonymous."""

    server_name = "FakeConnector"
    thread_name = "fake-connector"
    handler_class = _Handler

    def __init__(
        self, token: str | None = None, accepts: Callable[[str], bool] | None = None
    ) -> None:
        self.token, self.accepts = token, accepts
        self._ids = itertools.count(1)
        super().__init__()
        self.reset()

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities."""
        return f"{self.origin}/teams/"

    def reset(self) -> None:
        """Forget requests, conversations, posted activities and scripted failures."""
        with self._cond:
            self._forget()
            self.conversations: set[str] = set()
            self.posted: dict[str, dict[str, Any]] = {}
            self.failures: list[int] = []

    def open(self, conversation: str) -> None:
        """Make a conversation known (Teams knows every conversation a user writes in)."""
        with self._cond:
            self.conversations.add(conversation)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with this HTTP status."""
        with self._cond:
            self.failures += [status] * times

    @property
    def sent(self) -> list[Sent]:
        """Every request so far, oldest first."""
        return self._recorded()

    def messages(self, conversation: str | None = None) -> list[Sent]:
        """The accepted message activities (optionally of one conversation)."""
        return [
            s
            for s in self.sent
            if s.ok
            and s.body.get("type") == "message"
            and s.method == "POST"
            and s.path != "/teams/v3/conversations"
            and conversation in (None, s.conversation)
        ]

    def wait_for_messages(
        self, count: int = 1, conversation: str | None = None, timeout: float = 10
    ) -> list[Sent]:
        """Wait until the bot posted `count` messages (to a conversation); return them."""
        self.wait_for(lambda: len(self.messages(conversation)) >= count, timeout)
        return self.messages(conversation)

    def receive(self, method: str, path: str, body: Any, headers: dict[str, str]) -> Answer:
        """Answer one request, recording it with the answer."""
        with self._cond:
            status, response = self._answer(method, path.removeprefix("/teams"), body, headers)
            match = ACTIVITIES.match(path.removeprefix("/teams"))
            self._record(Sent(method, path, match["conversation"] if match else "",
                              match["activity"] if match else None, body if isinstance(body, dict) else {},
                              headers, status, response))  # fmt: skip
        return status, response, {}

    def _answer(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if self.failures:
            return self.failures.pop(0), error("ServiceError", "scripted failure")
        given = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if not self._authorized(given):
            return 401, error("Unauthorized", "missing or wrong bearer token")
        if method == "POST" and path == "/v3/conversations":
            return self._create(body)
        match = ACTIVITIES.match(path)
        if match is None or method not in ("POST", "PUT"):
            return 404, error("NotFound", f"no route for {method} {path}")
        return self._activity(method, match["conversation"], match["activity"], body)

    def _authorized(self, given: str | None) -> bool:
        if self.accepts is not None:
            scheme, _, token = (given or "").partition(" ")
            return scheme == "Bearer" and bool(token) and self.accepts(token)
        return given == (f"Bearer {self.token}" if self.token else None)

    def _activity(
        self, method: str, conversation: str, activity_id: str | None, body: Any
    ) -> tuple[int, dict[str, Any]]:
        if conversation not in self.conversations:
            return 404, error("ConversationNotFound", f"unknown conversation {conversation}")
        if method == "PUT" and (activity_id is None or activity_id not in self.posted):
            return 404, error("ActivityNotFound", f"unknown activity {activity_id}")
        problem = activity_problem(body)
        if problem:
            return problem[0], error(
                "BadArgument" if problem[0] == 400 else "MessageSizeTooBig", problem[1]
            )
        new_id = activity_id if method == "PUT" else f"1:{next(self._ids)}"
        self.posted[str(new_id)] = body
        return (200 if method == "PUT" else 201), {"id": new_id}

    def _create(self, body: Any) -> tuple[int, dict[str, Any]]:
        members = body.get("members") if isinstance(body, dict) else None
        tenant = (body or {}).get("tenantId") or ((body or {}).get("channelData") or {}).get(
            "tenant", {}
        ).get("id")
        if not members or not all(isinstance(m, dict) and m.get("id") for m in members):
            return 400, error("BadArgument", "members must name at least one user id")
        if not tenant or not (body.get("bot") or {}).get("id"):
            return 400, error("BadArgument", "tenantId and bot.id are required")
        conversation = f"a:personal-{members[0]['id']}"
        self.conversations.add(conversation)
        return 201, {"id": conversation}


def error(code: str, message: str) -> dict[str, Any]:
    """The Bot Framework's error body."""
    return {"error": {"code": code, "message": message}}
