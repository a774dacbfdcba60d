"""Imports go one way: surfaces → bot/conversation → booking ← storage; the root wires them.

Every rule below is a direction of DESIGN.md §2; each test names the offending files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("booking", "storage", "bot", "health")
CALENDAR_LIBS = ("caldav", "icalendar", "niquests", "recurring_ical_events")
THIRD_PARTY_BANNED = {
    "booking": ("sqlalchemy", "flask", "slack_bolt", "slack_sdk", "openai", "redis", "alembic",
                "psycopg2", "requests", "httpx", "apscheduler", "aiohttp", "microsoft_agents",
                *CALENDAR_LIBS),
    "storage": ("flask", "slack_bolt", "slack_sdk", "openai", "aiohttp", "microsoft_agents",
                *CALENDAR_LIBS),
    "bot/conversation": ("sqlalchemy", "flask", "slack_bolt", "slack_sdk", "openai", "redis",
                         "aiohttp", "microsoft_agents", "werkzeug", *CALENDAR_LIBS),
    "bot/reminders": ("sqlalchemy", "flask", "slack_bolt", "slack_sdk", "openai", "redis"),
    "bot/slack": ("sqlalchemy", "redis", "openai", "aiohttp", "microsoft_agents", *CALENDAR_LIBS),
    "bot/api": ("redis", "openai", "slack_bolt", "slack_sdk", *CALENDAR_LIBS),  # sqlalchemy.exc: 503
    "bot/board": ("sqlalchemy", "redis", "openai", "slack_bolt", "slack_sdk", "aiohttp",
                  "microsoft_agents", "apscheduler", "alembic", "psycopg2", *CALENDAR_LIBS),
    "bot/teams": ("sqlalchemy", "redis", "openai", "flask", "slack_bolt", "slack_sdk",
                  *CALENDAR_LIBS),
    "bot/calendar": ("sqlalchemy", "slack_bolt", "slack_sdk", "openai", "redis", "aiohttp",
                     "microsoft_agents", "alembic", "psycopg2"),
}  # fmt: skip
THIRD_PARTY_BANNED["bot/reminders"] += ("aiohttp", "microsoft_agents")
# Only the adapter speaks CalDAV; the jobs and feeds work through booking's CalendarPort.
for _name in ("push", "pull", "feeds", "http", "ical", "foreign"):
    THIRD_PARTY_BANNED[f"bot/calendar/{_name}.py"] = ("caldav", "niquests", "requests")
# Which first-party modules a place may import (by dotted prefix).
MAY_IMPORT = {
    "booking": ("booking",),
    "storage": ("booking", "storage"),
    "health.py": (),
    "bot/conversation": ("booking", "bot.conversation"),
    "bot/reminders": ("booking", "bot.reminders"),
    "bot/slack": ("booking", "bot.conversation", "bot.slack"),
    "bot/api": ("booking", "bot.conversation", "bot.api"),
    "bot/board": ("booking", "bot.conversation", "bot.board"),
    "bot/teams": ("booking", "bot.conversation", "bot.teams"),
    "bot/calendar": ("booking", "bot.calendar"),
}
# Within a place: lower modules never import the ones above them.
NEVER = {
    "bot/slack/listeners": ("bot.slack.app", "bot.slack.http"),
    "bot/slack/app.py": ("bot.slack.http",),
    "bot/conversation/model": ("bot.conversation.core", "bot.conversation.offline"),
    "bot/conversation/offline": ("bot.conversation.core", "bot.conversation.model"),
    "bot/conversation/tools.py": ("bot.conversation.core", "bot.conversation.model"),
    "bot/conversation/context.py": ("bot.conversation.tools", "bot.conversation.rule_tools"),
    "bot/conversation/rule_tools.py": ("bot.conversation.tools",),  # the table imports them
    "bot/conversation/types.py": ("bot.conversation.core", "bot.conversation.tools"),
    "bot/conversation/rules_desk.py": ("bot.conversation.core", "bot.conversation.tools"),
    "bot/reminders/rule_jobs.py": ("bot.reminders.jobs", "bot.reminders.scheduler"),
}
CORE_INSIDES = ("bot.conversation.model", "bot.conversation.offline", "bot.openai_model")
for _surface in ("bot/slack", "bot/api", "bot/board", "bot/teams", "bot/cli.py"):
    NEVER[_surface] = CORE_INSIDES  # surfaces reach the core's entry, never its model or parser
# The board's pure parts sit below its routes.
for _name in ("status", "present", "figures", "charts", "security", "reporting"):
    NEVER[f"bot/board/{_name}.py"] = ("bot.board.views", "bot.board.report", "bot.board.commands")
for _name in ("push", "pull", "feeds", "http", "ical", "foreign"):
    NEVER[f"bot/calendar/{_name}.py"] = ("bot.calendar.adapters",)
LOWER_SLACK = ("surface", "blocks", "threads", "notify", "deps", "identity", "language", "client",
               "answer", "capabilities", "ai_blocks", "modal_blocks", "locale", "thread_context",
               "surface_rules", "rule_blocks", "notify_rules")  # fmt: skip
for _name in LOWER_SLACK:
    NEVER[f"bot/slack/{_name}.py"] = ("bot.slack.listeners", "bot.slack.app", "bot.slack.http")
NEVER["bot/slack/blocks.py"] += ("bot.slack.rule_blocks", "bot.slack.surface_rules")  # below them
UPPER_TEAMS = ("bot.teams.http", "bot.teams.app", "bot.teams.turns", "bot.teams.notify")
for _name in ("cards", "identity", "deps", "commands", "actions", "package", "auth"):
    NEVER[f"bot/teams/{_name}.py"] = UPPER_TEAMS  # pure builders and verbs below the SDK's turns
NEVER["bot/teams/app.py"] = ("bot.teams.http",)
ROOT_ONLY = "bot.container"  # the composition root: imported only from the top
ROOT_USERS = {"bot/web.py", "bot/cli.py", "bot/wsgi.py", "bot/container.py"}


def imported_modules(path: Path) -> set[str]:
    """Dotted names a module imports (absolute imports; `from a import b` gives a and a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files(place: str) -> list[Path]:
    """The Python files of a package folder, or the one file."""
    target = ROOT / place
    found = [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))
    assert found, f"{place} holds no Python files"  # a rule over nothing proves nothing
    return found


def offenders(place: str, bad: object) -> dict[str, list[str]]:
    """Files of the place importing a module the predicate calls bad."""
    found = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if bad(m))  # type: ignore[operator]
        for path in files(place)
    }
    return {k: v for k, v in found.items() if v}


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    """True when the module is one of the prefixes or inside one."""
    return any(module == p or module.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("place", sorted(THIRD_PARTY_BANNED))
def test_no_banned_library(place: str) -> None:
    """Pure and surface-neutral places import none of the libraries of other layers."""
    assert offenders(place, lambda m: under(m, THIRD_PARTY_BANNED[place])) == {}


@pytest.mark.parametrize("place", sorted(MAY_IMPORT))
def test_first_party_imports_go_one_way(place: str) -> None:
    """A place imports only the first-party modules below it (no arrow back up)."""
    allowed = MAY_IMPORT[place]
    bad = lambda m: m.split(".")[0] in FIRST_PARTY and not under(m, allowed)  # noqa: E731
    assert offenders(place, bad) == {}


@pytest.mark.parametrize("place", sorted(NEVER))
def test_lower_modules_do_not_import_upper_ones(place: str) -> None:
    """Listeners sit below the Bolt app; the model loop and offline assistant below the core."""
    assert offenders(place, lambda m: under(m, NEVER[place])) == {}


def test_only_the_top_imports_the_composition_root() -> None:
    """Handlers get their collaborators bound once, never the whole container."""
    users = {
        str(p.relative_to(ROOT))
        for p in files("bot")
        if any(under(m, (ROOT_ONLY,)) for m in imported_modules(p))
    }
    assert users <= ROOT_USERS, users - ROOT_USERS


def test_the_scan_sees_imports() -> None:
    """The scanner finds both import forms, and the predicate catches a planted offender."""
    modules = imported_modules(ROOT / "storage" / "uow.py")
    assert {"sqlalchemy", "booking.model"} <= {m.split(".")[0] for m in modules} | modules
    assert offenders("bot/web.py", lambda m: under(m, ("bot.container",)))


def test_every_text_key_is_written_once() -> None:
    """One i18n table: a key defined twice would silently replace the first text."""
    tree = ast.parse((ROOT / "bot" / "conversation" / "i18n.py").read_text(encoding="utf-8"))
    table = next(n.value for n in tree.body if isinstance(n, ast.AnnAssign))
    assert isinstance(table, ast.Dict)
    keys = [k.value for k in table.keys if isinstance(k, ast.Constant)]
    assert len(keys) > 50 and len(keys) == len(set(keys))
