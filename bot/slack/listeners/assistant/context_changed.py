"""assistant_thread_context_changed: the user moved to another channel; remember which."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def handler() -> Callable[..., None]:
    """The listener."""

    def context_changed(payload: dict[str, Any], save_thread_context: Any) -> None:
        context = payload.get("assistant_thread", {}).get("context") or {}
        if context.get("channel_id"):
            save_thread_context(context)

    return context_changed
