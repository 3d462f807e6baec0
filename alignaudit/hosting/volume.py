"""``--volume``: how much the team will send a model, as tokens a month.

Two forms, a number (with an optional k, M or B for thousand, million, billion) and a unit::

    50M tokens/month       20000000 tokens/month     1.5B tokens/month
    2000 requests/day      60k requests/month        300 requests/hour

Requests become tokens with the typical lengths of one request (``--prompt-tokens`` in,
``--answer-tokens`` out). A tokens volume is split into input and output tokens in that same
ratio, since an API prices them apart. A month is 365/12 days (730 hours).
"""

from __future__ import annotations

import re

from pydantic import Field

from alignaudit._util.frozen import Frozen

HOURS_PER_MONTH = 24 * 365 / 12
"""730: the hours of an average month."""
DAYS_PER_MONTH = 365 / 12
SCALE = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "B": 1e9}
PER_MONTH = {"month": 1.0, "day": DAYS_PER_MONTH, "hour": HOURS_PER_MONTH}
_FORM = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kKMB]?)\s*"
                   r"(tokens?|requests?)\s*(?:/|per\s+|a\s+)\s*(month|day|hour)\s*$")
EXAMPLES = "'50M tokens/month' or '2000 requests/day'"


class Volume(Frozen):
    """A monthly volume, in tokens, with its input/output split."""

    given: str
    """--volume as written."""
    tokens_per_month: float
    """Input and output tokens a month."""
    input_tokens: float
    """Tokens sent to the model a month (prompts)."""
    output_tokens: float
    """Tokens the model writes a month (answers)."""
    requests_per_month: float | None = None
    """Requests a month, when the volume was given in requests."""
    prompt_tokens: int = Field(gt=0)
    """Typical tokens of one prompt (--prompt-tokens)."""
    answer_tokens: int = Field(gt=0)
    """Typical tokens of one answer (--answer-tokens)."""

    @property
    def assumption(self) -> str:
        """How the tokens a month were reached, in words."""
        p, a = self.prompt_tokens, self.answer_tokens
        if self.requests_per_month is not None:
            return (f"{self.given} = {self.requests_per_month:,.0f} requests/month × "
                    f"({p:,} prompt + {a:,} answer tokens) = {self.tokens_per_month:,.0f} "
                    "tokens/month (a month is 730 hours)")
        return (f"{self.given}: input and output tokens split {p:,}:{a:,} as a typical "
                f"request (--prompt-tokens, --answer-tokens)")


def parse_volume(text: str, prompt_tokens: int, answer_tokens: int) -> Volume:
    """Read ``--volume``; a ValueError says what is wrong and gives the forms it accepts."""
    match = _FORM.match(text or "")
    if not match:
        raise ValueError(f"--volume {text!r}: write a number and a unit, e.g. {EXAMPLES} "
                         "(k, M, B for thousand, million, billion; per month, day or hour).")
    number, scale, unit, period = match.groups()
    amount = float(number.replace(",", "").replace("_", "")) * SCALE[scale]
    if amount <= 0:
        raise ValueError(f"--volume {text!r}: give a volume above 0.")
    monthly = amount * PER_MONTH[period]
    per_request = prompt_tokens + answer_tokens
    if unit.startswith("request"):
        tokens, requests = monthly * per_request, monthly
    else:
        tokens, requests = monthly, None
    return Volume(given=text.strip(), tokens_per_month=tokens,
                  input_tokens=tokens * prompt_tokens / per_request,
                  output_tokens=tokens * answer_tokens / per_request,
                  requests_per_month=requests, prompt_tokens=prompt_tokens,
                  answer_tokens=answer_tokens)
