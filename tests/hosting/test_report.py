"""The "Hosting: adopt or rent" section on the page (chart and table, one column per candidate
on a comparison page), in summary.md and the terminal, and the monthly_cost gates."""

from __future__ import annotations

import re

import pytest

from alignaudit._util.errors import UsageError
from alignaudit.config import RunConfig
from alignaudit.hosting.estimate import estimate
from alignaudit.hosting.serving import serving_stats
from alignaudit.hosting.settings import HostingSettings
from alignaudit.judge import gates
from alignaudit.report import page as report
from alignaudit.report.console import console_summary
from alignaudit.result import AuditResult
from tests.helpers.results import HOSTILE, STAMP, audit_for, parse, probes_for, result_for

PRICES = HostingSettings(api_price=(0.15, 0.60), volume="20M tokens/month")


def _result(name: str, price: float | None, serving: bool = True,
            settings: HostingSettings = PRICES) -> AuditResult:
    # 16 requests, 400 + 200 tokens each, in 10 s: 960 tokens/s in all, 320 generated tokens/s;
    # capacity 960 * 730 * 3600 = 2,522,880,000 tokens/month; latencies sorted are 8 x 9 s then
    # 8 x 10 s: p50 is the 8th (9 s), p95 the ceil(15.2) = 16th (10 s)
    stats = serving_stats([400] * 16, [200] * 16, [10.0] * 8 + [9.0] * 8, 10.0, 200,
                          "one batch of 16 through generate (cpu)", "the model's own tokenizer")
    audit = audit_for(name, probes_for(60, knows_until=2019))
    audit.hosting = estimate(settings, price, stats if serving else None)
    return result_for(audit)


def _section(page: str) -> str:
    return re.search(r'<section id="hosting">.*?</section>', page, re.S).group(0)


def test_the_section_has_the_chart_and_the_table():
    page = report.render(_result("model-a", 0.5), rendered_at=STAMP)
    checker = parse(page)
    assert checker.errors == [] and len(checker.ids) == len(set(checker.ids))
    section = _section(page)
    assert "Hosting: adopt or rent" in section and 'href="#hosting"' in page
    assert section.count("<svg") == 1
    svg = re.search(r"<svg.*?</svg>", section, re.S).group(0)
    for label in ("$/month", "tokens/month", "model-a: self-hosted", "model-a: API",
                  "break-even", "your volume (20M tokens/month)"):
        assert label in svg
    table = re.search(r'<table class="grid hosting">.*?</table>', section, re.S).group(0)
    # $0.50 * 730 = $365; API 20M at a blended $0.30/M = $6.00; break-even 365 / 3e-7 = 1.22B
    for text in ("$365/month", "$6.00/month", "1.22B tokens/month", "320.0</b> generated "
                 "tokens/s", "9.00 s</b> / 10.00 s", "2.52B tokens/month", "($/month)",
                 "(tokens/month)", "$0.15/M input", "730 hours"):
        assert text in table, text
    assert table.count('<ul class="assumptions') >= 4
    assert "endpoint table and data egress go here" not in page  # a template comment


def test_a_comparison_page_shows_both_candidates():
    page = report.render([_result("model-a", 0.5), _result("model-b", 4.0, serving=False)],
                         rendered_at=STAMP)
    section = _section(page)
    head = re.search(r"<thead>.*?</thead>", section, re.S).group(0)
    assert "model-a" in head and "model-b" in head
    svg = re.search(r"<svg.*?</svg>", section, re.S).group(0)
    assert "model-a: self-hosted" in svg and "model-b: self-hosted" in svg
    assert "API (model-a, model-b)" in svg  # the same prices: one line, named for both
    assert "$2,920/month" in section  # $4 * 730
    assert "not measured (run with --measure-serving)" in section


def test_missing_prices_say_why_and_draw_what_they_can():
    page = report.render(_result("model-a", None), rendered_at=STAMP)
    section = _section(page)
    assert "no figure: no --price-per-hour given" in section
    assert "model-a: API" in section and "model-a: self-hosted" not in section
    assert "$0/month" not in section and "inf" not in section


def test_no_hosting_options_no_section():
    page = report.render(result_for(audit_for("model-a", probes_for(60, knows_until=2019))),
                         rendered_at=STAMP)
    assert 'id="hosting"' not in page


def test_hostile_names_are_escaped_in_the_section():
    page = report.render(_result(f"evil {HOSTILE}", 0.5), rendered_at=STAMP)
    section = _section(page)
    assert "<script>" not in section and "<img" not in section


def test_summary_and_terminal_carry_the_same_figures():
    result = _result("model-a", 0.5)
    summary = report.render_summary(result)
    assert "## Hosting: adopt or rent" in summary
    for text in ("$365/month", "$6.00/month", "1.22B tokens/month", "320.0 generated tokens/s",
                 "p50 9.00 s / p95 10.00 s", "730 hours"):
        assert text in summary, text
    terminal = console_summary(result.models[0])
    assert "hosting (adopt or rent):" in terminal
    assert "Self-hosted at your volume ($/month): $365/month" in terminal
    assert "cheaper at your volume: the API" in terminal


@pytest.mark.parametrize(("condition", "failed"), [
    ("monthly_cost>5000", False), ("monthly_cost>5", True),  # the cheaper bill is the API's $6
    ("monthly_cost_self_hosted>300", True), ("monthly_cost_api<10", True)])
def test_monthly_cost_gates(condition, failed):
    audit = _result("model-a", 0.5).models[0]
    (outcome,) = gates.check([gates.parse(condition)], [audit])
    assert outcome.failed is failed and "/month" in (outcome.measured or "")


def test_an_unmeasured_monthly_cost_fails_its_gate():
    audit = _result("model-a", None, settings=HostingSettings(api_price=(0.15, 0.6))).models[0]
    (outcome,) = gates.check([gates.parse("monthly_cost>5000")], [audit])
    assert outcome.failed and outcome.measured is None and "not measured" in outcome.reason


def test_a_saved_result_reloads_with_its_hosting_block(tmp_path):
    from alignaudit.result import load, save

    result = _result("model-a", 0.5)
    save(result, tmp_path / "results.json")
    again = load(tmp_path / "results.json")
    assert again.models[0].hosting == result.models[0].hosting
    assert report.render(again, rendered_at=STAMP) == report.render(result, rendered_at=STAMP)


def test_bad_options_name_the_option():
    with pytest.raises(UsageError, match="--api-price"):
        RunConfig.for_run(models=["x"], hosting={"api_price": "cheap"})
    with pytest.raises(UsageError, match="--volume"):
        RunConfig.for_run(models=["x"], hosting={"volume": "a lot"})


def test_results_written_before_the_hosting_block_still_load(tmp_path):
    import json

    from alignaudit.result import dumps, load

    data = json.loads(dumps(_result("model-a", 0.5)))
    del data["config"]["hosting"]  # what a results.json of an earlier version holds
    del data["models"][0]["hosting"]
    (tmp_path / "old.json").write_text(json.dumps(data))
    old = load(tmp_path / "old.json")
    assert old.models[0].hosting is None and old.config.hosting == HostingSettings()
    assert 'id="hosting"' not in report.render(old, rendered_at=STAMP)
