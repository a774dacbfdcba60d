"""`python -m bot teams package`: the zip a Teams admin uploads, checked against the required
fields and limits of the Teams app manifest schema (v1.17)."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from bot.cli import main
from bot.teams.package import MANIFEST_VERSION

pytestmark = pytest.mark.usefixtures("cli_logging")  # cli.main configures logging

APP_ID = "00000000-1111-2222-3333-444444444444"
# The required fields and limits of MicrosoftTeams.schema.json v1.17, transcribed.
TEXT = {"type": "string", "minLength": 1}
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["manifestVersion", "version", "id", "developer", "name", "description", "icons",
                 "accentColor"],
    "properties": {
        "manifestVersion": {"const": MANIFEST_VERSION},
        "version": {"type": "string", "pattern": r"^([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)\.([0-9]|[1-9][0-9]*)$"},
        "id": {"type": "string", "pattern": r"^[0-9a-fA-F-]{36}$"},
        "developer": {"type": "object", "required": ["name", "websiteUrl", "privacyUrl", "termsOfUseUrl"],
                      "properties": {k: {"type": "string", "pattern": "^https://"} for k in
                                     ("websiteUrl", "privacyUrl", "termsOfUseUrl")}},
        "name": {"type": "object", "required": ["short"],
                 "properties": {"short": {**TEXT, "maxLength": 30}, "full": {**TEXT, "maxLength": 100}}},
        "description": {"type": "object", "required": ["short", "full"],
                        "properties": {"short": {**TEXT, "maxLength": 80}, "full": {**TEXT, "maxLength": 4000}}},
        "icons": {"type": "object", "required": ["outline", "color"]},
        "accentColor": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        "bots": {"type": "array", "maxItems": 1, "items": {
            "type": "object", "required": ["botId", "scopes"],
            "properties": {"scopes": {"type": "array", "items": {"enum": ["team", "personal", "groupChat"]}},
                           "commandLists": {"type": "array", "maxItems": 3, "items": {
                               "type": "object", "required": ["scopes", "commands"],
                               "properties": {"commands": {"type": "array", "maxItems": 10, "items": {
                                   "type": "object", "required": ["title", "description"],
                                   "properties": {"title": {**TEXT, "maxLength": 32},
                                                  "description": {**TEXT, "maxLength": 128}}}}}}}}}},
        "validDomains": {"type": "array", "items": {"type": "string", "maxLength": 2048}},
    },
}  # fmt: skip


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> zipfile.ZipFile:
    """Run the command as an admin would; open the zip it wrote."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    assert main(["teams", "package", "--domain", "rooms.example.co.jp", "--output", "app.zip"]) == 0
    return zipfile.ZipFile(io.BytesIO((tmp_path / "app.zip").read_bytes()))


def test_the_package_holds_a_valid_manifest_with_the_bot_and_its_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = build(tmp_path, monkeypatch)
    assert set(archive.namelist()) == {"manifest.json", "ja-jp.json", "color.png", "outline.png"}
    manifest = json.loads(archive.read("manifest.json"))
    errors = [e.message for e in Draft7Validator(MANIFEST_SCHEMA).iter_errors(manifest)]
    assert errors == []
    (bot,) = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID
    assert {c["title"] for c in bot["commandLists"][0]["commands"]} == {
        "today",
        "mybookings",
        "rooms",
        "book",
    }
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["validDomains"] == ["rooms.example.co.jp"]
    assert manifest["developer"]["websiteUrl"] == "https://rooms.example.co.jp"


def test_icons_are_the_sizes_teams_requires_and_japanese_is_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = build(tmp_path, monkeypatch)
    assert png_size(archive.read("color.png")) == (192, 192)
    assert png_size(archive.read("outline.png")) == (32, 32)
    japanese = json.loads(archive.read("ja-jp.json"))
    assert japanese["name.short"] == "会議室予約" and len(japanese["name.short"]) <= 30
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["localizationInfo"]["additionalLanguages"][0]["file"] == "ja-jp.json"


def test_without_an_app_id_the_command_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(["teams", "package", "--domain", "x.example"]) == 2
    assert "TEAMS_APP_ID" in capsys.readouterr().err
    assert not (tmp_path / "roombot-teams.zip").exists()
