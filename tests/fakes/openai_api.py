"""A fake OpenAI Chat Completions API on a local port, driven by a script of steps.

Point the real client at it: ``OpenAI(api_key="sk-test", base_url=fake.url)``. Each
``POST /v1/chat/completions`` takes the next step of the script: a `Reply`, `ToolCalls`, an
`HttpError` or a `Delay`. When the script is empty the `responder` (if any) picks the step from
the request; otherwise the fake answers a plain assistant message, `default_reply` ('OK'), or,
with ``default_reply=None``, a 500 carrying ``x-should-retry: false`` so the client fails fast.
Requests are checked first, as OpenAI checks them: a refused request consumes no step.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import urlsplit

from tests.fakes.server import Answer, FakeServer, JsonHandler

DEFAULT_API_KEY = "sk-test"
DEFAULT_MODEL = "gpt-4o-mini"
CHAT_PATH = "/v1/chat/completions"
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TOOL_WITHOUT_CALL = (
    "Invalid parameter: messages with role 'tool' must be a response to a preceeding "
    "message with 'tool_calls'."
)
DEFAULT_ERRORS = {
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    429: ("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request.", "server_error", None),
    503: ("The server is overloaded or not ready yet.", "server_error", None),
}

Body = dict[str, Any]
Problem = tuple[str, str | None]


@dataclass(frozen=True)
class Reply:
    """The model answers with assistant text (finish_reason 'stop')."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """One function call; string `arguments` are sent verbatim, so malformed JSON is allowed."""

    name: str
    arguments: str | dict[str, Any] = "{}"
    id: str | None = None


@dataclass(frozen=True)
class ToolCalls:
    """The model asks for tool calls (finish_reason 'tool_calls')."""

    calls: tuple[ToolCall, ...]
    text: str | None = None


@dataclass(frozen=True)
class HttpError:
    """The API answers an HTTP error (default OpenAI-shaped body for the status)."""

    status: int
    retry_after: float | None = None
    retry_after_ms: int | None = None
    body: Body | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """The API waits `seconds` (cut short by `stop()`), then performs `then`."""

    seconds: float
    then: Step = Reply("OK")


Step = Reply | ToolCalls | HttpError | Delay
Responder = Callable[[Body], Step | None]
CallSpec = ToolCall | tuple[str, str | dict[str, Any]] | tuple[str, str | dict[str, Any], str]


@dataclass(frozen=True)
class ApiRequest:
    """One request the fake received; `body` is the parsed JSON (None if unparsable)."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]

    @property
    def messages(self) -> list[Body]:
        """Return the request's chat messages."""
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    def header(self, name: str) -> str | None:
        """Return a request header, ignoring case."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def tool_calls(*calls: CallSpec, text: str | None = None) -> ToolCalls:
    """Build a ToolCalls step from ToolCall objects or (name, arguments[, id]) tuples."""
    return ToolCalls(tuple(c if isinstance(c, ToolCall) else ToolCall(*c) for c in calls), text)


def error_body(
    message: str, kind: str = "invalid_request_error", param: str | None = None, code: Any = None
) -> Body:
    """Shape an error the way the OpenAI API does."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def request_problem(body: Any) -> Problem | None:
    """Return (message, param) for a request OpenAI would refuse with 400, or None."""
    if not isinstance(body, dict):
        return "We could not parse the JSON body of your request.", None
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter", "model"
    if body.get("stream"):
        return "FakeOpenAI does not stream: call without stream=True", "stream"
    return _cap_problem(body) or _tools_problem(body) or _messages_problem(body.get("messages"))


def _cap_problem(body: Body) -> Problem | None:
    """Check the completion-token cap: a positive integer, under one name only."""
    given = [name for name in ("max_tokens", "max_completion_tokens") if body.get(name) is not None]
    if len(given) > 1:
        return "max_tokens and max_completion_tokens cannot both be set", "max_tokens"
    for name in given:
        value = body[name]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            return f"Invalid '{name}': expected an integer of at least 1.", name
    return None


def _tools_problem(body: Body) -> Problem | None:
    """Check `tools` entries and that `tool_choice` names one of them."""
    tools, choice = body.get("tools"), body.get("tool_choice")
    if tools is None:
        if choice not in (None, "none"):
            return "'tool_choice' is only allowed when 'tools' are specified.", "tool_choice"
        return None
    if not isinstance(tools, list) or not tools:
        return "Invalid 'tools': expected a non-empty array.", "tools"
    for index, tool in enumerate(tools):
        problem = _tool_problem(index, tool)
        if problem:
            return problem
    names = {tool["function"]["name"] for tool in tools}
    if isinstance(choice, dict) and (choice.get("function") or {}).get("name") not in names:
        return "Invalid value for 'tool_choice': no such function in 'tools'.", "tool_choice"
    return None


def _tool_problem(index: int, tool: Any) -> Problem | None:
    """Check one `{"type": "function", "function": {"name", "parameters"}}` entry."""
    where = f"tools[{index}]"
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(tool, dict) or tool.get("type") != "function":
        return f"Invalid value for '{where}.type': expected 'function'.", f"{where}.type"
    if not isinstance(function, dict):
        return f"Missing required parameter: '{where}.function'.", f"{where}.function"
    if not FUNCTION_NAME.match(str(function.get("name") or "")):
        return f"Invalid '{where}.function.name': must match [a-zA-Z0-9_-]{{1,64}}.", where
    parameters = function.get("parameters")
    if not isinstance(parameters, dict) or parameters.get("type", "object") != "object":
        param = f"{where}.function.parameters"
        return f"Invalid schema for function '{function['name']}': expected an object.", param
    return None


def _messages_problem(messages: Any) -> Problem | None:
    """Check roles, contents, and that tool results answer the tool calls just before them."""
    if not isinstance(messages, list) or not messages:
        return "Missing required parameter: 'messages'.", "messages"
    pending: set[str] = set()
    for index, message in enumerate(messages):
        problem = _message_problem(index, message)
        if problem:
            return problem
        if message["role"] == "tool":
            if message["tool_call_id"] not in pending:
                return TOOL_WITHOUT_CALL, f"messages.[{index}].role"
            pending.discard(message["tool_call_id"])
            continue
        if pending:
            return _unanswered(pending), f"messages.[{index}].role"
        if message["role"] == "assistant":
            pending = {call["id"] for call in message.get("tool_calls") or []}
    return (_unanswered(pending), "messages") if pending else None


def _unanswered(ids: set[str]) -> str:
    """Word the refusal of tool calls left without results."""
    return (
        "An assistant message with 'tool_calls' must be followed by tool messages responding "
        "to each 'tool_call_id'. The following tool_call_ids did not have response messages: "
        + ", ".join(sorted(ids))
    )


def _message_problem(index: int, message: Any) -> Problem | None:
    """Check one message's role and required fields."""
    where = f"messages[{index}]"
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        return f"Invalid value for '{where}.role': expected one of {', '.join(ROLES)}.", where
    if message["role"] == "assistant":
        if message.get("content") is None and not message.get("tool_calls"):
            return f"Missing required parameter: '{where}.content'.", f"{where}.content"
        return _tool_calls_problem(where, message.get("tool_calls"))
    if not isinstance(message.get("content"), str | list):
        return f"Missing required parameter: '{where}.content'.", f"{where}.content"
    if message["role"] == "tool" and not isinstance(message.get("tool_call_id"), str):
        return f"Missing required parameter: '{where}.tool_call_id'.", f"{where}.tool_call_id"
    return None


def _tool_calls_problem(where: str, calls: Any) -> Problem | None:
    """Check an assistant message's `tool_calls` array."""
    if calls is None:
        return None
    if not isinstance(calls, list) or not calls:
        return f"Invalid '{where}.tool_calls': expected a non-empty array.", f"{where}.tool_calls"
    for index, call in enumerate(calls):
        if not _is_function_call(call):
            return f"Invalid value for '{where}.tool_calls[{index}]'.", f"{where}.tool_calls"
    return None


def _is_function_call(call: Any) -> bool:
    """Tell whether `call` is a complete function tool call."""
    if not isinstance(call, dict) or call.get("type") != "function":
        return False
    function = call.get("function")
    if not isinstance(function, dict):
        return False
    return all(
        isinstance(v, str)
        for v in (call.get("id"), function.get("name"), function.get("arguments"))
    )


def _default_error(status: int) -> Body:
    """Return the body OpenAI sends with this status."""
    message, kind, code = DEFAULT_ERRORS.get(status, (f"HTTP {status}", "api_error", None))
    return error_body(message, kind, None, code)


class _Handler(JsonHandler):
    """Hand one request, its body unparsed, to the fake."""

    fake: FakeOpenAI

    def answer(self, method: str, raw: bytes) -> Answer:
        """Answer a GET or POST by its path (the query string is ignored)."""
        path = urlsplit(self.path).path
        return self.fake.receive(method, path, dict(self.headers.items()), raw)


class FakeOpenAI(FakeServer[ApiRequest]):
    """An OpenAI-compatible API on 127.0.0.1 that plays a script and records every request."""

    server_name = "FakeOpenAI"
    thread_name = "fake-openai"
    handler_class = _Handler

    def __init__(
        self,
        *steps: Step,
        api_key: str | None = DEFAULT_API_KEY,
        responder: Responder | None = None,
        default_reply: str | None = "OK",
        models: Sequence[str] = (DEFAULT_MODEL,),
    ) -> None:
        self.api_key = api_key
        self.responder = responder
        self.default_reply = default_reply
        self.models = list(models)
        super().__init__()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self.reset()
        self.script(*steps)

    # lifecycle

    def start(self) -> Self:
        """Listen on a free port in a daemon thread."""
        self._stopping.clear()
        return super().start()

    def stop(self) -> None:
        """Stop listening and cut pending delays short (idempotent)."""
        self._stopping.set()
        super().stop()

    @property
    def url(self) -> str:
        """Return the API base URL, as `OpenAI(base_url=...)` takes it."""
        return f"{self.origin}/v1"

    # scripting

    def reset(self) -> None:
        """Forget the script and the recorded requests (keep key, responder and default)."""
        with self._cond:
            self._steps: deque[Step] = deque()
            self._forget()

    def script(self, *steps: Step) -> Self:
        """Append steps to the script."""
        with self._cond:
            self._steps.extend(steps)
        return self

    def reply(self, text: str) -> Self:
        """Append an assistant text reply."""
        return self.script(Reply(text))

    def call_tools(self, *calls: CallSpec, text: str | None = None) -> Self:
        """Append a tool-call reply: ToolCall objects or (name, arguments[, id]) tuples."""
        return self.script(tool_calls(*calls, text=text))

    def fail(
        self,
        status: int,
        *,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        body: Body | None = None,
    ) -> Self:
        """Append an HTTP error."""
        return self.script(HttpError(status, retry_after, retry_after_ms, body))

    def delay(self, seconds: float, then: Step | None = None) -> Self:
        """Append a delay, then `then` (default: the 'OK' reply)."""
        return self.script(Delay(seconds, then or Reply("OK")))

    @property
    def remaining(self) -> int:
        """Return how many scripted steps are left."""
        with self._cond:
            return len(self._steps)

    # recording

    @property
    def requests(self) -> list[ApiRequest]:
        """Return every request so far, oldest first."""
        return self._recorded()

    @property
    def chat_requests(self) -> list[ApiRequest]:
        """Return the chat completion requests so far."""
        return [r for r in self.requests if r.path == CHAT_PATH]

    def _seen(self) -> str:
        """Name the requests so far, for a timeout message."""
        return f"seen: {[f'{r.method} {r.path}' for r in self._records]}"

    def wait_for_requests(
        self, count: int, timeout: float = 5.0, path: str | None = CHAT_PATH
    ) -> list[ApiRequest]:
        """Wait for `count` requests to `path` (None: any path); return them."""

        def matching() -> list[ApiRequest]:
            return [r for r in self.requests if path is None or r.path == path]

        self.wait_for(lambda: len(matching()) >= count, timeout)
        return matching()

    # answering

    def receive(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Answer:
        """Record one HTTP request, then answer it."""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._record(ApiRequest(method, path, body, headers))
        status, answer, extra = self._answer(method, path, headers, body)
        return status, answer, {"x-request-id": f"req_fake{next(self._ids):06d}", **extra}

    def _answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        """Route a request after checking the API key."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if self.api_key is not None and auth != f"Bearer {self.api_key}":
            return 401, _default_error(401), {}
        if (method, path) == ("POST", CHAT_PATH):
            return self._chat(body)
        if method == "GET" and path == "/v1/models":
            return 200, {"object": "list", "data": [_model(m) for m in self.models]}, {}
        if method == "GET" and path.removeprefix("/v1/models/") in self.models:
            return 200, _model(path.removeprefix("/v1/models/")), {}
        return 404, error_body(f"Invalid URL ({method} {path})"), {}

    def _chat(self, body: Any) -> Answer:
        """Refuse what OpenAI refuses, else perform the next step."""
        problem = request_problem(body)
        if problem is not None:
            return 400, error_body(problem[0], param=problem[1]), {}
        return self._perform(self._next_step(body), body)

    def _next_step(self, body: Body) -> Step:
        """Take the next scripted step, else ask the responder, else the default."""
        with self._cond:
            if self._steps:
                return self._steps.popleft()
        step = self.responder(body) if self.responder is not None else None
        if step is not None:
            return step
        if self.default_reply is None:
            empty = error_body("FakeOpenAI: the script is empty", "server_error")
            return HttpError(500, body=empty, headers={"x-should-retry": "false"})
        return Reply(self.default_reply)

    def _perform(self, step: Step, body: Body) -> Answer:
        """Turn a step into an HTTP answer."""
        if isinstance(step, Delay):
            if self._stopping.wait(step.seconds):
                return 503, _default_error(503), {}
            return self._perform(step.then, body)
        if isinstance(step, HttpError):
            headers = dict(step.headers)
            if step.retry_after is not None:
                headers["retry-after"] = f"{step.retry_after:g}"
            if step.retry_after_ms is not None:
                headers["retry-after-ms"] = str(step.retry_after_ms)
            return step.status, step.body or _default_error(step.status), headers
        return 200, self._completion(step, body), {}

    def _completion(self, step: Reply | ToolCalls, body: Body) -> Body:
        """Shape a chat.completion object around the step's message."""
        calls = step.calls if isinstance(step, ToolCalls) else ()
        message: Body = {"role": "assistant", "content": step.text, "refusal": None}
        message["annotations"] = []
        if calls:
            message["tool_calls"] = [self._tool_call(call) for call in calls]
        choice = {"index": 0, "message": message, "logprobs": None}
        choice["finish_reason"] = "tool_calls" if calls else "stop"
        prompt = len(json.dumps(body["messages"], ensure_ascii=False)) // 4
        completion = len(json.dumps(message, ensure_ascii=False)) // 4
        usage = {"prompt_tokens": prompt, "completion_tokens": completion}
        return {
            "id": f"chatcmpl-fake{next(self._ids):06d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [choice],
            "usage": usage | {"total_tokens": prompt + completion},
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    def _tool_call(self, call: ToolCall) -> Body:
        """Shape one tool call; dict arguments become JSON, strings go verbatim."""
        arguments = call.arguments
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        call_id = call.id or f"call_fake{next(self._ids):06d}"
        function = {"name": call.name, "arguments": arguments}
        return {"id": call_id, "type": "function", "function": function}


def _model(name: str) -> Body:
    """Describe a model the way GET /v1/models does."""
    return {"id": name, "object": "model", "created": 1_700_000_000, "owned_by": "fake"}
