"""The serving probe (``--measure-serving``): N generations of a typical length sent to a
backend at once through its ``serve`` verb, bounded by ``--serving-requests`` and
``--answer-tokens``. A backend without the verb (its capabilities say so) gets a note, not a
failure."""

from __future__ import annotations

from alignaudit.backends.base import Backend
from alignaudit.hosting.serving import ServingStats, serving_stats, typical_prompts
from alignaudit.hosting.settings import HostingSettings

CALIBRATION_WORDS = 200
"""Words of filler whose token count sets the words per prompt."""


def prompt_words(backend: Backend, prompt_tokens: int) -> int:
    """Words of filler that make about ``prompt_tokens`` tokens with this model's tokenizer."""
    sample = typical_prompts(1, CALIBRATION_WORDS)[0]
    tokens = backend.count_tokens([sample])[0]
    per_word = tokens / (CALIBRATION_WORDS + 2) if tokens else 1.0
    return max(1, round(prompt_tokens / per_word) - 2)


def measure(backend: Backend, settings: HostingSettings) -> tuple[ServingStats | None, str | None]:
    """Run the probe; ``(figures, None)``, or ``(None, why)`` when the backend cannot."""
    if not backend.capabilities.serving:
        return None, f"the {backend.info.backend} backend has no serving probe"
    prompts = typical_prompts(settings.serving_requests,
                              prompt_words(backend, settings.prompt_tokens))
    run = backend.serve(prompts, settings.answer_tokens)
    records = run.requests
    return serving_stats([r.prompt_tokens for r in records], [r.output_tokens for r in records],
                         [r.seconds for r in records], run.wall_seconds, settings.answer_tokens,
                         run.how, run.token_source), None
