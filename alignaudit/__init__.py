"""alignaudit: audit a language model's knowledge recency and its fit to your data."""

__version__ = "0.1.0"
