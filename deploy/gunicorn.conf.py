"""Gunicorn settings for the room bot (`python -m bot serve` and the systemd unit use this file).

Sync workers with threads: Bolt acknowledges a Slack request at once and finishes the work in
its own thread pool, so a request never holds a worker past Slack's 3-second limit.
"""

import gc
import multiprocessing
import os


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
    """With a preloaded app, keep the workers' garbage collector off the master's objects."""
    if server.cfg.preload_app:
        gc.freeze()  # a collection would write to every object's header: each page copied


def post_worker_init(worker):
    """Freeze the loaded app's objects out of the garbage collector; start the scheduler."""
    from bot.web import start_background

    # A full collection walks every object the app was built from, holding the GIL: 0.2-0.6 s
    # stalls of the whole worker under load (Slack's acknowledgements among the requests held).
    gc.collect()
    gc.freeze()
    start_background(worker.wsgi)


def worker_exit(server, worker):
    """Free the leader lock promptly so another worker takes over."""
    from bot.web import stop_background

    app = getattr(worker, "wsgi", None)
    if app is not None:
        stop_background(app)
