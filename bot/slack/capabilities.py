"""Where Slack accepts the AI-app methods (status, streams), learned from its refusals.

A workspace without the feature, a token of the wrong type, a channel type the methods do not
support or an Enterprise Grid policy all answer with an error code. The first such refusal turns
the methods off for that channel type (logged once) and answers go back to the placeholder path;
after `retry_after` the methods are tried again, so enabling the feature needs no restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(hours=1)
REFUSALS = frozenset(
    {
        "not_allowed_token_type",
        "method_not_supported_for_channel_type",
        "channel_type_not_supported",
        "feature_not_enabled",
        "not_enabled",
        "not_allowed",
        "not_supported",
        "missing_scope",
        "unknown_method",
        "access_denied",
        "no_permission",
        "restricted_action",
        "enterprise_is_restricted",
        "team_access_not_granted",
        "invalid_channel_type",
    }
)
KINDS = {"D": "im", "C": "channel", "G": "group"}


def channel_kind(event: Mapping[str, Any], channel: str) -> str:
    """The channel type Slack names in message events (im, channel, group, mpim), else by id."""
    given = event.get("channel_type")
    return str(given) if given else KINDS.get(channel[:1], "channel")


def is_refusal(error: str | None) -> bool:
    """True for an error that means 'not here', not 'not now'."""
    return error in REFUSALS


class Capabilities:
    """Per channel type: may the AI-app methods be used now?"""

    def __init__(self, clock: Callable[[], datetime], retry_after: timedelta = RETRY_AFTER):
        self.clock, self.retry_after = clock, retry_after
        self._off: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def allows(self, kind: str) -> bool:
        """True unless the methods were refused in this channel type within `retry_after`."""
        with self._lock:
            until = self._off.get(kind)
            if until is not None and self.clock() >= until:
                del self._off[kind]
                until = None
            return until is None

    def refused(self, kind: str, method: str, error: str | None) -> None:
        """Turn the methods off for this channel type after a refusal; log it once."""
        if not is_refusal(error):
            return
        with self._lock:
            first = kind not in self._off
            self._off[kind] = self.clock() + self.retry_after
        if first:
            log.warning(
                "Slack refused %s in %s channels (%s): answering there with a placeholder "
                "message instead of streaming, and trying again in %d minutes",
                method,
                kind,
                error,
                self.retry_after.total_seconds() // 60,
            )
