"""The offline assistant: understanding requests without an LLM."""
