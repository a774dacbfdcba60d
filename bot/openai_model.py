"""The model adapter: OpenAI Chat Completions through the official client.

Chat Completions (not the Responses API) because every OpenAI-compatible server — vLLM, Ollama,
LM Studio, Azure, LiteLLM — speaks it; OPENAI_BASE_URL and OPENAI_MODEL select the server.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.model.llm import Message, ModelUnavailable, as_message
from bot.metrics import count_llm

REQUEST_TIMEOUT_S = 20.0
MAX_RETRIES = 2


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
