"""The cost formulas of "adopt or rent", pure and in one place.

Self-hosted: hardware billed by the hour, running all month whatever the traffic, so a fixed
bill: ``price/hour × 730 hours × machines``. One machine unless the serving probe measured how
many tokens a machine can serve in a month (its *capacity*); then ``machines = ceil(volume /
capacity)``, and the bill steps up by one machine's price each time the volume passes a multiple
of the capacity.

Rented: ``input tokens × IN + output tokens × OUT``, prices in $ per million tokens; linear in the
volume, at the blended rate ``r = (p × IN + a × OUT) / (p + a) / 10⁶`` $/token for a typical
request of p prompt and a answer tokens.

Break-even: the volume where the API's bill reaches the self-hosted one, ``V* = F / r`` with
``F`` one machine's monthly bill. With a measured capacity ``C`` the steps matter: at V in the
m-th step self-hosting costs ``m F`` and the API ``r V``, which reaches it at ``m F / r``; that
lies inside the step only when ``F / r <= C``. So when one machine running flat out costs more
than the API charges for the same tokens (``F > r C``) the lines never cross and the API is
always cheaper; otherwise the first crossing is ``F / r``.

A zero or missing price gives no figure and a reason (never 0 or infinity): a price of 0 is
almost always a price not given.
"""

from __future__ import annotations

import math

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.hosting.volume import HOURS_PER_MONTH, Volume

PER_MONTH = "$/month"
TOKENS_PER_MONTH = "tokens/month"
PER_MILLION = "$/M tokens"


class Figure(Frozen):
    """One number of the hosting section, its unit and every assumption behind it; or no number
    and the reason."""

    value: float | None = None
    """The figure; None when it cannot be computed (``reason`` says why)."""
    unit: str
    """``$/month``, ``tokens/month``, ... (shown with the figure)."""
    reason: str | None = None
    """Why there is no figure (a price missing or 0, no --volume, lines that never cross)."""
    assumptions: list[str] = Field(default_factory=list)
    """What the figure takes for granted, shown beside it."""


def _none(unit: str, reason: str, assumptions: list[str] | None = None) -> Figure:
    return Figure(unit=unit, reason=reason, assumptions=assumptions or [])


def hardware_reason(price_per_hour: float | None) -> str | None:
    """Why there is no self-hosted figure, or None when the price can be used."""
    if price_per_hour is None:
        return "no --price-per-hour given (the hardware's price per hour)"
    if not price_per_hour > 0:
        return "--price-per-hour is 0; give the hardware's real price per hour"
    return None


def api_reason(api_price: tuple[float, float] | None) -> str | None:
    """Why there is no API figure, or None when both prices can be used."""
    if api_price is None:
        return "no --api-price IN,OUT given ($ per million input and output tokens)"
    if not (api_price[0] > 0 and api_price[1] > 0):
        return (f"--api-price {api_price[0]:g},{api_price[1]:g} has a price of 0; give both the "
                "input and the output price per million tokens")
    return None


def machines(tokens_per_month: float, capacity: float | None) -> int:
    """Machines needed for a volume: one, or ceil(volume / capacity) when capacity is known."""
    if not capacity or capacity <= 0:
        return 1
    return max(1, math.ceil(tokens_per_month / capacity))


def fixed_bill(price_per_hour: float) -> float:
    """One machine's monthly bill in $: price/hour × 730 hours."""
    return price_per_hour * HOURS_PER_MONTH


def blended_rate(api_price: tuple[float, float], prompt_tokens: int, answer_tokens: int) -> float:
    """API $ per token for a typical request's mix of input and output tokens."""
    p, a = prompt_tokens, answer_tokens
    return (p * api_price[0] + a * api_price[1]) / (p + a) / 1e6


def capacity_note(capacity: float | None) -> str:
    if capacity:
        return (f"one machine serves at most {capacity:,.0f} tokens/month (the measured serving "
                "throughput, flat out 24/7; real traffic has peaks, so plan headroom); more "
                "volume takes ceil(volume / capacity) machines")
    return ("one machine is enough (serving capacity not measured; run with --measure-serving "
            "to find how many machines the volume needs)")


def self_hosted_cost(price_per_hour: float | None, volume: Volume | None,
                     capacity: float | None) -> Figure:
    """Monthly bill of self-hosting at ``volume`` ($/month)."""
    if (why := hardware_reason(price_per_hour)) is not None:
        return _none(PER_MONTH, why)
    assert price_per_hour is not None
    if volume is None:
        return _none(PER_MONTH, "no --volume given")
    n = machines(volume.tokens_per_month, capacity)
    return Figure(value=fixed_bill(price_per_hour) * n, unit=PER_MONTH, assumptions=[
        f"{n} machine{'s' if n > 1 else ''} × ${price_per_hour:g}/hour × 730 hours/month, "
        "billed whether busy or idle", capacity_note(capacity), volume.assumption])


def api_cost(api_price: tuple[float, float] | None, volume: Volume | None) -> Figure:
    """Monthly bill of the API at ``volume`` ($/month)."""
    if (why := api_reason(api_price)) is not None:
        return _none(PER_MONTH, why)
    assert api_price is not None
    if volume is None:
        return _none(PER_MONTH, "no --volume given")
    value = (volume.input_tokens * api_price[0] + volume.output_tokens * api_price[1]) / 1e6
    return Figure(value=value, unit=PER_MONTH, assumptions=[
        f"{volume.input_tokens:,.0f} input tokens × ${api_price[0]:g}/M + "
        f"{volume.output_tokens:,.0f} output tokens × ${api_price[1]:g}/M",
        volume.assumption, "token counts as given; each candidate's tokenizer counts the same "
        "text somewhat differently"])


def break_even(price_per_hour: float | None, api_price: tuple[float, float] | None,
               prompt_tokens: int, answer_tokens: int, capacity: float | None) -> Figure:
    """The monthly volume (tokens/month) above which self-hosting is cheaper than the API."""
    reasons = [r for r in (hardware_reason(price_per_hour), api_reason(api_price)) if r]
    if reasons:
        return _none(TOKENS_PER_MONTH, "; ".join(reasons))
    assert price_per_hour is not None and api_price is not None
    bill, rate = fixed_bill(price_per_hour), blended_rate(api_price, prompt_tokens, answer_tokens)
    said = [f"self-hosted ${bill:,.2f}/month per machine against the API at "
            f"${rate * 1e6:.4g}/M tokens (blended {prompt_tokens:,}:{answer_tokens:,} "
            "input:output)"]
    crossing = bill / rate
    if capacity and crossing > capacity:
        return _none(TOKENS_PER_MONTH, (
            f"the API is cheaper at every volume: one machine serving flat out "
            f"({capacity:,.0f} tokens/month) costs ${bill:,.2f}/month and the API charges "
            f"${capacity * rate:,.2f} for those tokens"), said)
    said.append(capacity_note(capacity))
    if capacity and (gaps := cheaper_again(crossing, capacity)) >= 2:
        which = ("every further machine" if gaps > 1000 else "the 2nd machine" if gaps == 2
                 else f"each machine from the 2nd to the {_ordinal(gaps)}")
        said.append(f"just after adding {which}, the API is cheaper again for a while "
                    "(m × bill / rate lies past (m - 1) × capacity)")
    return Figure(value=crossing, unit=TOKENS_PER_MONTH, assumptions=said)


def cheaper_again(crossing: float, capacity: float) -> int:
    """The last machine count m whose step starts below the API line: m × F/r > (m-1) × C,
    i.e. m < C / (C - F/r); 1 when no later step does (a huge number when F/r = C)."""
    if capacity <= crossing:
        return 10**9
    return math.ceil(capacity / (capacity - crossing)) - 1


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def self_hosted_at(volume: float, price_per_hour: float, capacity: float | None) -> float:
    """Self-hosted $/month at a volume of tokens/month (the stepped line of the chart)."""
    return fixed_bill(price_per_hour) * machines(volume, capacity)


def api_at(volume: float, api_price: tuple[float, float], prompt_tokens: int,
           answer_tokens: int) -> float:
    """API $/month at a volume of tokens/month (the straight line of the chart)."""
    return volume * blended_rate(api_price, prompt_tokens, answer_tokens)
