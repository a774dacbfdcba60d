"""Adaptive Card validation for the fake Teams connector: refuse cards the way Teams refuses them.

Three checks: the official Adaptive Card 1.5 JSON schema (strict: unknown properties refused),
adaptive-cards-py's Microsoft Teams validator (field versions, Teams' 28 KB card limit), and
Teams' own host extension `msteams` (only `width: Full` and mention `entities`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import adaptive_cards
from adaptive_cards.card import AdaptiveCard
from adaptive_cards.validation import CardValidatorFactory
from jsonschema import Draft6Validator
from jsonschema.exceptions import ValidationError, best_match

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_MESSAGE_BYTES = 28 * 1024  # Teams refuses bigger messages (card and text together)
TEAMS_VERSION = "1.5"


@cache
def schema_validator() -> Draft6Validator:
    """The official schema of Adaptive Cards 1.5, as adaptive-cards-py ships it."""
    path = Path(adaptive_cards.__file__).parent / "schemas" / f"schema-{TEAMS_VERSION}.json"
    return Draft6Validator(json.loads(path.read_text(encoding="utf-8")))


def card_problem(card: Any) -> str | None:
    """Why Teams would refuse this card, or None."""
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return "content must be an AdaptiveCard object"
    if str(card.get("version")) > TEAMS_VERSION:
        return f"card version {card.get('version')} is newer than Teams supports ({TEAMS_VERSION})"
    rest = {k: v for k, v in card.items() if k != "msteams"}
    problem = msteams_problem(card.get("msteams")) or schema_problem(rest)
    if problem:
        return problem
    try:
        model = AdaptiveCard.model_validate(rest)
    except ValueError as error:
        return f"not an Adaptive Card: {str(error).splitlines()[0]}"
    validator = CardValidatorFactory.create_validator_microsoft_teams()
    if validator.validate(model, debug=False).is_err():
        return "; ".join(
            f"{f.message} {f.message_additional or ''}".strip() for f in validator.details()
        )
    return None


def schema_problem(card: dict[str, Any]) -> str | None:
    """The first violation of the official schema, located by its JSON path."""
    error = best_match(schema_validator().iter_errors(card))
    if error is None:
        return None
    leaves = list(_leaves(error))
    telling = [e for e in leaves if not (e.validator == "enum" and list(e.path)[-1:] == ["type"])]
    found = max(telling or leaves, key=lambda e: len(list(e.absolute_path)))
    where = "/".join(str(p) for p in found.absolute_path)
    return f"schema violated at /{where}: {found.message[:200]}"


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The innermost errors under one (each branch of an anyOf tried)."""
    if not error.context:
        yield error
    for sub in error.context:
        yield from _leaves(sub)


def msteams_problem(extension: Any) -> str | None:
    """Teams' host extension: only the keys Teams knows."""
    if extension is None:
        return None
    if not isinstance(extension, dict) or set(extension) - {"width", "entities"}:
        return "msteams may hold only width and entities"
    if "width" in extension and extension["width"] != "Full":
        return "msteams.width must be Full"
    return None


def activity_problem(activity: Any) -> tuple[int, str] | None:
    """(status, message) for an activity the connector refuses, or None."""
    if not isinstance(activity, dict) or not activity.get("type"):
        return 400, "activity.type is required"
    size = len(json.dumps(activity, ensure_ascii=False).encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        return 413, f"message of {size} bytes exceeds {MAX_MESSAGE_BYTES}"
    if activity["type"] != "message":
        return None
    attachments = activity.get("attachments") or []
    if not activity.get("text") and not attachments:
        return 400, "a message needs text or an attachment"
    for index, attachment in enumerate(attachments):
        if attachment.get("contentType") != CARD_TYPE:
            continue
        problem = card_problem(attachment.get("content"))
        if problem:
            return 400, f"attachments[{index}]: {problem}"
    return None
