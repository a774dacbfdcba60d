"""Gunicorn settings for the room bot (`python -m bot serve` and the systemd unit use this file).

Sync workers with threads: Bolt acknowledges a Slack request at once and finishes the work in
its own thread pool, so a request never holds a worker past Slack's 3-second limit.
"""

import gc
import multiprocessing
import os
import signal
import sys
import time


def _on(name):
    """Whether a true/false environment setting is on (default off)."""
    return os.environ.get(name, "false").strip().lower() in ("1", "true", "yes")


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 25
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
# GUNICORN_PRELOAD=true: the master imports and builds the app once and the workers share that
# memory copy-on-write (each worker's own memory roughly halves, see docs/benchmarks.md); code and
# settings then change only on a restart: a reload (SIGHUP) forks new workers from the master's
# copy. Off by default, so a reload picks up new code and settings. Either way each worker makes
# its own database connections and runs its own scheduler after the fork.
preload_app = _on("GUNICORN_PRELOAD")
# The app logs every request itself (method, path without the query string, status, time and
# request id: logs/app.log and the journal) and nginx logs the clients', so gunicorn's own access
# line, about 7% of a worker's CPU on a booking, is off unless GUNICORN_ACCESS_LOG=true.
accesslog = "-" if _on("GUNICORN_ACCESS_LOG") else None
# The path without the query string: a token passed as ?token=… never reaches a log line.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
# One control socket per server, not gunicorn's shared default under the home directory.
control_socket_disable = True


def pre_fork(server, worker):
    """A lone worker is never recycled; with a preloaded app, keep the workers' garbage
    collector off the master's objects."""
    if server.num_workers == 1:  # no Redis: its chat history lives in it, and none would serve
        worker.max_requests = sys.maxsize  # while it restarted (set per worker: reloads too)
    if server.cfg.preload_app:
        gc.freeze()  # a collection would write to every object's header: each page copied


def post_worker_init(worker):
    """Freeze the loaded app's objects out of the garbage collector; start the scheduler."""
    from bot.web import start_background

    # A full collection walks every object the app was built from, holding the GIL: 0.2-0.6 s
    # stalls of the whole worker under load (Slack's acknowledgements among the requests held).
    gc.collect()
    gc.freeze()
    _note_stop_request(worker)
    start_background(worker.wsgi)


def _note_stop_request(worker):
    """Remember when SIGTERM came: the master kills the worker graceful_timeout after it."""
    handle_exit = worker.handle_exit

    def noted(sig, frame):
        if not hasattr(worker, "roombot_stop_requested"):  # the first one counts
            worker.roombot_stop_requested = time.monotonic()
        handle_exit(sig, frame)

    signal.signal(signal.SIGTERM, noted)
    signal.siginterrupt(signal.SIGTERM, False)  # as gunicorn has it: requests' calls go on


def worker_int(worker):
    """Ctrl-C or SIGQUIT: the quick stop, which does not wait for acknowledged Slack work."""
    worker.roombot_quick_stop = True


def worker_exit(server, worker):
    """Free the leader lock promptly; then let acknowledged Slack work finish while it may."""
    from bot.web import DRAIN_S, stop_background

    app = getattr(worker, "wsgi", None)
    if app is None:
        return
    requested = getattr(worker, "roombot_stop_requested", None)
    if getattr(worker, "roombot_quick_stop", False):
        drain = 0.0
    elif requested is not None:  # leave 5 s of the graceful timeout for the rest of the exit
        drain = requested + worker.cfg.graceful_timeout - 5 - time.monotonic()
    else:  # its own max_requests recycle: nobody kills it
        drain = DRAIN_S
    stop_background(app, max(0.0, drain))
