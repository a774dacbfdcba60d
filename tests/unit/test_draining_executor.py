"""bot.slack.executor: the listener pool counts its work and waits for it before a worker exits."""

from __future__ import annotations

import threading

import pytest

from bot.slack.executor import DrainingExecutor


def test_drain_waits_for_queued_work_and_the_work_it_queues() -> None:
    pool, release, done = DrainingExecutor(max_workers=1), threading.Event(), []

    def child() -> None:
        done.append("child")

    def parent() -> None:
        release.wait(5)
        pool.submit(child)  # queued by running work: counted before its parent ends
        done.append("parent")

    pool.submit(parent)
    assert pool.unfinished == 1
    assert pool.drain(0.05) == 1  # still held: the drain gives up and says how much is left
    release.set()
    assert pool.drain(5) == 0
    assert done == ["parent", "child"]
    pool.shutdown()


def test_work_that_fails_or_is_refused_is_not_left_counted() -> None:
    pool = DrainingExecutor(max_workers=1)
    failed = pool.submit(lambda: 1 / 0)
    assert pool.drain(5) == 0
    assert isinstance(failed.exception(), ZeroDivisionError)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(print)
    assert pool.unfinished == 0
