"""A fake Slack Web API on a local port that refuses what Slack refuses.

Point the real client at it: ``WebClient(token="xoxb-test-token", base_url=fake.url)``.
Every request is recorded as a `Call`; `fail_next` scripts rate limits and outages. Messages
posted through the fake are kept, so `conversations.replies`, `chat.update` and `chat.delete`
see them; `add_message` seeds messages written by people.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.blockkit import MAX_MESSAGE_BLOCKS, Refusal, loads, validate_blocks, validate_view
from tests.fakes.blockkit import MAX_TEXT as MAX_TEXT
from tests.fakes.blockkit import MAX_VIEW_BLOCKS as MAX_VIEW_BLOCKS
from tests.fakes.blockkit import block_problem as block_problem
from tests.fakes.server import Answer, FakeServer, JsonHandler
from tests.fakes.slack_ai import AiMethods

DEFAULT_TOKEN = "xoxb-test-token"
BOT_USER_ID, BOT_ID, TEAM_ID, APP_ID = "UBOT", "BBOT", "T1", "AFAKE"
MAX_MESSAGE_TEXT = 40000
FIRST_TS = 1_700_000_000
JSON_ARGS = ("blocks", "view", "attachments", "metadata")
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 503: "service_unavailable"}

Args = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the fake received, and what it answered."""

    method: str
    args: Args
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    at: float = field(default_factory=time.perf_counter)  # when the fake answered it

    @property
    def ok(self) -> bool:
        """Tell whether the call succeeded."""
        return self.status == 200 and bool(self.response.get("ok"))

    def header(self, name: str) -> str | None:
        """Return a request header, ignoring case."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


@dataclass
class _Failure:
    """A scripted failure for the next calls of one method."""

    method: str
    status: int
    retry_after: int | None
    error: str
    times: int

    def answer(self) -> Answer:
        """Render the failure as an HTTP answer."""
        headers = {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return self.status, {"ok": False, "error": self.error}, headers


def parse_args(query: str, content_type: str, raw: bytes) -> Args:
    """Merge query-string and body parameters (form, multipart or JSON) into one dict."""
    args: Args = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise ValueError("a JSON body must be an object")
        args.update(body)
    elif content_type.startswith("multipart/form-data"):
        args.update(_multipart(content_type, raw))
    else:
        args.update(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    return {key: loads(value) if key in JSON_ARGS else value for key, value in args.items()}


def _multipart(content_type: str, raw: bytes) -> Args:
    """Parse a multipart/form-data body; file parts stay bytes."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + raw)
    fields: Args = {}
    for part in message.iter_parts():
        raw_payload = part.get_payload(decode=True)
        payload = raw_payload if isinstance(raw_payload, bytes) else b""
        name = str(part.get_param("name", header="content-disposition"))
        fields[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def _truthy(value: Any) -> bool:
    """Read a boolean the way Slack reads form and JSON arguments."""
    return value in (True, 1, "1", "true", "True")


class _Handler(JsonHandler):
    """Parse one request's arguments (query string and body) and hand them to the fake."""

    content_type = "application/json; charset=utf-8"
    fake: FakeSlack

    def answer(self, method: str, raw: bytes) -> Answer:
        """Answer every Web API method, by POST or GET; unparsable arguments become None."""
        url = urlsplit(self.path)
        try:
            args: Args | None = parse_args(url.query, self.headers.get("Content-Type", ""), raw)
        except ValueError:
            args = None
        return self.fake.receive(url.path, args, dict(self.headers.items()))


class FakeSlack(AiMethods, FakeServer[Call]):
    """A Slack Web API on 127.0.0.1 that records every call and refuses what Slack refuses.

    `channels=None` knows every id starting with C, D or G; `locales` maps user ids to the
    locale `users.info` reports (default ja-JP) when asked with `include_locale`. The AI-app
    methods (assistant threads, streams) live in `tests.fakes.slack_ai`.
    """

    server_name = "FakeSlack"
    thread_name = "fake-slack"
    handler_class = _Handler

    def __init__(
        self,
        *,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        channels: Iterable[str] | None = None,
        locales: Mapping[str, str] | None = None,
    ) -> None:
        self.valid_tokens = set(tokens)
        self.channels = None if channels is None else set(channels)
        self.locales = dict(locales or {})
        super().__init__()
        self._ts = self._view_seq = 0
        self._methods: dict[str, Callable[[Args], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete_message,
            "views.open": self._open_view,
            "views.push": self._open_view,
            "views.publish": self._publish_view,
            "views.update": self._update_view,
            "users.info": self._user_info,
            "conversations.replies": self._replies,
            "conversations.open": self._open_conversation,
            **self.ai_methods(),
        }
        self.reset()

    # addresses

    @property
    def url(self) -> str:
        """Return the Web API base URL, as `WebClient(base_url=...)` takes it."""
        return f"{self.origin}/api/"

    def response_url(self, name: str = "r1") -> str:
        """Return a response_url whose posts are recorded as method 'response_url'."""
        return f"{self.origin}/response/{name}"

    # scripting and seeding

    def reset(self) -> None:
        """Forget calls, scripted failures, messages, views and opened DMs (keep the config)."""
        with self._cond:
            self._forget()
            self._failures: list[_Failure] = []
            self._messages: dict[str, list[dict[str, Any]]] = {}
            self._views: dict[str, dict[str, Any]] = {}
            self._dms: set[str] = set()
            self._ai_refusals = []
            self._cond.notify_all()

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` ('*' for any) with this HTTP failure."""
        code = error or DEFAULT_ERRORS.get(status)
        if code is None:
            raise ValueError(f"give an error code for status {status}")
        with self._cond:
            self._failures.append(_Failure(method, status, retry_after, code, times))

    def add_message(
        self, channel: str, text: str, *, user: str = "U0HUMAN", thread_ts: str | None = None
    ) -> str:
        """Seed a message written by a person; return its ts."""
        with self._cond:
            return str(self._store(channel, {"text": text, "thread_ts": thread_ts}, user)["ts"])

    # recording

    @property
    def calls(self) -> list[Call]:
        """Return every call so far, oldest first."""
        return self._recorded()

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls of one method."""
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str) -> list[dict[str, Any]]:
        """Return a copy of the messages the channel holds now."""
        with self._cond:
            return copy.deepcopy(self._messages.get(channel, []))

    def view(self, view_id: str) -> dict[str, Any] | None:
        """Return a copy of an opened or published view."""
        with self._cond:
            return copy.deepcopy(self._views.get(view_id))

    def _seen(self) -> str:
        """Name the methods called so far, for a timeout message."""
        return f"calls: {[call.method for call in self._records]}"

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called `count` times; return its calls."""
        self.wait_for(lambda: len(self.calls_to(method)) >= count, timeout)
        return self.calls_to(method)

    # answering

    def receive(self, path: str, args: Args | None, headers: dict[str, str]) -> Answer:
        """Answer one HTTP request and record it; `args` is None for an unparsable body."""
        with self._cond:
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
                answer = self._api(method, args, headers)
            elif path.startswith("/response/"):
                method, answer = "response_url", self._respond(args)
            else:
                method, answer = path, (404, {"ok": False, "error": "not_found"}, {})
            body = copy.deepcopy(answer[1])
            self._record(Call(method, args or {}, headers, answer[0], body, path))
            return answer

    def _api(self, method: str, args: Args | None, headers: dict[str, str]) -> Answer:
        """Answer a Web API call: a scripted failure, or the method's own answer."""
        failure = self._take_failure(method)
        if failure is not None:
            return failure.answer()
        try:
            if args is None:
                raise Refusal("invalid_json")
            handler = self._methods.get(method)
            if handler is None:
                raise Refusal("unknown_method")
            self._authenticate(args, headers)
            return 200, handler(args), {}
        except Refusal as refusal:
            return 200, refusal.body(), {}

    def _respond(self, args: Args | None) -> Answer:
        """Answer a post to a response_url."""
        try:
            if args is None:
                raise Refusal("invalid_json")
            if "blocks" in args:
                validate_blocks(args["blocks"], MAX_MESSAGE_BLOCKS)
            return 200, {"ok": True}, {}
        except Refusal as refusal:
            return 400, refusal.body(), {}

    def _take_failure(self, method: str) -> _Failure | None:
        """Consume one scripted failure for `method`, if any."""
        for failure in self._failures:
            if failure.method in (method, "*"):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _authenticate(self, args: Args, headers: dict[str, str]) -> None:
        """Accept a known bearer token (or `token` argument) only."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        token = token or args.get("token")
        if not token:
            raise Refusal("not_authed")
        if token not in self.valid_tokens:
            raise Refusal("invalid_auth")

    def _channel(self, args: Args, key: str = "channel") -> str:
        """Return a known channel id from the arguments, or refuse."""
        channel = str(args.get(key) or "")
        known = channel in self._dms or (
            channel[:1] in ("C", "D", "G") if self.channels is None else channel in self.channels
        )
        if not channel or not known:
            raise Refusal("channel_not_found")
        return channel

    def _next_ts(self) -> str:
        """Return a unique, increasing message ts."""
        self._ts += 100
        return f"{FIRST_TS + self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _find(self, channel: str, ts: Any) -> dict[str, Any] | None:
        """Return the stored message with this ts."""
        return next((m for m in self._messages.get(channel, []) if m["ts"] == str(ts)), None)

    def _store(self, channel: str, args: Args, user: str = BOT_USER_ID) -> dict[str, Any]:
        """Keep a new message in the channel (and count it as a reply to its parent)."""
        message: dict[str, Any] = {"type": "message", "user": user, "team": TEAM_ID}
        message |= {"text": args.get("text") or "", "ts": self._next_ts()}
        if user == BOT_USER_ID:
            message |= {"bot_id": BOT_ID, "app_id": APP_ID}
        message |= {k: args[k] for k in ("blocks", "attachments", "metadata") if args.get(k)}
        parent = self._find(channel, args.get("thread_ts")) if args.get("thread_ts") else None
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        if parent is not None:
            parent |= {"thread_ts": parent["ts"], "latest_reply": message["ts"]}
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        self._messages.setdefault(channel, []).append(message)
        return message

    def _check_message(self, args: Args) -> None:
        """Refuse a message without content, with too long a text, or with invalid blocks."""
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            raise Refusal("no_text")
        if len(str(args.get("text") or "")) > MAX_MESSAGE_TEXT:
            raise Refusal("msg_too_long")
        if args.get("blocks") is not None:
            validate_blocks(args["blocks"], MAX_MESSAGE_BLOCKS)

    def _own_message(self, args: Args, error: str) -> tuple[str, dict[str, Any]]:
        """Return the channel and the bot's own message the arguments point at."""
        channel = self._channel(args)
        message = self._find(channel, args.get("ts"))
        if message is None:
            raise Refusal("message_not_found")
        if message["user"] != BOT_USER_ID:
            raise Refusal(error)
        return channel, message

    # methods

    def _auth_test(self, args: Args) -> dict[str, Any]:
        """Describe the bot."""
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "user": "roombot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _post_message(self, args: Args) -> dict[str, Any]:
        """Post a message; a user id as channel posts to that user's DM, as Slack does."""
        channel = str(args.get("channel") or "")
        if USER_ID.match(channel):
            self._dms.add(channel := f"D{channel}")
        channel = self._channel({"channel": channel})
        self._check_message(args)
        message = self._store(channel, args)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _update_message(self, args: Args) -> dict[str, Any]:
        """Replace the text and blocks of one of the bot's messages."""
        channel, message = self._own_message(args, "cant_update_message")
        self._check_message(args)
        message |= {k: args[k] for k in ("text", "blocks", "attachments") if k in args}
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        ts, text = message["ts"], message.get("text") or ""
        return {"ok": True, "channel": channel, "ts": ts, "text": text, "message": message}

    def _post_ephemeral(self, args: Args) -> dict[str, Any]:
        """Show a message to one user (not kept in the channel's history)."""
        self._channel(args)
        if not USER_ID.match(str(args.get("user") or "")):
            raise Refusal("user_not_found")
        self._check_message(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _delete_message(self, args: Args) -> dict[str, Any]:
        """Delete one of the bot's messages."""
        channel, message = self._own_message(args, "cant_delete_message")
        self._messages[channel].remove(message)
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _open_view(self, args: Args) -> dict[str, Any]:
        """Open (or push) a modal."""
        if not args.get("trigger_id"):
            raise Refusal("invalid_arguments", "missing required field: trigger_id")
        return {"ok": True, "view": self._save_view(validate_view(args.get("view"), ("modal",)))}

    def _publish_view(self, args: Args) -> dict[str, Any]:
        """Publish a Home tab."""
        if not USER_ID.match(str(args.get("user_id") or "")):
            raise Refusal("invalid_arguments", "missing required field: user_id")
        return {"ok": True, "view": self._save_view(validate_view(args.get("view"), ("home",)))}

    def _update_view(self, args: Args) -> dict[str, Any]:
        """Replace an opened view, found by view_id or external_id."""
        wanted = args.get("view_id") or args.get("external_id")
        old = next((v for v in self._views.values() if wanted in (v["id"], v["external_id"])), None)
        if not wanted or old is None:
            raise Refusal("not_found")
        if args.get("hash") and args["hash"] != old["hash"]:
            raise Refusal("hash_conflict")
        view = validate_view(args.get("view"), (old["type"],))
        return {"ok": True, "view": self._save_view(view, old["id"])}

    def _save_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        """Keep a view with the fields Slack adds to it."""
        self._view_seq += 1
        view_id = view_id or f"V{self._view_seq:010d}"
        defaults = {"private_metadata": "", "callback_id": "", "external_id": ""}
        saved = defaults | view | {"id": view_id, "team_id": TEAM_ID, "app_id": APP_ID}
        saved |= {"bot_id": BOT_ID, "hash": f"{self._view_seq}.fakehash", "root_view_id": view_id}
        saved |= {"state": {"values": {}}, "previous_view_id": None}
        self._views[view_id] = saved
        return saved

    def _user_info(self, args: Args) -> dict[str, Any]:
        """Describe a user in Tokyo; the locale only with include_locale, as Slack does."""
        user_id = str(args.get("user") or "")
        if not USER_ID.match(user_id):
            raise Refusal("user_not_found")
        profile = {"real_name": f"User {user_id}", "display_name": user_id.lower()}
        user: dict[str, Any] = {"id": user_id, "team_id": TEAM_ID, "name": user_id.lower()}
        user |= {"real_name": profile["real_name"], "deleted": False, "profile": profile}
        user |= {"is_bot": user_id == BOT_USER_ID, "tz": "Asia/Tokyo"}
        user |= {"tz_label": "Japan Standard Time", "tz_offset": 32400}
        if _truthy(args.get("include_locale")):
            user["locale"] = self.locales.get(user_id, "ja-JP")
        return {"ok": True, "user": user}

    def _replies(self, args: Args) -> dict[str, Any]:
        """Return a thread: its parent and every reply, oldest first."""
        channel = self._channel(args)
        parent = self._find(channel, args.get("ts"))
        if parent is None:
            raise Refusal("thread_not_found")
        root = parent.get("thread_ts") or parent["ts"]
        thread = [m for m in self._messages[channel] if root in (m["ts"], m.get("thread_ts"))]
        thread.sort(key=lambda m: float(m["ts"]))
        return {"ok": True, "messages": thread, "has_more": False}

    def _open_conversation(self, args: Args) -> dict[str, Any]:
        """Open a DM ('D' + user id) or a group DM ('G' + user ids)."""
        users = args.get("users")
        ids = users if isinstance(users, list) else str(users or "").split(",")
        ids = [str(u).strip() for u in ids if str(u).strip()]
        if not ids:
            if args.get("channel"):
                return {"ok": True, "channel": {"id": self._channel(args)}}
            raise Refusal("users_list_not_supplied")
        if not all(USER_ID.match(u) for u in ids):
            raise Refusal("user_not_found")
        channel = f"D{ids[0]}" if len(ids) == 1 else "G" + "".join(ids)
        self._dms.add(channel)
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel}}
