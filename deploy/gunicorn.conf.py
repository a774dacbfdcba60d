"""Gunicorn settings for the room bot (`python -m bot serve` and the systemd unit use this file).

Sync workers with threads: Bolt acknowledges a Slack request at once and finishes the work in
its own thread pool, so a request never holds a worker past Slack's 3-second limit.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 25
keepalive = 5
max_requests = 1000
max_requests_jitter = 100
# No preload: each worker builds its own database pool and scheduler after the fork.
preload_app = False
accesslog = "-"
# The path without the query string: a token passed as ?token=… never reaches a log line.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
# One control socket per server, not gunicorn's shared default under the home directory.
control_socket_disable = True


def post_worker_init(worker):
    """Start this worker's leader-elected scheduler once the app is loaded; then move what the
    worker has loaded (the app, its libraries: hundreds of thousands of objects) out of the
    garbage collector's way, so that the full collections a request's garbage sets off no
    longer walk all of it (about a millisecond of CPU per request, docs/benchmarks.md)."""
    import gc

    from bot.web import start_background

    start_background(worker.wsgi)
    gc.freeze()


def worker_exit(server, worker):
    """Free the leader lock promptly so another worker takes over."""
    from bot.web import stop_background

    app = getattr(worker, "wsgi", None)
    if app is not None:
        stop_background(app)
