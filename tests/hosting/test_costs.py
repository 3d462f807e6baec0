"""Cost, break-even and volume formulas against cases computed by hand (the arithmetic is in the
comments), zero and missing prices, and units in every label."""

from __future__ import annotations

import math

import pytest

from alignaudit.hosting.costs import (
    PER_MONTH,
    TOKENS_PER_MONTH,
    api_at,
    api_cost,
    break_even,
    cheaper_again,
    machines,
    self_hosted_at,
    self_hosted_cost,
)
from alignaudit.hosting.estimate import estimate
from alignaudit.hosting.settings import HostingSettings
from alignaudit.hosting.volume import parse_volume


# ------------------------------------------------------------------------------ volume
def test_tokens_a_month_split_in_the_typical_ratio():
    # 50M tokens/month at 400 prompt : 200 answer tokens -> in 50M * 400/600 = 33,333,333.3,
    # out 50M * 200/600 = 16,666,666.7
    v = parse_volume("50M tokens/month", 400, 200)
    assert v.tokens_per_month == 50e6
    assert v.input_tokens == pytest.approx(50e6 * 2 / 3)
    assert v.output_tokens == pytest.approx(50e6 / 3)
    assert v.requests_per_month is None


def test_requests_a_day_become_tokens_a_month():
    # 2000 requests/day * 365/12 days = 60,833.33 requests/month; each 300 + 100 tokens
    # -> 24,333,333.3 tokens/month, of which 3/4 input (18,250,000) and 1/4 output (6,083,333.3)
    v = parse_volume("2000 requests/day", 300, 100)
    assert v.requests_per_month == pytest.approx(60_833.333, rel=1e-6)
    assert v.tokens_per_month == pytest.approx(24_333_333.33, rel=1e-6)
    assert v.input_tokens == pytest.approx(18_250_000.0, rel=1e-6)
    assert v.output_tokens == pytest.approx(6_083_333.33, rel=1e-6)
    assert "requests/month" in v.assumption and "tokens/month" in v.assumption


@pytest.mark.parametrize(("text", "tokens"), [
    ("1.5B tokens/month", 1.5e9),          # 1.5 * 10^9
    ("20000000 tokens per month", 2e7),
    ("20,000,000 tokens/month", 2e7),
    ("60k requests/month", 60e3 * 600),    # 60,000 requests * (400 + 200) tokens = 36M
    ("10 requests/hour", 10 * 730 * 600),  # 10 * 730 hours * 600 tokens = 4,380,000
    ("1 token/day", 365 / 12),             # 30.4167 days in a month
])
def test_volume_forms(text, tokens):
    assert parse_volume(text, 400, 200).tokens_per_month == pytest.approx(tokens)


@pytest.mark.parametrize("text", ["", "lots", "50M", "50M tokens", "-5 tokens/month",
                                  "0 tokens/month", "5 tokens/week", "5X tokens/month"])
def test_bad_volumes_say_the_forms(text):
    with pytest.raises(ValueError, match="--volume"):
        parse_volume(text, 400, 200)


# ------------------------------------------------------------------------------ costs
def test_self_hosted_is_a_fixed_bill_without_capacity():
    # $0.50/hour * 730 hours = $365/month, whatever the volume (one machine)
    for volume in ("1k tokens/month", "20M tokens/month", "900B tokens/month"):
        f = self_hosted_cost(0.5, parse_volume(volume, 400, 200), None)
        assert f.value == pytest.approx(365.0) and f.unit == PER_MONTH
        assert any("730 hours" in a for a in f.assumptions)
        assert any("--measure-serving" in a for a in f.assumptions)


def test_self_hosted_scales_with_machines_past_capacity():
    # capacity 8M tokens/month; 20M needs ceil(20/8) = 3 machines -> 3 * $2 * 730 = $4,380
    f = self_hosted_cost(2.0, parse_volume("20M tokens/month", 400, 200), 8e6)
    assert f.value == pytest.approx(4380.0)
    assert f.assumptions[0].startswith("3 machines")
    assert machines(8e6, 8e6) == 1 and machines(8e6 + 1, 8e6) == 2 and machines(0.0, 8e6) == 1


def test_api_cost():
    # 20M tokens at 400:200 -> 13,333,333.3 in * $0.15/M = $2.00, 6,666,666.7 out * $0.60/M
    # = $4.00; total $6.00/month
    f = api_cost((0.15, 0.60), parse_volume("20M tokens/month", 400, 200))
    assert f.value == pytest.approx(6.0) and f.unit == PER_MONTH
    assert "$0.15/M" in f.assumptions[0] and "$0.6/M" in f.assumptions[0]


def test_break_even_where_the_lines_cross():
    # blended API rate (400 * 0.15 + 200 * 0.60) / 600 = $0.30/M tokens = 3e-7 $/token;
    # one machine $365/month -> V* = 365 / 3e-7 = 1,216,666,666.7 tokens/month
    f = break_even(0.5, (0.15, 0.60), 400, 200, None)
    assert f.value == pytest.approx(1_216_666_666.67, rel=1e-9)
    assert f.unit == TOKENS_PER_MONTH
    # at V* both bills are $365
    assert api_at(f.value, (0.15, 0.60), 400, 200) == pytest.approx(365.0)
    assert self_hosted_at(f.value, 0.5, None) == pytest.approx(365.0)


def test_break_even_with_capacity_inside_the_first_step():
    # capacity 2e9 >= V* = 1.2167e9: the first crossing stands; F/r = C * 0.608, so
    # C / (C - V*) = 2e9 / 0.7833e9 = 2.553 -> machines 2 start below the API line
    f = break_even(0.5, (0.15, 0.60), 400, 200, 2e9)
    assert f.value == pytest.approx(1_216_666_666.67, rel=1e-9)
    assert cheaper_again(f.value, 2e9) == 2
    assert any("just after adding the 2nd machine, the API is cheaper again" in a
               for a in f.assumptions)
    # just past one machine's capacity: 2 machines ($730) against the API at 2e9 * 3e-7 = $600
    assert self_hosted_at(2e9 + 1, 0.5, 2e9) == pytest.approx(730.0)
    assert api_at(2e9 + 1, (0.15, 0.60), 400, 200) == pytest.approx(600.0, rel=1e-6)


def test_no_break_even_when_the_api_is_always_cheaper():
    # capacity 1e9 < V* = 1.2167e9: a machine flat out costs $365 and the API charges
    # 1e9 * 3e-7 = $300 for its tokens, so the lines never cross
    f = break_even(0.5, (0.15, 0.60), 400, 200, 1e9)
    assert f.value is None
    assert "API is cheaper at every volume" in (f.reason or "")
    assert "$365.00" in f.reason and "$300.00" in f.reason
    for volume in (1e6, 9.9e8, 1e9 + 1, 5e10):  # checked on the lines themselves
        assert api_at(volume, (0.15, 0.60), 400, 200) < self_hosted_at(volume, 0.5, 1e9)


@pytest.mark.parametrize(("price", "api", "why"), [
    (None, (0.15, 0.6), "no --price-per-hour"),
    (0.0, (0.15, 0.6), "--price-per-hour is 0"),
    (0.5, None, "no --api-price"),
    (0.5, (0.0, 0.6), "has a price of 0"),
    (0.5, (0.15, 0.0), "has a price of 0"),
])
def test_zero_or_missing_price_gives_no_figure_and_says_why(price, api, why):
    volume = parse_volume("20M tokens/month", 400, 200)
    figures = [break_even(price, api, 400, 200, None), self_hosted_cost(price, volume, None),
               api_cost(api, volume)]
    missing = [f for f in figures if f.value is None]
    assert missing and all(f.reason for f in missing)
    assert any(why in (f.reason or "") for f in missing)
    for f in figures:  # never a 0 or an infinity in place of a figure
        assert f.value is None or (math.isfinite(f.value) and f.value > 0)


def test_no_volume_no_monthly_cost_but_a_break_even():
    h = estimate(HostingSettings(api_price=(0.15, 0.6)), 0.5)
    assert h.self_hosted.value is None and "--volume" in (h.self_hosted.reason or "")
    assert h.api.value is None and h.break_even.value is not None
    assert h.monthly_cost.value is None and "--volume" in (h.monthly_cost.reason or "")


def test_estimate_picks_the_cheaper_bill():
    h = estimate(HostingSettings(api_price=(0.15, 0.6), volume="20M tokens/month"), 0.5)
    assert h.cheaper == "api" and h.monthly_cost is h.api  # $6 < $365
    h = estimate(HostingSettings(api_price=(0.15, 0.6), volume="5B tokens/month"), 0.5)
    # 5e9 * 3e-7 = $1,500 > $365
    assert h.cheaper == "self-hosted" and h.monthly_cost.value == pytest.approx(365.0)


def test_settings_reject_bad_prices_and_lengths():
    from pydantic import ValidationError

    for bad in ({"api_price": "0.15"}, {"api_price": "a,b"}, {"api_price": "-1,2"},
                {"prompt_tokens": 0}, {"serving_requests": 0}, {"volume": "soon"}):
        with pytest.raises(ValidationError, match="--"):
            HostingSettings(**bad)
    assert HostingSettings(api_price="0.15, 0.60").api_price == (0.15, 0.6)
