"""The room bot: Slack surface, assistant, JSON API, CLI and composition root."""

__version__ = "2.0.0"
