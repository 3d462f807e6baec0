"""The hosting block saved on each model's audit: the inputs, the serving probe's figures and
the three cost figures, so that the page, the summary, the terminal and the ``monthly_cost``
gate all read the same numbers (and a saved result re-renders without recomputing anything
that needs a model)."""

from __future__ import annotations

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.hosting.costs import Figure, api_cost, break_even, self_hosted_cost
from alignaudit.hosting.serving import ServingStats
from alignaudit.hosting.settings import HostingSettings
from alignaudit.hosting.volume import Volume, parse_volume


class Hosting(Frozen):
    """Adopt or rent, for one model. With ``serving``, the figures rest on a measured speed and
    vary a little from run to run (like the runtime block)."""

    price_per_hour: float | None = None
    """--price-per-hour of the self-hosting hardware, $/hour."""
    api_price: tuple[float, float] | None = None
    """--api-price: $ per million input and output tokens."""
    volume: Volume | None = None
    """--volume, read."""
    prompt_tokens: int = 400
    """Typical prompt tokens of a request."""
    answer_tokens: int = 200
    """Typical answer tokens of a request."""
    serving: ServingStats | None = None
    """The serving probe's figures (--measure-serving), or None."""
    serving_note: str | None = None
    """Why the serving probe did not run although it was asked for."""
    self_hosted: Figure
    """Monthly bill self-hosted at the volume ($/month)."""
    api: Figure
    """Monthly bill through the API at the volume ($/month)."""
    break_even: Figure
    """Volume where the two bills meet (tokens/month)."""
    cheaper: str | None = Field(default=None, description="`self-hosted` or `api` at the volume, "
                                "when both bills are known.")

    @property
    def capacity(self) -> float | None:
        return self.serving.capacity if self.serving is not None else None

    @property
    def monthly_cost(self) -> Figure:
        """The cheaper of the two bills at the volume (the one that is known, if only one)."""
        known = [f for f in (self.self_hosted, self.api) if f.value is not None]
        if not known:
            return Figure(unit=self.self_hosted.unit, reason=(
                f"self-hosted: {self.self_hosted.reason}; API: {self.api.reason}"))
        return min(known, key=lambda f: f.value or 0.0)


def estimate(settings: HostingSettings, price_per_hour: float | None,
             serving: ServingStats | None = None, serving_note: str | None = None) -> Hosting:
    """Every figure of the hosting section for one model."""
    p, a = settings.prompt_tokens, settings.answer_tokens
    volume = parse_volume(settings.volume, p, a) if settings.volume else None
    capacity = serving.capacity if serving is not None else None
    own = self_hosted_cost(price_per_hour, volume, capacity)
    rent = api_cost(settings.api_price, volume)
    cheaper = None
    if own.value is not None and rent.value is not None:
        cheaper = "self-hosted" if own.value <= rent.value else "api"
    return Hosting(price_per_hour=price_per_hour, api_price=settings.api_price, volume=volume,
                   prompt_tokens=p, answer_tokens=a, serving=serving, serving_note=serving_note,
                   self_hosted=own, api=rent,
                   break_even=break_even(price_per_hour, settings.api_price, p, a, capacity),
                   cheaper=cheaper)
