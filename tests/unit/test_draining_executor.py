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
    release.set()
    assert pool.drain(5) == 0
    assert done == ["parent", "child"]
    with pytest.raises(RuntimeError):  # drained: the worker is exiting
        pool.submit(child)


def test_a_drain_that_times_out_drops_what_has_not_started_and_says_how_much() -> None:
    pool, release, done = DrainingExecutor(max_workers=1), threading.Event(), []
    running = pool.submit(lambda: release.wait(5))
    waiting = [pool.submit(done.append, n) for n in range(3)]
    assert pool.drain(0.05) == 4  # one running, three queued
    assert all(w.cancelled() for w in waiting) and pool.unfinished == 1
    release.set()
    assert running.result(5) is True and done == []
    pool.shutdown()
    assert pool.unfinished == 0


def test_work_that_fails_or_is_refused_is_not_left_counted() -> None:
    pool = DrainingExecutor(max_workers=1)
    failed = pool.submit(lambda: 1 / 0)
    assert pool.drain(5) == 0
    assert isinstance(failed.exception(), ZeroDivisionError)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(print)
    assert pool.unfinished == 0
