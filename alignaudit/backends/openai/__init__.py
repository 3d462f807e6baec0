"""The OpenAI-compatible backend: options, the HTTP client (retries, backoff, key redaction), echoed
prompt log-probabilities, chat mode for chat-only APIs, and servers' tokenizer endpoints.

May import: alignaudit._util, alignaudit.backends.
"""
