"""A Slack user's language, from their Slack locale (users.info with include_locale).

Looked up once per user and kept for an hour in this process; a failed look-up (a missing
`users:read` scope, a network error) falls back to DEFAULT_LANGUAGE and is tried again later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

log = logging.getLogger(__name__)
KEEP_S = 3600.0
RETRY_S = 60.0
CAPACITY = 10_000


def language_of(locale: str | None, default: str) -> str:
    """'ja-JP' → 'ja', 'en-US' / 'en-GB' → 'en'; anything else → the default."""
    head = (locale or "").split("-")[0].lower()
    return head if head in ("ja", "en") else default


class Locales:
    """Which language to show each Slack user, by their Slack locale."""

    def __init__(
        self, client: WebClient, default: str, clock: Callable[[], float] = time.monotonic
    ):
        self.client, self.default, self.clock = client, default, clock
        self._known: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def lang(self, user: str) -> str:
        """The user's language ('ja' or 'en')."""
        now = self.clock()
        with self._lock:
            known = self._known.get(user)
        if known is not None and known[1] > now:
            return known[0]
        try:
            info = self.client.users_info(user=user, include_locale=True)
            found: dict[str, Any] = info.get("user") or {}
            lang, keep = language_of(found.get("locale"), self.default), KEEP_S
        except (SlackClientError, OSError) as error:
            log.warning("users.info failed (%s); using %s", type(error).__name__, self.default)
            lang, keep = self.default, RETRY_S
        with self._lock:
            self._known[user] = (lang, now + keep)
            self._known.move_to_end(user)
            if len(self._known) > CAPACITY:
                self._known.popitem(last=False)
        return lang
