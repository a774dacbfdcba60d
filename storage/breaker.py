"""A circuit breaker: after a failure, skip a dependency for a while instead of waiting on it."""

from __future__ import annotations

import time
from collections.abc import Callable

PAUSE_S = 10.0


class Breaker:
    """Open for `pause` seconds after `trip()`; callers skip the dependency while it is open."""

    def __init__(self, pause: float = PAUSE_S, clock: Callable[[], float] = time.monotonic):
        self.pause, self.clock = pause, clock
        self.until = 0.0

    @property
    def open(self) -> bool:
        """True while the dependency should not be tried."""
        return self.clock() < self.until

    def trip(self) -> None:
        """Record a failure: skip the dependency for the pause."""
        self.until = self.clock() + self.pause

    def reset(self) -> None:
        """Record a success."""
        self.until = 0.0
