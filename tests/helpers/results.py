"""Audit results with known numbers for the report, the verdict and the gates: probes a model
knows up to a given year, drift results from synthetic embeddings, hostile strings, and an HTML
checker."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import numpy as np

from alignaudit.backends.base import ModelInfo
from alignaudit.config import RunConfig
from alignaudit.drift.documents import DataStats
from alignaudit.drift.modelview import (
    SCORE_METHOD,
    Distribution,
    Fertility,
    FertilityComparison,
    NovelTerm,
    NovelTerms,
    PerplexityView,
)
from alignaudit.drift.periods import by_period
from alignaudit.drift.section import DataAlignment, NovelDocument, ReferenceInfo
from alignaudit.drift.stats import DriftConfig, compare
from alignaudit.recency.scoring import ChoiceScore, ProbeResult, summarise
from alignaudit.recency.section import analyse
from alignaudit.result import (
    AuditResult,
    Environment,
    Measurement,
    ModelAudit,
    Runtime,
    SuiteRef,
)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = SCRIPT + IMG
STAMP = "2025-01-01T00:00:00+00:00"


# ------------------------------------------------------------------------------ builders


def _choice(text: str, correct: bool, logprob: float, prob: float, **kw: object) -> ChoiceScore:
    return ChoiceScore(text=text, correct=correct, logprob=logprob, n_tokens=2,
                       n_bytes=len(text.encode()), prob=prob, **kw)


def fact(i: int, year: int, correct: bool, suite: str = "recency", category: str = "sport",
         prompt: str = "", generation: str = "") -> ProbeResult:
    """A four-choice dated fact; the first choice is correct, the model picks it or not."""
    probs = [0.55, 0.15, 0.15, 0.15] if correct else [0.1, 0.6, 0.15, 0.15]
    choices = [_choice(f" answer {k}", k == 0, float(np.log(p)), p) for k, p in enumerate(probs)]
    return ProbeResult(
        suite=suite, probe_id=f"f{i}", kind="fact", prompt=prompt or f"In {year}, event {i} was",
        event_date=f"{year}-06", category=category, predictability="low", source="synthetic",
        choices=choices, chance=0.25, correct=correct, correct_norm=correct,
        p_correct=probs[0], margin=0.5 if correct else -0.5, preferred=0 if correct else 1,
        generation=generation or " answer 0", generation_match=correct)


def control(i: int, top: float) -> ProbeResult:
    rest = (1 - top) / 2
    choices = [_choice(f" made-up {k}", False, float(np.log(p)), p)
               for k, p in enumerate([top, rest, rest])]
    return ProbeResult(
        suite="recency", probe_id=f"c{i}", kind="control", prompt=f"The fictional event {i} was",
        event_date=None, category="control", predictability="low", source="synthetic",
        choices=choices, chance=1 / 3, correct=None, correct_norm=None, p_correct=None,
        margin=None, preferred=0, generation=" made-up 0", generation_match=None)


def changing(i: int, probs: tuple[float, float]) -> ProbeResult:
    timeline = [(" Old holder", "2010-01", "2019-07"), (" New holder", "2019-07", None)]
    choices = [_choice(t, False, float(np.log(p)), p, valid_from=f, valid_until=u)
               for (t, f, u), p in zip(timeline, probs, strict=True)]
    return ProbeResult(
        suite="changing-facts", probe_id=f"ch{i}", kind="changing",
        prompt=f"The holder of office {i} is", event_date=None, category="politics",
        predictability="low", source="synthetic", choices=choices, chance=0.5, correct=None,
        correct_norm=None, p_correct=None, margin=None, preferred=0 if probs[0] > probs[1] else 1,
        generation=" Old holder", generation_match=None)


def probes_for(n_facts: int, knows_until: int, seed: int = 0, hostile: bool = False,
               n_controls: int = 6, n_changing: int = 6) -> list[ProbeResult]:
    """Facts 2012-2024 known (90%) up to ``knows_until`` and at chance after; controls; changing."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_facts):
        year = 2012 + i % 13
        p_know = 0.9 if year <= knows_until else 0.25
        hostile_here = hostile and i == 0
        out.append(fact(i, year, bool(rng.random() < p_know),
                        category=HOSTILE if hostile_here else ["sport", "politics", "tech"][i % 3],
                        prompt=f"{HOSTILE} prompt" if hostile_here else "",
                        generation=f" {HOSTILE}" if hostile_here else ""))
    out += [control(i, 0.4 + 0.1 * (i % 4)) for i in range(n_controls)]
    out += [changing(i, (0.7, 0.3)) for i in range(n_changing)]
    return out


def audit_for(name: str, probes: list[ProbeResult], claimed: str | None = "2024-06",
              n_boot: int = 200) -> ModelAudit:
    from alignaudit._util.dates import date_to_year_fraction

    claimed_f = date_to_year_fraction(claimed) if claimed else None
    rec = analyse(probes, np.random.default_rng(0), now=2025.0, claimed=claimed_f, n_boot=n_boot)
    suites = sorted({p.suite for p in probes})
    info = ModelInfo(spec=f"org/{name}", display_name=name, source="hub", backend="hf",
                     architecture="GPT2LMHeadModel", n_parameters=124_000_000,
                     weights_bytes=500_000_000, dtype="float32", device="cpu",
                     files_sha256={"model.safetensors": "ab" * 32}, claimed_cutoff=claimed)
    return ModelAudit(model=info, probes=probes, recency=rec,
                      suites=[summarise(s, [p for p in probes if p.suite == s]) for s in suites])


def result_for(*audits: ModelAudit) -> AuditResult:
    suites = sorted({p.suite for a in audits for p in a.probes})
    return AuditResult(
        tool_version="0.0-test",
        config=RunConfig(models=[a.model.spec for a in audits], probes=suites, seed=0,
                         as_of="2025-01-01", command="alignaudit run --model x"),
        suites=[SuiteRef(name=s, version="1", description="d", path=f"{s}.yaml",
                         sha256="cd" * 32, n_probes=10) for s in suites],
        models=list(audits),
        environment=Environment(python="3.11", platform="Linux", packages={"torch": "2.5"},
                                cpu_count=2),
        runtime=Runtime(started_at="2025-01-01T10:00:00+00:00",
                        finished_at="2025-01-01T10:05:00+00:00", seconds=300.0,
                        models={a.model.spec: Measurement(load_seconds=2.0, score_seconds=10.0,
                                                          tokens_scored=5000) for a in audits}),
    )


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Checker(HTMLParser):
    """Tag balance (every element closed, in order), ids unique, and what tags appear."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.ids += [v for k, v in attrs if k == "id" and v]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}> "
                               f"at {self.getpos()}")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()


def parse(page: str) -> Checker:
    checker = Checker()
    checker.feed(page)
    checker.close()
    return checker


def remote_references(page: str) -> list[str]:
    """Anything that would make the page fetch from the network."""
    found = re.findall(r"""\b(?:src|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""",
                       page, re.I)
    found += re.findall(r"url\(\s*['\"]?\s*(?:https?:)?//", page, re.I)
    found += re.findall(r"@import", page, re.I)
    checker = parse(page)
    for tag, attrs in checker.tags:
        href = (attrs.get("href") or "").strip().lower()
        if tag in {"link", "script", "img", "image", "use", "iframe", "object", "base"} and \
                re.match(r"(https?:)?//", href):
            found.append(f"<{tag} href={href}>")
        rel = (attrs.get("rel") or "").split()
        if tag == "a" and href and not href.startswith("#") and not (
                re.match(r"https?://", href) and "noreferrer" in rel):
            found.append(f"<a href={href}>")  # only anchors, or a source's web page (not fetched)
    return found


# ------------------------------------------------------------------------------ the page


class WordEmbedder:
    """A deterministic stand-in for a sentence embedder: hashed bag of words, 16 dimensions."""

    name, dims = "hashed-words", 16

    def embed(self, texts: list[str]) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dims))
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, zlib.crc32(word.encode()) % self.dims] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


POINT = re.compile(r'<use xlink:href="#[^"]*" x="[^"]*" y="[^"]*"/>')
"""A scatter point: a marker whose style sits on its group (charts._compact_markers)."""


# ------------------------------------------------------------------------------ builders


def dates_for(n: int, rng: np.random.Generator) -> list[str]:
    """Days spread over 2019-2024, in order."""
    days = np.sort(rng.integers(0, 6 * 365, n))
    return [str(np.datetime64("2019-01-01") + int(d)) for d in days]


def perplexity_for(n_user: int, n_ref: int, rng: np.random.Generator,
                later_worse: np.ndarray | None) -> PerplexityView:
    """User perplexities around 120 (rising with `later_worse`), reference around 20."""
    user = np.exp(rng.normal(np.log(120), 0.4, n_user) + (later_worse if later_worse is not None
                                                          else 0.0))
    ref = np.exp(rng.normal(np.log(20), 0.3, n_ref))

    def dist(v: np.ndarray) -> Distribution:
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])
        return Distribution(n=len(v), median=float(med), q1=float(q1), q3=float(q3),
                            geometric_mean=float(np.exp(np.log(v).mean())), pooled=float(med))

    ratio = float(np.median(user) / np.median(ref))
    return PerplexityView(
        user=dist(user), reference=dist(ref), user_perplexities=[float(x) for x in user],
        reference_perplexities=[float(x) for x in ref], median_ratio=ratio,
        log_median_ratio=float(np.log(ratio)), log_ratio_ci=(1.6, 2.0),
        ratio_ci=(4.95, 7.39), confidence=0.95, n_boot=200,
        sentence=f"The model finds your data more surprising than the reference: a ratio of "
                 f"{ratio:.2f} (95% CI 4.95-7.39).")


def _terms(n: int, hostile: bool) -> NovelTerms:
    terms = [NovelTerm(term=HOSTILE if hostile and i == 0 else f"term{i}", n_words=1,
                       n_docs=40 - i, count=50 - i, pieces=5, reference_docs=i % 2,
                       reference_novelty=0.9, zipf=None, score=10.0 - i / 10,
                       examples=[f"an example with {HOSTILE if hostile else 'term'} {i}"])
             for i in range(n)]
    return NovelTerms(terms=terms, n_candidates=900, n_user_docs=400, n_reference_docs=500,
                      min_docs=3, used_zipf=False, method=SCORE_METHOD)


def alignment_for(n_user: int = 300, n_ref: int = 200, seed: int = 0, shift: float = 1.0,
                  model: bool = True, dated: bool = True, hostile: bool = False,
                  n_permutations: int = 50) -> DataAlignment:
    """A DataAlignment from `drift.compare` on Gaussian embeddings (user mean shifted by
    `shift` on the first axis) and directly built model views."""
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=(n_ref, 8))
    cur = rng.normal(size=(n_user, 8))
    cur[:, 0] += shift
    stats = compare(ref, cur, rng, DriftConfig(n_permutations=n_permutations))
    dates = dates_for(n_user, rng) if dated else [None] * n_user
    texts = [f"{HOSTILE} ticket {i}" if hostile and i < 3 else f"ticket number {i}"
             for i in range(n_user)]
    src = f"data/{HOSTILE}.jsonl" if hostile else "data/tickets.jsonl"
    novel = [NovelDocument(rank=r + 1, score=stats.novelty.scores[i], text=texts[i],
                           date=dates[i], source=f"{src}:{i + 1}")
             for r, i in enumerate(stats.novelty.ranking[:20])]
    parts: dict = {}
    if model:
        read = np.linspace(0, n_user - 1, min(n_user, 400)).round().astype(int)  # a sample
        ppl = perplexity_for(len(read), 150, rng, np.linspace(0, 0.8, len(read)) if dated else None)
        parts = {"perplexity": ppl, "novel_terms": _terms(30, hostile), "fertility":
                 FertilityComparison(
                     user=Fertility(n_docs=300, n_tokens=4000, n_words=3000,
                                    tokens_per_word=4000 / 3000, median_per_doc=1.3),
                     reference=Fertility(n_docs=150, n_tokens=2700, n_words=2000,
                                         tokens_per_word=1.35, median_per_doc=1.33),
                     ratio=(4000 / 3000) / 1.35,
                     sentence="The tokenizer uses 1.33 tokens per word on your data vs 1.35.")}
        if dated:
            parts["perplexity_by_period"] = by_period([dates[i] for i in read],
                                                      ppl.user_perplexities, rng,
                                                      period="quarter", n_boot=200)
    if dated:
        parts["novelty_by_period"] = by_period(dates, list(stats.novelty.scores), rng,
                                               period="quarter", n_boot=200,
                                               value_name="novelty")
    data = DataStats(files=[src], n_read=n_user + 7, n_kept=n_user, n_empty=4, n_duplicates=3,
                     n_truncated=2, n_bad_bytes=1, n_bad_dates=5 if dated else 0,
                     sampled_from=None, text_column="body",
                     date_column="created" if dated else None, max_chars=20000)
    reference = ReferenceInfo(kind="wiki", source=f"wiki {HOSTILE}" if hostile else "wiki-pkg",
                              why="Encyclopedia lead paragraphs stand for general web text.",
                              n=n_ref)
    return DataAlignment(data=data, reference=reference,
                         embedder=f"embedder {HOSTILE}" if hostile else "gaussian-8d",
                         embedder_dims=8, stats=stats, level=stats.level.level,
                         most_novel=novel, **parts)


def result_with(*drifts: DataAlignment | None, names: tuple[str, ...] = ()) -> AuditResult:
    audits = []
    for k, drift in enumerate(drifts):
        name = names[k] if k < len(names) else f"model-{k + 1}"
        info = ModelInfo(spec=f"org/{name}", display_name=name, source="hub", backend="hf",
                         architecture="X", dtype="float32", device="cpu")
        audits.append(ModelAudit(model=info, drift=drift))
    return AuditResult(
        tool_version="0.0-test",
        config=RunConfig(models=[a.model.spec for a in audits], seed=0, as_of="2025-01-01"),
        suites=[], models=audits,
        environment=Environment(python="3.11", platform="Linux", packages={}, cpu_count=2),
        runtime=Runtime(started_at="2025-01-01T10:00:00+00:00",
                        finished_at="2025-01-01T10:05:00+00:00", seconds=300.0, models={}))


def drift_html(page: str) -> str:
    return re.search(r'<section id="drift">.*?</section>', page, re.S).group(0)


def with_numbers(audit: ModelAudit, *, accuracy: float | None = None,
                 cutoff: float | None = None, confabulation: float | None = None,
                 believed: int | None = None, drift: DataAlignment | None = None,
                 drift_level: str | None = None, novel_terms: int | None = None) -> ModelAudit:
    """A real audit (from ``audit_for``) with the metrics the judge reads set by hand."""
    rec = audit.recency
    assert rec is not None and rec.overall is not None and rec.cutoff is not None
    assert rec.confabulation is not None and rec.believed is not None
    updates: dict[str, object] = {}
    if accuracy is not None:
        updates["overall"] = rec.overall.model_copy(update={"accuracy": accuracy})
    if cutoff is not None:
        from alignaudit._util.dates import quarter_label

        updates["cutoff"] = rec.cutoff.model_copy(update={
            "status": "estimate", "cutoff": cutoff, "cutoff_label": quarter_label(cutoff)})
    if confabulation is not None:
        updates["confabulation"] = rec.confabulation.model_copy(update={"rate": confabulation})
    if believed is not None:
        updates["believed"] = rec.believed.model_copy(update={"believed_year": believed})
    if drift is not None and drift_level is not None:
        drift = drift.model_copy(update={"level": drift_level})
    if drift is not None and novel_terms is not None and drift.novel_terms is not None:
        drift = drift.model_copy(update={"novel_terms": drift.novel_terms.model_copy(
            update={"n_novel": novel_terms})})
    return audit.model_copy(update={"recency": rec.model_copy(update=updates), "drift": drift})
