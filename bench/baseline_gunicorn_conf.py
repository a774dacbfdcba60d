"""Gunicorn settings for a benchmark's baseline app: the shipped file's, without its bot hooks.

deploy/gunicorn.conf.py's post_worker_init and worker_exit import bot.web, so a baseline run
under that file would carry the bot's modules; everything else (worker class, threads, timeouts,
GUNICORN_PRELOAD and the garbage collector's freeze before each fork) applies to it as well.
"""

import runpy
from pathlib import Path

_SHIPPED = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy/gunicorn.conf.py"))
_BOT_HOOKS = ("post_worker_init", "worker_exit")
globals().update(
    {name: value for name, value in _SHIPPED.items() if name.islower() and name not in _BOT_HOOKS}
)
