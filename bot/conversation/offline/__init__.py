"""The offline assistant: understands common requests without a model and drives the tools."""
