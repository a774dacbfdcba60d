"""Fake Slack and OpenAI HTTP servers for tests that run the real clients."""
