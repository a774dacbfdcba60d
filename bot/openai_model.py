"""The model adapter: OpenAI Chat Completions through the official client.

Chat Completions (not the Responses API) because every OpenAI-compatible server — vLLM, Ollama,
llama.cpp, LM Studio, Azure, LiteLLM — speaks it; OPENAI_BASE_URL and OPENAI_MODEL select the
server. Every request caps the completion tokens (a rambling model stops there) and has its
own timeout; retries are made here, not by the client, so that none starts unless it can run
its whole timeout before the turn's deadline (a retry cut off by the deadline would only
start a second generation on a server still busy with the first).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bot.conversation.model.llm import Message, ModelUnavailable, as_message
from bot.metrics import count_llm

log = logging.getLogger(__name__)
REQUEST_TIMEOUT_S = 20.0
MAX_RETRIES = 2
MAX_TOKENS = 512
FIRST_BACKOFF_S, MAX_BACKOFF_S, MAX_RETRY_AFTER_S = 0.5, 8.0, 60.0
RETRIED_STATUSES = (408, 409, 429)  # and every 5xx, as the openai client does


def cap_parameter(base_url: str | None) -> str:
    """The request field that caps completion tokens on this server.

    OpenAI's own API names it max_completion_tokens (its reasoning models refuse max_tokens);
    the servers run in-house (llama.cpp, Ollama, vLLM, LM Studio) all read max_tokens.
    """
    host = urlsplit(base_url).hostname if base_url else "api.openai.com"
    return "max_completion_tokens" if host == "api.openai.com" else "max_tokens"


class OpenAIChatModel:
    """Chat Completions with a token cap, a timeout per request and deadline-aware retries."""

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = REQUEST_TIMEOUT_S,
        max_retries: int = MAX_RETRIES,
        max_tokens: int = MAX_TOKENS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        import openai  # imported on first use: it is slow to import and most processes never need it

        self.model, self.timeout, self.max_retries = model, timeout, max_retries
        self.cap = {cap_parameter(base_url): max_tokens}
        self.clock, self.sleep = clock, sleep
        self.client = openai.OpenAI(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def complete(
        self, messages: list[Message], tools: list[dict[str, Any]], timeout: float
    ) -> Message:
        """The next assistant message, within `timeout` seconds (the turn's time left)."""
        import openai

        deadline = self.clock() + timeout
        attempt = 0
        while True:
            try:
                response = self._request(messages, tools, deadline - self.clock(), attempt)
            except openai.APIError as error:
                wait = self.retry_wait(error, attempt, deadline)
                if wait is None:
                    raise unavailable(error) from error
                log.info("model request %d failed (%s); retrying", attempt, type(error).__name__)
                self.sleep(wait)
                attempt += 1
                continue
            return finished(response)

    def retry_wait(self, error: Exception, attempt: int, deadline: float) -> float | None:
        """Seconds to wait before retrying, or None when no retry may start."""
        wait = backoff(error, attempt)
        if attempt >= self.max_retries or wait is None:
            return None
        if self.clock() + wait + self.timeout > deadline:
            log.warning(
                "no retry: it could not run its %g s before the turn's deadline", self.timeout
            )
            return None
        return wait

    def _request(
        self, messages: list[Message], tools: list[dict[str, Any]], left: float, attempt: int
    ) -> Any:
        """One request, given at most the time left in the turn."""
        if left <= 0:
            count_llm("timeout")
            raise ModelUnavailable("timeout")
        return self.client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            timeout=min(self.timeout, left),
            extra_headers={"x-stainless-retry-count": str(attempt)},
            extra_body=self.cap,
        )


def backoff(error: Exception, attempt: int) -> float | None:
    """The openai client's own retry rules: which failures, and how long to wait first."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes timeouts
        headers: Any = {}
    elif isinstance(error, openai.APIStatusError):
        headers = error.response.headers
        should = headers.get("x-should-retry")
        status = error.status_code
        if should == "false" or (
            should != "true" and status not in RETRIED_STATUSES and status < 500
        ):
            return None
    else:
        return None
    for name, unit in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            told = float(headers.get(name, "")) / unit
        except ValueError:
            continue
        if told > MAX_RETRY_AFTER_S:
            return None
        if told > 0:
            return told
    return min(FIRST_BACKOFF_S * 2.0**attempt, MAX_BACKOFF_S) * (1 - 0.25 * random.random())


def unavailable(error: Exception) -> ModelUnavailable:
    """The port's error for a failed request (counted by outcome)."""
    import openai

    if isinstance(error, openai.APITimeoutError):
        count_llm("timeout")
        return ModelUnavailable("timeout")
    if isinstance(error, openai.APIConnectionError):
        count_llm("unreachable")
        return ModelUnavailable("unreachable")
    if isinstance(error, openai.APIStatusError):
        count_llm(f"http_{error.status_code}")
        return ModelUnavailable("failed", f"HTTP {error.status_code}")
    count_llm("invalid")
    return ModelUnavailable("failed", type(error).__name__)


def finished(response: Any) -> Message:
    """The assistant message of a response; a reply cut at the token cap is counted."""
    if not response.choices:
        count_llm("empty")
        raise ModelUnavailable("failed", "no choices")
    choice = response.choices[0]
    count_llm("truncated" if choice.finish_reason == "length" else "ok")
    return as_message(choice.message.model_dump(exclude_none=True))
