"""Command line: `python -m bot serve | db upgrade | rooms sync`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.observability import configure_logging
from bot.settings import ConfigError, Settings

log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; config errors print one clear line."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings)
        command: Callable[[argparse.Namespace, Settings], int] = args.command
        return command(args, settings)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2


def parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per process or task."""
    root = argparse.ArgumentParser(prog="python -m bot", description="Meeting-room bot")
    sub = root.add_subparsers(required=True, metavar="command")
    serve = sub.add_parser("serve", help="serve the web app under gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=None)
    serve.set_defaults(command=cmd_serve)
    sub.add_parser("scheduler", help="run the reminder scheduler process").set_defaults(
        command=cmd_scheduler
    )
    sub.add_parser("socket", help="run the Slack app over Socket Mode").set_defaults(
        command=cmd_socket
    )
    chat = sub.add_parser("chat", help="talk to the assistant in this console")
    chat.add_argument("--user", default="console", help="acting user id")
    chat.add_argument("--session", default=None, help="conversation id (default: new)")
    chat.set_defaults(command=cmd_chat)
    db = sub.add_parser("db", help="database schema").add_subparsers(
        required=True, metavar="action"
    )
    db.add_parser("upgrade", help="apply migrations").set_defaults(command=cmd_db_upgrade)
    rooms = sub.add_parser("rooms", help="rooms file").add_subparsers(
        required=True, metavar="action"
    )
    rooms.add_parser("sync", help="load ROOMS_FILE into the database").set_defaults(
        command=cmd_rooms_sync
    )
    calendar_commands(sub)
    return root


def calendar_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`calendar push | pull | link | room-link`: run the sync once, show or change feed links."""
    cal = sub.add_parser("calendar", help="calendar sync and feed links").add_subparsers(
        required=True, metavar="action"
    )
    cal.add_parser("push", help="push the calendar outbox once").set_defaults(command=cmd_cal_push)
    cal.add_parser("pull", help="pull every room calendar once").set_defaults(command=cmd_cal_pull)
    link = cal.add_parser("link", help="a person's feed URL (--rotate: new one; --revoke: off)")
    link.add_argument("--user", required=True, help="identity, e.g. slack:U123 or a Slack id")
    link.add_argument("--rotate", action="store_true")
    link.add_argument("--revoke", action="store_true")
    link.set_defaults(command=cmd_cal_link)
    room = cal.add_parser("room-link", help="a room's feed URL")
    room.add_argument("room")
    room.set_defaults(command=cmd_cal_room_link)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Replace this process with gunicorn serving bot.wsgi:app."""
    settings.check_production()
    cpus = os.cpu_count() or 1
    workers = args.workers or (2 if settings.is_development else cpus * 2 + 1)
    argv = [
        sys.executable, "-m", "gunicorn", "bot.wsgi:app",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(workers),
    ]  # fmt: skip
    print(banner(args.host, args.port, settings), file=sys.stderr, flush=True)
    conf = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
    if conf.is_file():
        argv[3:3] = ["--config", str(conf)]  # command-line options after it win
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - execv does not return


def banner(host: str, port: int, settings: Settings) -> str:
    """What a person starting the server needs: the URLs and a sample booking call."""
    from datetime import datetime, timedelta

    base = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"
    tomorrow = (datetime.now(settings.zone) + timedelta(days=1)).date().isoformat()
    auth = "" if settings.is_development else ' -H "Authorization: Bearer $API_TOKEN"'
    body = f'{{"room-id": "1", "date": "{tomorrow}", "start-time": "14:00", "end-time": "15:00"}}'
    return "\n".join(
        [
            f"Room bot {settings.flask_env} on {base}  (database: {_backend(settings)})",
            f"  health:       curl {base}/health",
            f"  rooms:        curl{auth} {base}/api/rooms",
            f"  reservations: curl{auth} '{base}/api/reservations?date={tomorrow}'",
            f"  book:         curl{auth} -X POST {base}/api/reservations \\",
            f"                  -H 'Content-Type: application/json' -d '{body}'",
        ]
    )


def _backend(settings: Settings) -> str:
    """The database kind, without credentials."""
    return settings.database_url.split(":", 1)[0]


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    """The dedicated scheduler process: polls until SIGTERM/SIGINT."""
    import signal
    import threading

    from bot.container import build

    if not settings.slack_bot_token and not settings.caldav_url:
        raise ConfigError(
            "SLACK_BOT_TOKEN or CALDAV_URL is required for the scheduler (it sends Slack DMs"
            " and syncs calendars)"
        )
    c = build(settings)
    scheduler = c.scheduler()
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    scheduler.start()
    done.wait()
    scheduler.stop()
    return 0


def cmd_socket(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the Slack app over Socket Mode (no public URL needed)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.container import build
    from bot.slack.app import create_bolt_app

    settings.check_socket_mode()
    app = create_bolt_app(build(settings).slack)
    log.info("Socket Mode: connecting to Slack")
    SocketModeHandler(app, settings.slack_app_token).start()  # type: ignore[no-untyped-call]
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """A console conversation with the same assistant the other surfaces use."""
    import uuid

    from booking.identity import parse
    from bot.container import build
    from bot.conversation.types import Inbound

    container = build(settings)
    session = f"console:{args.session or uuid.uuid4().hex[:12]}"
    mode = "model " + settings.openai_model if container.model else "offline assistant"
    actor = parse(args.user, "console")
    print(f"Room bot chat ({mode}); empty line or Ctrl-D to quit.", file=sys.stderr)
    while True:
        try:
            line = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            break
        print(container.conversation.reply(Inbound("console", actor, session, line)).text)
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the Alembic migrations to DATABASE_URL."""
    from storage.engine import make_engine
    from storage.migrate import upgrade

    upgrade(make_engine(settings.database_url))
    log.info("database schema is up to date")
    return 0


def cmd_rooms_sync(args: argparse.Namespace, settings: Settings) -> int:
    """Load the rooms file into the database (idempotent)."""
    from storage.engine import make_engine, make_session_factory
    from storage.rooms_file import RoomsFileError, load_rooms, sync_rooms

    try:
        rooms = load_rooms(settings.rooms_file)
    except RoomsFileError as error:
        print(f"rooms file error: {error}", file=sys.stderr)
        return 2
    result = sync_rooms(make_session_factory(make_engine(settings.database_url)), rooms)
    print(
        f"rooms synced from {settings.rooms_file}: {result.added} added, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.retired} retired"
    )
    return 0


def _calendar_container(settings: Settings) -> Any:
    """The container, refusing to run the sync without CALDAV_URL."""
    from bot.container import build

    if not settings.caldav_url:
        raise ConfigError("CALDAV_URL is required for the calendar sync")
    return build(settings)


def cmd_cal_push(args: argparse.Namespace, settings: Settings) -> int:
    """Push pending calendar changes once (the scheduler does this every poll)."""
    c = _calendar_container(settings)
    pushed = dict(c.calendar_jobs())["calendar_push"](c.clock())
    print(f"pushed {pushed} calendar change(s)")
    return 0


def cmd_cal_pull(args: argparse.Namespace, settings: Settings) -> int:
    """Pull every room calendar once."""
    c = _calendar_container(settings)
    outcomes = dict(c.calendar_jobs())["calendar_pull"](c.clock())
    print("pulled: " + (", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "no changes"))
    return 0


def cmd_cal_link(args: argparse.Namespace, settings: Settings) -> int:
    """Show, rotate or revoke a person's feed link."""
    from booking.identity import parse
    from bot.container import build

    feeds, owner = build(settings).feeds, parse(args.user, "slack")
    if args.revoke:
        feeds.revoke(owner)
        print(f"calendar feed of {owner} turned off")
        return 0
    url = feeds.rotate(owner) if args.rotate else feeds.user_link(owner)
    print(url or f"calendar feed of {owner} is off (use --rotate to turn it on)")
    return 0


def cmd_cal_room_link(args: argparse.Namespace, settings: Settings) -> int:
    """Print a room's feed URL."""
    from bot.container import build

    print(build(settings).feeds.room_link(args.room))
    return 0
