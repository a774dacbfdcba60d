"""Command line: `python -m bot serve | socket | scheduler | teams [package] | chat | db upgrade | rooms sync`."""

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
    teams = sub.add_parser("teams", help="serve the Teams messaging endpoint (aiohttp)")
    teams.add_argument("--host", default=None, help="default TEAMS_HOST (127.0.0.1)")
    teams.add_argument("--port", type=int, default=None, help="default TEAMS_PORT (3978)")
    teams.set_defaults(command=cmd_teams)
    package = teams.add_subparsers(metavar="action").add_parser(
        "package", help="write the Teams app package (zip) for a Teams admin to upload"
    )
    package.add_argument(
        "--domain", required=True, help="public host of the bot, e.g. rooms.example.co.jp"
    )
    package.add_argument("--output", default="roombot-teams.zip", help="zip file to write")
    package.set_defaults(command=cmd_teams_package)
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
    add_board_commands(sub)
    calendar_commands(sub)
    return root


def add_board_commands(sub: Any) -> None:
    """`report --month YYYY-MM` and `board token add|list|revoke`."""
    report = sub.add_parser("report", help="write a month's utilisation report as files")
    report.add_argument("--month", required=True, help="YYYY-MM (Japan time)")
    report.add_argument("--out", type=Path, default=None, help="folder (reports/utilisation-…)")
    report.add_argument("--lang", choices=("ja", "en"), default=None)
    report.set_defaults(command=cmd_report)
    board = sub.add_parser("board", help="room boards").add_subparsers(
        required=True, metavar="what"
    )
    token = board.add_parser("token", help="a door board's booking token").add_subparsers(
        required=True, metavar="action"
    )
    add = token.add_parser("add", help="issue a token for a room (shown once)")
    add.add_argument("room", help="room id, name or alias")
    add.add_argument("--label", default="", help="where the tablet hangs")
    add.set_defaults(command=cmd_board_token, action="add")
    token.add_parser("list", help="every token").set_defaults(
        command=cmd_board_token, action="list"
    )
    revoke = token.add_parser("revoke", help="make a board read-only again")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(command=cmd_board_token, action="revoke")


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    """Write the month's report: index.html, the charts (SVG) and the figures (CSV)."""
    from booking.errors import BookingError
    from bot.board.commands import write_month
    from bot.container import build
    from bot.web import STATIC

    lang = args.lang or settings.default_language
    try:
        written = write_month(
            build(settings).desk, args.month, lang, args.out, STATIC / "board" / "board.css"
        )
    except BookingError as error:
        print(f"report: {error.message}", file=sys.stderr)
        return 2
    print(f"wrote {len(written)} files to {written[-1].parent}")
    return 0


def cmd_board_token(args: argparse.Namespace, settings: Settings) -> int:
    """Issue, list or revoke board tokens."""
    from booking.errors import BookingError
    from bot.board import commands
    from bot.container import build

    c = build(settings)
    try:
        if args.action == "add":
            print(commands.add_token(c.uow, args.room, args.label, c.clock()))
        elif args.action == "list":
            print(commands.list_tokens(c.uow, c.policy.tz))
        else:
            print(commands.revoke_token(c.uow, args.id, c.clock()))
    except BookingError as error:
        print(f"board token: {error.message}", file=sys.stderr)
        return 2
    return 0


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
    workers = worker_count(settings, args.workers, os.cpu_count() or 1)
    argv = [
        sys.executable, "-m", "gunicorn", "bot.wsgi:app",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(workers),
    ]  # fmt: skip
    print(banner(args.host, args.port, settings), file=sys.stderr, flush=True)
    conf = Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"
    if conf.is_file():
        argv[3:3] = ["--config", str(conf)]  # command-line options after it win
    logging.shutdown()  # the log writer thread writes what is queued before the process is replaced
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover - execv does not return


def worker_count(settings: Settings, given: int | None, cpus: int) -> int:
    """Gunicorn workers: as given; else one without Redis, whose chat history lives in the
    process (with two, a conversation's next message could land where its history is not);
    else 2 in development and 2 × CPUs + 1 in production."""
    if given:
        return given
    if not settings.redis_url:
        return 1
    return 2 if settings.is_development else cpus * 2 + 1


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

    if not (settings.slack_bot_token or settings.teams_enabled or settings.caldav_url):
        raise ConfigError(
            "SLACK_BOT_TOKEN, TEAMS_APP_ID or CALDAV_URL is required for the scheduler (it sends"
            " reminders and syncs calendars)"
        )
    if settings.teams_enabled:
        settings.check_teams()
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


def cmd_teams(args: argparse.Namespace, settings: Settings) -> int:
    """Serve POST /api/messages for Teams until SIGTERM/SIGINT."""
    from aiohttp import web

    from bot.container import build

    settings.check_teams()
    app = build(settings).teams_app()
    host, port = args.host or settings.teams_host, args.port or settings.teams_port
    mode = "anonymous (development)" if settings.teams_anonymous else f"app {settings.teams_app_id}"
    log.info("Teams endpoint on http://%s:%s/api/messages, %s", host, port, mode)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
    return 0


def cmd_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    """Write the Teams app package with the bot id from the settings."""
    from bot import __version__
    from bot.teams.package import write

    if not settings.teams_app_id:
        raise ConfigError("TEAMS_APP_ID is required to build the Teams app package")
    path = write(Path(args.output), settings.teams_app_id, args.domain.strip(), __version__)
    print(f"Teams app package written to {path}: upload it in Teams (Apps > Manage your apps)")
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
