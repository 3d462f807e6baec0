"""The transformers backend: options, model resolution (aliases, GGUF, local folders, the Hub),
loading, prefix-tree packing, and batched scoring, generation and perplexity.

May import: alignaudit._util, alignaudit.backends.
"""
