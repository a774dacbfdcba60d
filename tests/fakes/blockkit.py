"""Block Kit validation for the fake Slack: refuse blocks and views the way Slack refuses them.

slack_sdk parses each block; anything it drops or changes is unknown to it, so refused.
Empty or over-long text objects are refused too.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS, MAX_VIEW_BLOCKS, MAX_TEXT = 50, 100, 3000


class Refusal(Exception):
    """An `ok: false` answer, raised from anywhere inside a method."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        """Render the body Slack would send."""
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def validate_blocks(blocks: Any, limit: int, error: str = "invalid_blocks") -> None:
    """Raise the Refusal Slack would answer unless `blocks` is acceptable Block Kit."""
    if not isinstance(blocks, list):
        raise Refusal("invalid_blocks_format", "blocks must be a JSON array")
    if len(blocks) > limit:
        raise Refusal(error, f"no more than {limit} items allowed [json-pointer:/blocks]")
    for index, block in enumerate(blocks):
        problem = block_problem(block)
        if problem:
            raise Refusal(error, f"{problem} [json-pointer:/blocks/{index}]")


def block_problem(block: Any) -> str | None:
    """Describe why Slack would refuse one block, or return None."""
    if not isinstance(block, dict):
        return "a block must be a JSON object"
    try:
        parsed = Block.parse(block)
        data = parsed.to_dict() if parsed is not None else None
    except Exception as error:  # slack_sdk raises SlackObjectFormationError and others
        return str(error)
    if data is None:
        return f"unsupported block type {block.get('type')!r}"
    return _text_problem(block) or _lost(block, data, "")


def _text_problem(node: Any) -> str | None:
    """Find an empty or over-long text object anywhere under `node`."""
    if isinstance(node, list):
        return next(filter(None, map(_text_problem, node)), None)
    if not isinstance(node, dict):
        return None
    if node.get("type") in ("mrkdwn", "plain_text"):
        text = node.get("text")
        if not isinstance(text, str) or not text:
            return "text must be more than 0 characters"
        if len(text) > MAX_TEXT:
            return f"text must be less than {MAX_TEXT + 1} characters"
    return next(filter(None, map(_text_problem, node.values())), None)


def _lost(original: Any, parsed: Any, pointer: str) -> str | None:
    """Name the first part of `original` that slack_sdk dropped or changed (unknown to it)."""
    if isinstance(original, dict) and isinstance(parsed, dict):
        for key, value in original.items():
            if key not in parsed:
                return f"unsupported or invalid element at {pointer}/{key}"
            problem = _lost(value, parsed[key], f"{pointer}/{key}")
            if problem:
                return problem
        return None
    if isinstance(original, list) and isinstance(parsed, list) and len(original) == len(parsed):
        pairs = enumerate(zip(original, parsed, strict=True))
        return next(filter(None, (_lost(o, p, f"{pointer}/{i}") for i, (o, p) in pairs)), None)
    return None if original == parsed else f"unsupported or invalid value at {pointer or '/'}"


def validate_view(raw: Any, types: tuple[str, ...]) -> dict[str, Any]:
    """Return the view as a dict, or raise the Refusal Slack would answer."""
    view = loads(raw)
    if not isinstance(view, dict):
        raise Refusal("invalid_arguments", "view must be a JSON object")
    if view.get("type") not in types:
        raise Refusal("invalid_arguments", f"view type must be one of {', '.join(types)}")
    validate_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS, "invalid_arguments")
    try:
        View(**view).to_dict()
    except Exception as error:  # slack_sdk raises SlackObjectFormationError, TypeError
        raise Refusal("invalid_arguments", str(error)) from error
    return view


def loads(value: Any) -> Any:
    """Decode a JSON string argument; leave anything else (or bad JSON) as it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
