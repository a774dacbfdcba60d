"""Slack's assistant threads (the AI-app split view): Bolt's Assistant claims their events.

`assistant_thread_started` greets and suggests prompts; `assistant_thread_context_changed`
stores the channel the user is looking at; every user message in a DM thread (`message.im` with
`thread_ts`) is answered here, and only here: the Assistant middleware handles it and does not
pass it on, so the DM listener never sees it.
"""

from __future__ import annotations

from slack_bolt import App, Assistant

from bot.slack.deps import SlackDeps
from bot.slack.listeners.assistant import context_changed, thread_started, user_message
from bot.slack.locale import Locales
from bot.slack.thread_context import StoredThreadContexts
from bot.slack.threads import Threads

ASSISTANT_EVENTS = ("assistant_thread_started", "assistant_thread_context_changed")


def register(app: App, deps: SlackDeps, threads: Threads, locales: Locales) -> None:
    """Register the assistant's listeners as one middleware."""
    assistant = Assistant(thread_context_store=StoredThreadContexts(deps.thread_contexts))
    assistant.thread_started(thread_started.handler(locales, threads.capabilities))
    assistant.thread_context_changed(context_changed.handler())
    assistant.user_message(user_message.handler(deps, threads))
    app.assistant(assistant)
