"""The model path: the bounded tool-calling loop, its prompt and the chat-model port."""
