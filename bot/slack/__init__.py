"""The Slack surface: the Bolt app, Block Kit builders, de-duplication and the message entry."""
