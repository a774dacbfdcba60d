"""The chat-model port: messages and tool schemas in, the next assistant message out."""

from __future__ import annotations

from typing import Any, Literal, Protocol

Message = dict[str, Any]


class ModelUnavailable(Exception):
    """The model could not answer: unreachable, timed out, or failing (after retries)."""

    def __init__(self, reason: Literal["unreachable", "timeout", "failed"], detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ChatModel(Protocol):
    """Anything that turns messages and tool schemas into the next assistant message."""

    def complete(
        self, messages: list[Message], tools: list[dict[str, Any]], timeout: float
    ) -> Message:
        """The assistant's next message as a plain dict (role, content, tool_calls)."""
        ...


def as_message(raw: dict[str, Any]) -> Message:
    """Keep only the fields a Chat Completions request accepts back in its history."""
    message: Message = {"role": "assistant", "content": raw.get("content") or ""}
    calls = [
        {
            "id": call.get("id", ""),
            "type": "function",
            "function": {
                "name": call.get("function", {}).get("name", ""),
                "arguments": call.get("function", {}).get("arguments", "") or "",
            },
        }
        for call in raw.get("tool_calls") or []
    ]
    if calls:
        message["tool_calls"] = calls
    return message
