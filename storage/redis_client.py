"""Redis's error class, imported only once a client exists (a process without Redis never loads it)."""

from __future__ import annotations


def redis_errors() -> type[Exception]:
    """redis.RedisError: evaluated in an `except` clause only when a Redis call raised."""
    import redis

    return redis.RedisError
