"""The Slack Web API client: SLACK_API_URL, a timeout, and retries for 429, 5xx and drops."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

WEB_API_TIMEOUT_S = 10


def web_client(token: str | None, base_url: str) -> WebClient:
    """The Web API client, retrying 429 (honouring Retry-After), 5xx and connection errors."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=WEB_API_TIMEOUT_S,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )
