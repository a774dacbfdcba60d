"""The Teams app package a Teams admin uploads: manifest.json, a Japanese localisation, two icons."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.17"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
LOCALE_SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
ACCENT = (0x4F, 0x6B, 0xED)
SCOPES = ["personal", "team", "groupChat"]
COMMANDS = {  # name: (English, Japanese) descriptions, as the Slack slash commands
    "today": (
        "Today's schedule, every room or one: today [room]",
        "今日の予約状況（today 会議室A で1室だけ）",
    ),
    "mybookings": (
        "Your upcoming reservations, with Cancel",
        "あなたの今後の予約（キャンセルボタン付き）",
    ),
    "rooms": (
        "Rooms with capacity, equipment and who is free now",
        "会議室の一覧と、いま空いているか",
    ),
    "book": (
        "Book directly: book Room A tomorrow 14:00-15:00",
        "直接予約: book 会議室A 明日 14:00-15:00",
    ),
}
Pixel = Callable[[int, int], tuple[int, int, int, int]]


def manifest(app_id: str, domain: str, version: str) -> dict[str, Any]:
    """manifest.json: the bot with its commands in personal chats, teams and group chats."""
    site = f"https://{domain}"
    commands = [{"title": name, "description": en} for name, (en, _) in COMMANDS.items()]
    return {
        "$schema": SCHEMA, "manifestVersion": MANIFEST_VERSION, "version": version, "id": app_id,
        "developer": {"name": "Room bot", "websiteUrl": site, "privacyUrl": f"{site}/privacy",
                      "termsOfUseUrl": f"{site}/terms"},
        "name": {"short": "Room bot", "full": "Meeting-room reservations"},
        "description": {
            "short": "Book meeting rooms by chat, in Japanese or English",
            "full": "Ask in Japanese or English to find and book meeting rooms; see today's "
                    "schedule and your bookings; cancel, check in or release with a button; "
                    "get a reminder before each meeting.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{"botId": app_id, "scopes": SCOPES, "supportsFiles": False,
                  "isNotificationOnly": False,
                  "commandLists": [{"scopes": SCOPES, "commands": commands}]}],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [domain],
        "localizationInfo": {"defaultLanguageTag": "en-us",
                             "additionalLanguages": [{"languageTag": "ja-jp", "file": "ja-jp.json"}]},
    }  # fmt: skip


def japanese() -> dict[str, Any]:
    """ja-jp.json: the names, descriptions and command help in Japanese."""
    texts: dict[str, Any] = {
        "$schema": LOCALE_SCHEMA,
        "name.short": "会議室予約",
        "name.full": "会議室予約ボット",
        "description.short": "チャットで会議室を予約（日本語・英語）",
        "description.full": "日本語または英語で話しかけるだけで会議室を探して予約できます。"
        "今日の予約状況や自分の予約の確認、ボタンでのキャンセル・チェックイン・解放、会議前のリマインダーにも対応しています。",
    }
    for i, (_, ja) in enumerate(COMMANDS.values()):
        texts[f"bots[0].commandLists[0].commands[{i}].description"] = ja
    return texts


def png(size: int, pixel: Pixel) -> bytes:
    """An RGBA PNG of a square icon, drawn by a function of (x, y)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def color_icon(x: int, y: int) -> tuple[int, int, int, int]:
    """192x192: a white door on the accent colour."""
    door = 64 <= x < 128 and 40 <= y < 160 and not (110 <= x < 118 and 96 <= y < 104)
    return (255, 255, 255, 255) if door else (*ACCENT, 255)


def outline_icon(x: int, y: int) -> tuple[int, int, int, int]:
    """32x32: the door's white outline on transparency (Teams requires exactly that)."""
    edge = (
        (x in (10, 21) and 6 <= y <= 26) or (y in (6, 26) and 10 <= x <= 21) or (x, y) == (18, 16)
    )
    return (255, 255, 255, 255) if edge else (0, 0, 0, 0)


def build(app_id: str, domain: str, version: str) -> bytes:
    """The zip: manifest.json, ja-jp.json, color.png, outline.png at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "manifest.json",
            json.dumps(manifest(app_id, domain, version), ensure_ascii=False, indent=2),
        )
        archive.writestr("ja-jp.json", json.dumps(japanese(), ensure_ascii=False, indent=2))
        archive.writestr("color.png", png(192, color_icon))
        archive.writestr("outline.png", png(32, outline_icon))
    return buffer.getvalue()


def write(path: Path, app_id: str, domain: str, version: str) -> Path:
    """Write the package to a file."""
    path.write_bytes(build(app_id, domain, version))
    return path
