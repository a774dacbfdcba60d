"""The model behind the assistant: OpenAI Chat Completions through the official client.

Chat Completions (not the Responses API) because every OpenAI-compatible server — vLLM, Ollama,
LM Studio, Azure, LiteLLM — speaks it; OPENAI_BASE_URL and OPENAI_MODEL select the server.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from bot.metrics import count_llm

Message = dict[str, Any]
REQUEST_TIMEOUT_S = 20.0
MAX_RETRIES = 2


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


class OpenAIChatModel:
    """Chat Completions with an explicit timeout and a bounded number of retries."""

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = REQUEST_TIMEOUT_S,
        max_retries: int = MAX_RETRIES,
    ):
        import openai  # imported on first use: it is slow to import and most processes never need it

        self.model = model
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries
        )

    def complete(
        self, messages: list[Message], tools: list[dict[str, Any]], timeout: float
    ) -> Message:
        import openai

        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                tools=tools,  # type: ignore[arg-type]
                timeout=timeout,
            )
        except openai.APITimeoutError as error:
            count_llm("timeout")
            raise ModelUnavailable("timeout") from error
        except openai.APIConnectionError as error:
            count_llm("unreachable")
            raise ModelUnavailable("unreachable") from error
        except openai.APIStatusError as error:
            count_llm(f"http_{error.status_code}")
            raise ModelUnavailable("failed", f"HTTP {error.status_code}") from error
        if not response.choices:
            count_llm("empty")
            raise ModelUnavailable("failed", "no choices")
        count_llm("ok")
        return as_message(response.choices[0].message.model_dump(exclude_none=True))


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
