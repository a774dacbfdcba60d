"""The fake Slack's AI-app methods: assistant threads and streamed messages, refused as Slack does.

`assistant.threads.setStatus/setTitle/setSuggestedPrompts` need the channel and thread;
`chat.startStream` needs `thread_ts`, and outside DMs the recipient user and team; it returns
the new message's `ts`. Appending to or stopping a stream that is not streaming fails with
`message_not_in_streaming_state`; chunks and the blocks at stop are validated like messages.
`refuse_ai` makes a workspace without the feature: its methods answer a chosen error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.models.messages.chunk import Chunk

from tests.fakes.blockkit import MAX_MESSAGE_BLOCKS, Refusal, validate_blocks

Args = dict[str, Any]
ASSISTANT_METHODS = (
    "assistant.threads.setStatus",
    "assistant.threads.setTitle",
    "assistant.threads.setSuggestedPrompts",
)
STREAM_METHODS = ("chat.startStream", "chat.appendStream", "chat.stopStream")
AI_METHODS = ASSISTANT_METHODS + STREAM_METHODS
TASK_STATUSES = ("pending", "in_progress", "complete", "error")
MAX_MARKDOWN = 12_000
MAX_TASK_TITLE = 256
MAX_PROMPTS = 4
MAX_LOADING_MESSAGES = 10


def channel_type(channel: str) -> str:
    """'im', 'channel' or 'group', from a channel id's first letter."""
    return {"D": "im", "C": "channel", "G": "group"}.get(channel[:1], "unknown")


def _required(args: Args, *names: str) -> None:
    """Refuse when an argument Slack requires is missing or empty."""
    missing = [n for n in names if args.get(n) in (None, "")]
    if missing:
        raise Refusal("invalid_arguments", f"missing required field: {', '.join(missing)}")


def chunk_problem(raw: Any) -> str | None:
    """Why Slack would refuse one streaming chunk, or None."""
    if not isinstance(raw, dict):
        return "a chunk must be a JSON object"
    kind = raw.get("type")
    if kind == "markdown_text":
        text = raw.get("text")
        ok = isinstance(text, str) and 0 < len(text) <= MAX_MARKDOWN
        return None if ok else "markdown_text chunks need 1-12000 characters of text"
    if kind == "task_update":
        if not raw.get("id") or not isinstance(raw.get("title"), str) or not raw["title"]:
            return "task_update chunks need an id and a title"
        if len(raw["title"]) > MAX_TASK_TITLE:
            return f"task_update title must be at most {MAX_TASK_TITLE} characters"
        return None if raw.get("status") in TASK_STATUSES else "unknown task_update status"
    if kind == "plan_update":
        return None if raw.get("title") else "plan_update chunks need a title"
    if kind == "blocks":
        validate_blocks(raw.get("blocks"), MAX_MESSAGE_BLOCKS, "invalid_chunks")
        return None
    return f"unknown chunk type {kind!r}" if Chunk.parse(raw) is None else None


def validate_chunks(chunks: Any) -> list[dict[str, Any]]:
    """Return the chunks, or raise `invalid_chunks` as Slack does."""
    if chunks is None:
        return []
    if not isinstance(chunks, list):
        raise Refusal("invalid_chunks", "chunks must be a JSON array")
    for index, chunk in enumerate(chunks):
        problem = chunk_problem(chunk)
        if problem:
            raise Refusal("invalid_chunks", f"{problem} [json-pointer:/chunks/{index}]")
    return chunks


def streamed_text(args: Args, chunks: list[dict[str, Any]]) -> str:
    """The markdown a start, append or stop adds to the message."""
    parts = [str(args.get("markdown_text") or "")]
    parts += [str(c["text"]) for c in chunks if c.get("type") == "markdown_text"]
    text = "".join(parts)
    if len(text) > MAX_MARKDOWN:
        raise Refusal("msg_too_long")
    return text


class AiMethods:
    """Assistant-thread and streaming methods over the fake's stored messages."""

    _cond: Any
    _ai_refusals: list[tuple[frozenset[str], frozenset[str], str]]
    _channel: Callable[..., str]
    _store: Callable[..., dict[str, Any]]
    _find: Callable[[str, Any], dict[str, Any] | None]

    def ai_methods(self) -> dict[str, Callable[[Args], dict[str, Any]]]:
        """The methods, by name, for the fake's method table."""
        return {
            "assistant.threads.setStatus": self._set_status,
            "assistant.threads.setTitle": self._set_title,
            "assistant.threads.setSuggestedPrompts": self._set_prompts,
            "chat.startStream": self._start_stream,
            "chat.appendStream": self._append_stream,
            "chat.stopStream": self._stop_stream,
        }

    def refuse_ai(
        self,
        error: str = "not_allowed_token_type",
        *,
        methods: Iterable[str] = AI_METHODS,
        channel_types: Iterable[str] = ("im", "channel", "group"),
    ) -> None:
        """Answer `error` for these methods in these channel types (a workspace without them)."""
        with self._cond:
            self._ai_refusals.append((frozenset(methods), frozenset(channel_types), error))

    def _refused(self, method: str, channel: str) -> None:
        """Raise the scripted refusal for this method in this kind of channel, if any."""
        for methods, types, error in self._ai_refusals:
            if method in methods and channel_type(channel) in types:
                raise Refusal(error)

    # assistant threads

    def _thread_args(self, method: str, args: Args, *more: str) -> None:
        """Check the channel and thread an assistant method needs."""
        channel = self._channel(args, "channel_id")
        self._refused(method, channel)
        _required(args, "thread_ts", *more)

    def _set_status(self, args: Args) -> dict[str, Any]:
        """Show (or clear, with '') the thread's status and loading messages."""
        self._thread_args("assistant.threads.setStatus", args)
        if not isinstance(args.get("status"), str):
            raise Refusal("invalid_arguments", "missing required field: status")
        loading = args.get("loading_messages")
        if loading is not None and (
            not isinstance(loading, list)
            or not 0 < len(loading) <= MAX_LOADING_MESSAGES
            or not all(isinstance(m, str) and m for m in loading)
        ):
            raise Refusal("invalid_arguments", "loading_messages: 1-10 non-empty strings")
        return {"ok": True}

    def _set_title(self, args: Args) -> dict[str, Any]:
        """Name the thread in the assistant's history."""
        self._thread_args("assistant.threads.setTitle", args, "title")
        return {"ok": True}

    def _set_prompts(self, args: Args) -> dict[str, Any]:
        """Offer up to four prompts, each with a title and a message."""
        self._thread_args("assistant.threads.setSuggestedPrompts", args)
        prompts = args.get("prompts")
        if not isinstance(prompts, list) or not 0 < len(prompts) <= MAX_PROMPTS:
            raise Refusal("invalid_arguments", "prompts: 1-4 objects")
        for prompt in prompts:
            if not isinstance(prompt, dict) or not prompt.get("title") or not prompt.get("message"):
                raise Refusal("invalid_arguments", "each prompt needs a title and a message")
        return {"ok": True}

    # streams

    def _start_stream(self, args: Args) -> dict[str, Any]:
        """Post a new streaming message in a thread; outside DMs, for one recipient."""
        channel = self._channel(args)
        self._refused("chat.startStream", channel)
        _required(args, "thread_ts")
        if channel_type(channel) != "im":
            for field in ("recipient_user_id", "recipient_team_id"):
                if not args.get(field):
                    raise Refusal(f"missing_{field}")
        if args.get("task_display_mode") not in (None, "timeline", "plan"):
            raise Refusal("invalid_arguments", "task_display_mode: timeline or plan")
        chunks = validate_chunks(args.get("chunks"))
        text = streamed_text(args, chunks)
        message = self._store(channel, {"text": text, "thread_ts": args["thread_ts"]})
        message |= {"streaming": True, "chunks": list(chunks)}
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _streaming(self, method: str, args: Args) -> tuple[str, dict[str, Any]]:
        """The channel and the bot's message being streamed that `ts` names."""
        channel = self._channel(args)
        self._refused(method, channel)
        _required(args, "ts")
        message = self._find(channel, args["ts"])
        if message is None:
            raise Refusal("message_not_found")
        if not message.get("streaming"):
            raise Refusal("message_not_in_streaming_state")
        return channel, message

    def _append_stream(self, args: Args) -> dict[str, Any]:
        """Add markdown or chunks to a message still streaming."""
        channel, message = self._streaming("chat.appendStream", args)
        chunks = validate_chunks(args.get("chunks"))
        if not chunks and not args.get("markdown_text"):
            raise Refusal("invalid_arguments", "missing required field: markdown_text or chunks")
        message["text"] += streamed_text(args, chunks)
        message["chunks"] += chunks
        return {"ok": True, "channel": channel, "ts": message["ts"]}

    def _stop_stream(self, args: Args) -> dict[str, Any]:
        """Finish a stream: last markdown or chunks, then blocks at the bottom (validated)."""
        channel, message = self._streaming("chat.stopStream", args)
        chunks = validate_chunks(args.get("chunks"))
        if args.get("blocks") is not None:
            validate_blocks(args["blocks"], MAX_MESSAGE_BLOCKS)
            message["blocks"] = args["blocks"]
        message["text"] += streamed_text(args, chunks)
        message["chunks"] += chunks
        message |= {k: args[k] for k in ("metadata",) if args.get(k)}
        message["streaming"] = False
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
