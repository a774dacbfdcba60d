"""The log writer thread (bot.observability.BackgroundWriter): every line once, in order, redacted,
in a forked child too (gunicorn with a preloaded app forks after logging is configured)."""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import WatchedFileHandler
from pathlib import Path

import pytest

from bot import observability
from bot.observability import BackgroundWriter, RedactingFormatter, Redactor

SECRET = "writer-secret-0123"
WAIT_S = 10.0


@contextmanager
def writing_to(
    name: str, *targets: logging.Handler
) -> Iterator[tuple[logging.Logger, BackgroundWriter]]:
    """A logger of its own whose lines a BackgroundWriter writes to the targets (redacted)."""
    formatter = RedactingFormatter(Redactor([SECRET]))
    for target in targets:
        target.setFormatter(formatter)
    writer = BackgroundWriter(list(targets), formatter)
    logger = logging.getLogger(f"test.writer.{name}")
    logger.propagate, logger.level = False, logging.INFO
    logger.addHandler(writer)
    try:
        yield logger, writer
    finally:
        logger.removeHandler(writer)
        writer.close()


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[tuple[logging.Logger, BackgroundWriter, Path]]:
    """A logger of its own whose lines a BackgroundWriter writes to app.log."""
    path = tmp_path / "app.log"
    with writing_to(tmp_path.name, logging.FileHandler(path, encoding="utf-8")) as (logger, writer):
        yield logger, writer, path


def messages(text: str) -> list[str]:
    """The messages of written lines (after the logger name)."""
    return [line.rsplit(": ", 1)[-1] for line in text.splitlines()]


def lines(path: Path) -> list[str]:
    """The messages in the file, none while it does not exist."""
    return messages(path.read_text(encoding="utf-8")) if path.exists() else []


def wait_for_lines(path: Path, count: int) -> list[str]:
    """Wait until the writer thread has written `count` lines."""
    deadline = time.monotonic() + WAIT_S
    while len(found := lines(path)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


def test_lines_from_many_threads_are_written_once_each_in_order(
    logged: tuple[logging.Logger, BackgroundWriter, Path],
) -> None:
    logger, writer, path = logged

    def log(n: int) -> None:
        for i in range(50):
            logger.info("thread %d line %d token=%s", n, i, SECRET)

    threads = [threading.Thread(target=log, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()  # writes what is queued before it returns
    written = lines(path)
    assert len(written) == 200 and SECRET not in path.read_text(encoding="utf-8")
    for n in range(4):
        mine = [w for w in written if w.startswith(f"thread {n} ")]
        assert mine == [f"thread {n} line {i} token=[REDACTED]" for i in range(50)]


def test_a_forked_child_writes_its_own_lines_and_not_its_parents_again(
    logged: tuple[logging.Logger, BackgroundWriter, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, writer, path = logged
    monkeypatch.setattr(observability, "WRITERS", [writer])  # as configure_logging leaves it
    logger.info("before the fork")
    assert wait_for_lines(path, 1) == ["before the fork"]
    pid = os.fork()
    if pid == 0:  # the child: its writer thread was started again by the at-fork hook
        try:
            logger.info("from the child")
            writer.close()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    logger.info("parent after the fork")
    writer.close()
    assert sorted(lines(path)) == ["before the fork", "from the child", "parent after the fork"]


class SlowStream(io.StringIO):
    """A stream whose write holds a lock for a while, as a file's buffer does."""

    def __init__(self) -> None:
        super().__init__()
        self.lock, self.writing = threading.Lock(), threading.Event()

    def write(self, text: str) -> int:
        with self.lock:
            self.writing.set()
            time.sleep(0.3)
            return super().write(text)


def test_a_fork_in_the_middle_of_a_write_waits_for_it_so_the_child_can_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = SlowStream()
    with writing_to("slow", logging.StreamHandler(stream)) as (logger, writer):
        monkeypatch.setattr(observability, "WRITERS", [writer])
        logger.info("being written as the process forks")
        assert stream.writing.wait(WAIT_S)
        pid = os.fork()
        if pid == 0:  # without the wait the stream's lock stays held here: the child hangs
            try:
                logger.info("from the child")
                writer.close()
            finally:
                os._exit(0)
        deadline = time.monotonic() + WAIT_S
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                pytest.fail("the forked child hung on its first log line")
            time.sleep(0.05)
    assert "being written as the process forks" in stream.getvalue()


class CountingStream(io.StringIO):
    """A stream that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_a_burst_goes_out_in_few_writes_and_each_target_keeps_its_level() -> None:
    everything, warnings = CountingStream(), CountingStream()
    only_warnings = logging.StreamHandler(warnings)
    only_warnings.setLevel(logging.WARNING)
    with writing_to("burst", logging.StreamHandler(everything), only_warnings) as (logger, _):
        for i in range(100):
            (logger.warning if i % 10 == 0 else logger.info)("line %d", i)
    assert messages(everything.getvalue()) == [f"line {i}" for i in range(100)]
    assert messages(warnings.getvalue()) == [f"line {i}" for i in range(0, 100, 10)]
    assert everything.writes < 50  # one a line before: a wake-up and a write each


def test_a_log_file_whose_reopen_failed_is_opened_again_by_the_next_lines(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    target = WatchedFileHandler(path, encoding="utf-8")
    with writing_to(f"reopen.{tmp_path.name}", target) as (logger, _):
        logger.info("before the rotation")
        assert wait_for_lines(path, 1) == ["before the rotation"]
        path.rename(tmp_path / "app.log.1")  # logrotate moved it, and then reopening it failed:
        assert target.stream is not None
        with target.lock:
            target.stream.close()
            target.stream = None  # type: ignore[assignment]  # as reopenIfNeeded leaves it
        logger.info("after it")
        assert wait_for_lines(path, 1) == ["after it"]
