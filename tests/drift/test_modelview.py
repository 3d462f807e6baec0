"""Tests for alignaudit.drift.modelview: perplexity and fertility through a backend, novel terms
on a synthetic corpus, and perplexity by period on data with a known (or no) trend."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
import pytest

from alignaudit.backends.base import Perplexity
from alignaudit.drift.modelview import (
    compare_fertility,
    default_zipf,
    fertility,
    novel_terms,
    perplexity_view,
)
from alignaudit.drift.periods import by_period


class FakeBackend:
    """Each text starts with the perplexity it should get; 10 tokens per text (0 if empty)."""

    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        out = []
        for text in texts:
            if not text:
                out.append(Perplexity(nll=0.0, n_tokens=0, n_words=0))
                continue
            ppl = float(text.split()[0])
            out.append(Perplexity(nll=10 * math.log(ppl), n_tokens=10, n_words=len(text.split())))
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [2 * len(t.split()) for t in texts]


# --------------------------------------------------------------------------- perplexity
def test_perplexity_view_ratio_and_interval() -> None:
    rng = np.random.default_rng(0)
    user = [f"{v:.4f} ticket" for v in 40 * np.exp(rng.normal(0, 0.3, 200))] + [""]
    ref = [f"{v:.4f} article" for v in 20 * np.exp(rng.normal(0, 0.3, 300))]
    view = perplexity_view(FakeBackend(), user, ref, np.random.default_rng(1), n_boot=500)
    assert view.user.n == 200 and view.reference.n == 300
    assert view.user_perplexities[-1] is None and len(view.user_perplexities) == 201
    assert view.median_ratio == pytest.approx(view.user.median / view.reference.median)
    assert view.median_ratio == pytest.approx(2.0, rel=0.1)
    lo, hi = view.log_ratio_ci
    assert lo < view.log_median_ratio < hi and lo > 0
    assert view.ratio_ci == pytest.approx((math.exp(lo), math.exp(hi)))
    assert view.user.q1 < view.user.median < view.user.q3
    assert "more surprising" in view.sentence
    again = perplexity_view(FakeBackend(), user, ref, np.random.default_rng(1), n_boot=500)
    assert again == view


def test_perplexity_view_same_distribution_is_no_clear_difference() -> None:
    rng = np.random.default_rng(2)
    texts = [f"{v:.4f} x" for v in 30 * np.exp(rng.normal(0, 0.5, 400))]
    view = perplexity_view(FakeBackend(), texts[:200], texts[200:], np.random.default_rng(0),
                           n_boot=500)
    assert view.log_ratio_ci[0] < 0 < view.log_ratio_ci[1]
    assert view.sentence.startswith("No clear difference")


def test_perplexity_view_with_tiny_gpt2(tiny_backend) -> None:
    user = ["The printer on floor three is jammed again.", "COVID-19 rules changed in 2021."]
    ref = ["Paris is the capital of France.", "Water boils at 100 degrees Celsius.",
           "The cat sat on the mat."]
    view = perplexity_view(tiny_backend, user, ref, np.random.default_rng(0), n_boot=200)
    assert view.user.n == 2 and view.reference.n == 3
    assert all(p is not None and p > 1 for p in view.user_perplexities)
    assert math.isfinite(view.median_ratio) and view.model_dump_json()


# --------------------------------------------------------------------------- fertility
def test_fertility_with_gpt2_tokenizer(tiny_backend) -> None:
    fox = fertility(tiny_backend, ["The quick brown fox jumps over the lazy dog."])
    assert (fox.n_tokens, fox.n_words) == (10, 9)
    assert fox.tokens_per_word == pytest.approx(10 / 9)
    both = fertility(tiny_backend, ["COVID-19 vaccine", "Log4Shell patched on Kubernetes"])
    assert (both.n_tokens, both.n_words) == (5 + 9, 2 + 4)
    assert both.median_per_doc == pytest.approx((5 / 2 + 9 / 4) / 2)
    cmp = compare_fertility(tiny_backend, ["COVID-19 vaccine"],
                            ["The quick brown fox jumps over the lazy dog."])
    assert cmp.ratio == pytest.approx((5 / 2) / (10 / 9))
    assert "more" in cmp.sentence


def test_fertility_of_nothing() -> None:
    empty = fertility(FakeBackend(), ["", "   "])
    assert empty.n_words == 0 and math.isnan(empty.tokens_per_word)


# --------------------------------------------------------------------------- novel terms
def _corpus() -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(0)
    user_templates = [
        "Please reset the password for the VPN account, the old password expired.",
        "The COVID-19 policy says the office is closed; reset my password please.",
        "Staff used ChatGPT to draft the reply and the password reset email.",
        "Patch the Log4Shell bug on the server before the password audit.",
        "After COVID-19 the team asked whether ChatGPT may see the password vault.",
        "The Log4Shell scan flagged the old server; covid-19 leave forms are late.",
    ]
    user = [f"{user_templates[i % 6]} Ticket {i} from desk {rng.integers(1, 99)}."
            for i in range(60)]
    ref = [
        "The password protects the account; reset it when the password is lost.",
        "The office opens at nine and the server room is on the first floor.",
        "The team wrote the reply and the email before the audit.",
    ] * 10
    return user, ref


def test_novel_terms_rank_new_terms_above_common_words(tiny_backend) -> None:
    user, ref = _corpus()
    result = novel_terms(user, ref, tiny_backend.count_tokens, top=50)
    names = [t.term for t in result.terms]
    assert set(names[:3]) == {"COVID-19", "ChatGPT", "Log4Shell"}
    assert "the" not in names  # a stopword is never a candidate
    assert names.index("COVID-19") < names.index("password")
    covid = result.terms[names.index("COVID-19")]
    assert covid.pieces == 4 and covid.reference_docs == 0 and covid.zipf is None
    assert covid.n_docs == 30  # "COVID-19" and "covid-19" are one term
    assert covid.count == 30 and len(covid.examples) == 2
    assert all("covid-19" in e.lower() and len(e) <= 110 for e in covid.examples)
    password = result.terms[names.index("password")]
    assert password.pieces == 1 and password.score == 0 and password.reference_docs == 10
    assert result.n_user_docs == 60 and result.n_reference_docs == 30
    assert "Zipf" in result.method and not result.used_zipf


def test_novel_terms_phrases_and_min_docs(tiny_backend) -> None:
    user, ref = _corpus()
    result = novel_terms(user, ref, tiny_backend.count_tokens, top=500, min_docs=3)
    phrases = {t.term for t in result.terms if t.n_words == 2}
    assert "password reset" in phrases  # no stopword at either end
    assert not any(p.split()[0].lower() in {"the", "of"} for p in phrases)
    assert all(t.n_docs >= 3 for t in result.terms)
    assert all(f"Ticket {i}" not in {t.term for t in result.terms} for i in range(60))


def test_novel_terms_reference_and_zipf_demote(tiny_backend) -> None:
    user = ["Kubernetes and troubleshooting notes"] * 5
    pieces = {" Kubernetes": 4, " troubleshooting": 4, " notes": 1}

    def count(terms: Sequence[str]) -> list[int]:
        return [pieces.get(t, 2) for t in terms]

    plain = novel_terms(user, ["Troubleshooting is common here."] * 20, count)
    assert plain.terms[0].term == "Kubernetes"  # equal pieces; the reference knows the other
    zipf = {"Kubernetes": 1.0, "troubleshooting": 3.5}
    no_ref = novel_terms(user, [], count, wordfreq_zipf=lambda t: zipf.get(t, 5.0))
    top = no_ref.terms[0]
    assert top.term == "Kubernetes" and top.zipf == 1.0 and no_ref.used_zipf
    scores = {t.term: t.score for t in no_ref.terms}
    assert scores["troubleshooting"] < scores["Kubernetes"]


def test_novel_terms_with_real_wordfreq_if_installed(tiny_backend) -> None:
    zipf = default_zipf()
    if zipf is None:
        pytest.skip("wordfreq is not installed (optional)")
    user, ref = _corpus()
    result = novel_terms(user, ref, tiny_backend.count_tokens, wordfreq_zipf=zipf, top=50)
    names = [t.term for t in result.terms]
    assert names.index("COVID-19") < names.index("password")


# --------------------------------------------------------------------------- by period
def _monthly(rng: np.random.Generator, medians: Sequence[float], per: int = 25
             ) -> tuple[list[str | None], list[float]]:
    dates, values = [], []
    for m, median in enumerate(medians):
        year, month = 2022 + m // 12, m % 12 + 1
        for _ in range(per):
            day = int(rng.integers(1, 29))
            dates.append(dt.date(year, month, day).isoformat())
            values.append(float(median * np.exp(rng.normal(0, 0.4))))
    return dates, values


def test_by_period_detects_a_rise_and_its_change_point() -> None:
    rng = np.random.default_rng(0)
    dates, values = _monthly(rng, [20.0] * 12 + [30.0] * 6)
    view = by_period(dates + [None], values + [5.0], np.random.default_rng(1), n_boot=300)
    assert [r.label for r in view.rows][:2] == ["2022-01", "2022-02"] and len(view.rows) == 18
    assert view.n_undated == 1 and all(r.n == 25 for r in view.rows)
    first = view.rows[0]
    assert first.ci_low is not None and first.ci_high is not None
    assert first.ci_low <= first.median <= first.ci_high and first.start == "2022-01-01"
    trend = view.trend
    assert trend.direction == "rises" and trend.p_value is not None and trend.p_value < 0.001
    assert trend.sentence.startswith("Perplexity rises with date: later documents surprise")
    assert trend.change_point is not None and trend.change_point_reason is None
    assert trend.change_point.first_changed == "2023-01"
    assert trend.change_point.level_after > trend.change_point.level_before


def test_by_period_flat_data_is_no_clear_change_in_most_seeds() -> None:
    flat = 0
    for seed in range(20):
        dates, values = _monthly(np.random.default_rng(seed), [25.0] * 12, per=10)
        view = by_period(dates, values, np.random.default_rng(seed), n_boot=50)
        if view.trend.direction == "none":
            flat += 1
            assert view.trend.sentence.startswith("No clear change in perplexity")
            assert view.trend.change_point is None
            assert "no significant trend" in (view.trend.change_point_reason or "")
    assert flat >= 16


def test_by_period_quarters_and_a_fall() -> None:
    rng = np.random.default_rng(3)
    dates, values = _monthly(rng, np.linspace(40, 20, 12).tolist(), per=15)
    view = by_period(dates, values, np.random.default_rng(0), period="quarter", n_boot=100)
    assert [r.label for r in view.rows] == ["2022-Q1", "2022-Q2", "2022-Q3", "2022-Q4"]
    assert [r.start for r in view.rows][1] == "2022-04-01" and view.rows[0].n == 45
    assert view.trend.direction == "falls" and "surprise the model less" in view.trend.sentence


def test_by_period_small_inputs() -> None:
    rng = np.random.default_rng(0)
    view = by_period(["2024-01-05", "2024-02-05"], [3.0, 4.0], rng, n_boot=50)
    assert view.rows[0].ci_low is None and view.trend.spearman_rho is None
    assert view.trend.change_point is None and view.trend.direction == "none"
    two = by_period(["2024-01-05"] * 20 + ["2024-02-05"] * 20,
                    list(range(20)) + list(range(100, 120)), rng, n_boot=50)
    assert two.trend.direction == "rises"
    assert "only 2 period" in (two.trend.change_point_reason or "")
    with pytest.raises(ValueError, match="month"):
        by_period([], [], rng, period="week")  # type: ignore[arg-type]


def test_possessives_are_not_terms():
    from alignaudit.drift.modelview import _terms

    words, pairs = _terms("Northwind's app crashed after the COVID-19 update; the caller's words.")
    assert "Northwind" in words and "Northwind's" not in words
    assert "caller" in words and not any("'s" in p for p in pairs)
    assert "COVID-19 update" in pairs


def test_novel_count_follows_the_rule_not_the_top_list():
    from alignaudit.drift.modelview import NovelTerm, is_novel, novel_terms

    user = [f"ticket {i} about Zorblax9 and Qwixtronic and the password reset" for i in range(40)]
    ref = ["the password reset page explains how to reset a password"] * 40
    # pieces: made-up words split into many pieces, common words into one
    pieces = lambda terms: [1 if t.strip().lower() in {"ticket", "password", "reset", "about"}  # noqa: E731
                            else 4 * (t.count(" ") + 1) for t in terms]
    found = novel_terms(user, ref, pieces, top=1)
    assert len(found.terms) == 1  # the list is capped ...
    assert found.n_novel >= 2  # ... the count is not
    assert all(is_novel(t) for t in found.terms)
    common = NovelTerm(term="password", n_words=1, n_docs=40, count=40, pieces=1,
                       reference_docs=40, reference_novelty=0.5, zipf=4.5, score=0.0,
                       examples=[])
    assert not is_novel(common)


def test_periods_adapt_to_how_dense_the_dates_are():
    from alignaudit.drift.periods import by_period, choose_period

    monthly = [f"2024-{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 11)]
    quarterly = [f"2024-{m:02d}-01" for m in range(1, 13) for _ in range(3)]
    sparse = [f"{y}-{q * 3 + 1:02d}-01" for y in range(1996, 2026) for q in range(4)]
    assert choose_period(monthly) == "month"
    assert choose_period(quarterly) == "quarter"
    assert choose_period(sparse) == "year"  # 30 years of one document a quarter
    view = by_period(sparse, [1.0] * len(sparse), np.random.default_rng(0), period="year",
                     n_boot=50)
    assert [r.label for r in view.rows][:2] == ["1996", "1997"] and len(view.rows) == 30
    assert all(r.n == 4 for r in view.rows)
