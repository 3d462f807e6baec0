"""The model's own view of the user's data: perplexity, tokenizer fertility, novel terms, and
perplexity by period over dated data.

Everything takes in-memory texts and a backend (or a token-counting callable) and returns a
frozen pydantic model. Randomness (bootstrap intervals) comes only from the
``numpy.random.Generator`` passed in.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.backends.base import Backend, Perplexity

CountPieces = Callable[[Sequence[str]], Sequence[int]]
Zipf = Callable[[str], float]

_TOKEN = re.compile(r"[^\W_]+(?:[-'\u2019.][^\W_]+)*")
_POSSESSIVE = re.compile(r"['\u2019][sS]$")
"""A possessive 's is not part of a term: "Northwind's" counts as "Northwind"."""
_BOOT_BLOCK = 4_000_000  # resampled values held at once
_STOPWORD_TEXT = (
    "a about above after again against all am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each few for from further "
    "had has have having he her here hers herself him himself his how i if in into is it its "
    "itself just me more most my myself no nor not now of off on once only or other our ours "
    "ourselves out over own same she should so some such than that the their theirs them "
    "themselves then there these they this those through to too under until up very was we were "
    "what when where which while who whom why will with would you your yours yourself "
    "yourselves also may might must shall can't don't i'm it's we're you're isn't aren't wasn't "
    "doesn't didn't won't"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
SCORE_METHOD = (
    "score = extra pieces per word x reference novelty x word rarity x log2(1 + documents). "
    "Extra pieces per word = tokenizer pieces of ' term' / words in the term - 1 (0 when every "
    "word is one token). Reference novelty = u / (u + r), u the share of your documents holding "
    "the term, r = (reference documents holding it + 0.5) / (reference documents + 1): near 1 "
    "when the reference lacks the term, 0.5 when equally common. Word rarity = (6 - Zipf) / 6 "
    "clipped to [0, 1] (wordfreq's Zipf frequency; 1 when not used). Candidates: words and "
    "two-word phrases (no stopword at either end) found in at least min_docs of your documents, "
    "case-insensitive."
)


# --------------------------------------------------------------------------- perplexity
class Distribution(Frozen):
    """Summary of per-document perplexities on one side."""

    n: int = Field(description="Documents with at least one token.")
    median: float = Field(description="Median per-document perplexity.")
    q1: float = Field(description="25th percentile.")
    q3: float = Field(description="75th percentile.")
    geometric_mean: float = Field(description="exp(mean log perplexity) over documents.")
    pooled: float = Field(description="Token-weighted perplexity: exp(total NLL / total tokens).")


class PerplexityView(Frozen):
    """Perplexity on the user's data against the reference."""

    user: Distribution = Field(description="The user's documents.")
    reference: Distribution = Field(description="The reference documents.")
    user_perplexities: list[float | None] = Field(
        description="Per user document, in input order (None: no tokens)."
    )
    reference_perplexities: list[float | None] = Field(
        description="Per reference document, in input order (None: no tokens)."
    )
    median_ratio: float = Field(description="user.median / reference.median.")
    log_median_ratio: float = Field(description="Natural log of median_ratio.")
    log_ratio_ci: tuple[float, float] = Field(
        description="Percentile bootstrap interval of the log median ratio (both sides "
        "resampled independently)."
    )
    ratio_ci: tuple[float, float] = Field(description="exp of log_ratio_ci.")
    confidence: float = Field(description="Level of the intervals.")
    n_boot: int = Field(description="Bootstrap resamples.")
    sentence: str = Field(description="The finding in one plain sentence.")


def perplexity_view(
    backend: Backend, user_texts: Sequence[str], ref_texts: Sequence[str],
    rng: np.random.Generator, n_boot: int = 2000, confidence: float = 0.95,
) -> PerplexityView:
    """Per-document perplexities of both sides, their summaries and the median ratio."""
    user = backend.perplexity(list(user_texts))
    ref = backend.perplexity(list(ref_texts))
    u_vals, r_vals = _finite([p.perplexity for p in user]), _finite([p.perplexity for p in ref])
    if not len(u_vals) or not len(r_vals):
        raise ValueError("perplexity_view needs at least one text with tokens on each side")
    boot = np.log(boot_medians(u_vals, rng, n_boot)) - np.log(boot_medians(r_vals, rng, n_boot))
    tail = (1.0 - confidence) / 2.0
    lo, hi = (float(x) for x in np.quantile(boot, [tail, 1.0 - tail]))
    log_ratio = float(np.log(np.median(u_vals)) - np.log(np.median(r_vals)))
    u_dist, r_dist = _distribution(user), _distribution(ref)
    return PerplexityView(
        user=u_dist, reference=r_dist,
        user_perplexities=[_or_none(p.perplexity) for p in user],
        reference_perplexities=[_or_none(p.perplexity) for p in ref],
        median_ratio=math.exp(log_ratio), log_median_ratio=log_ratio, log_ratio_ci=(lo, hi),
        ratio_ci=(math.exp(lo), math.exp(hi)), confidence=confidence, n_boot=n_boot,
        sentence=_ratio_sentence(u_dist, r_dist, math.exp(log_ratio), (lo, hi), confidence),
    )


def _ratio_sentence(u: Distribution, r: Distribution, ratio: float,
                    ci: tuple[float, float], confidence: float) -> str:
    where = (f"median perplexity {u.median:.3g} on your data vs {r.median:.3g} on the reference, "
             f"a ratio of {ratio:.2f} ({confidence:.0%} CI {math.exp(ci[0]):.2f}-"
             f"{math.exp(ci[1]):.2f})")
    if ci[0] > 0:
        return f"The model finds your data more surprising than the reference: {where}."
    if ci[1] < 0:
        return f"The model finds your data less surprising than the reference: {where}."
    return f"No clear difference in how surprising the model finds the two: {where}."


def _distribution(scores: Sequence[Perplexity]) -> Distribution:
    ok = [p for p in scores if p.n_tokens > 0]
    vals = np.array([p.perplexity for p in ok], dtype=np.float64)
    q1, med, q3 = np.quantile(vals, [0.25, 0.5, 0.75])
    pooled = math.exp(sum(p.nll for p in ok) / sum(p.n_tokens for p in ok))
    return Distribution(n=len(ok), median=float(med), q1=float(q1), q3=float(q3),
                        geometric_mean=float(np.exp(np.mean(np.log(vals)))), pooled=pooled)


def _finite(values: Sequence[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr[np.isfinite(arr)]


def _or_none(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def boot_medians(values: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Medians of ``n_boot`` resamples (with replacement) of ``values``, block by block."""
    n = len(values)
    rows = max(1, _BOOT_BLOCK // max(n, 1))
    out = np.empty(n_boot)
    for start in range(0, n_boot, rows):
        size = min(rows, n_boot - start)
        out[start : start + size] = np.median(values[rng.integers(0, n, (size, n))], axis=1)
    return out


# --------------------------------------------------------------------------- fertility
class Fertility(Frozen):
    """Tokens per whitespace-separated word."""

    n_docs: int = Field(description="Documents counted.")
    n_tokens: int = Field(description="Tokens in all documents (no special tokens).")
    n_words: int = Field(description="Whitespace-separated words in all documents.")
    tokens_per_word: float = Field(description="n_tokens / n_words (NaN when no words).")
    median_per_doc: float = Field(description="Median of each document's tokens per word.")


class FertilityComparison(Frozen):
    """Fertility on the user's data against the reference."""

    user: Fertility = Field(description="The user's documents.")
    reference: Fertility = Field(description="The reference documents.")
    ratio: float = Field(description="user.tokens_per_word / reference.tokens_per_word.")
    sentence: str = Field(description="The finding in one plain sentence.")


def fertility(backend: Backend, texts: Sequence[str]) -> Fertility:
    """Tokens per word over ``texts`` (pooled and per-document median)."""
    tokens = backend.count_tokens(list(texts))
    words = [len(t.split()) for t in texts]
    per_doc = [t / w for t, w in zip(tokens, words, strict=True) if w]
    n_tok, n_words = int(sum(tokens)), int(sum(words))
    return Fertility(
        n_docs=len(texts), n_tokens=n_tok, n_words=n_words,
        tokens_per_word=n_tok / n_words if n_words else float("nan"),
        median_per_doc=float(np.median(per_doc)) if per_doc else float("nan"),
    )


def compare_fertility(backend: Backend, user_texts: Sequence[str],
                      ref_texts: Sequence[str]) -> FertilityComparison:
    """Fertility on each side; a ratio above 1 means the tokenizer splits your words more."""
    user, ref = fertility(backend, user_texts), fertility(backend, ref_texts)
    ratio = user.tokens_per_word / ref.tokens_per_word
    how = "more" if ratio > 1 else "fewer"
    sentence = (f"The tokenizer uses {user.tokens_per_word:.2f} tokens per word on your data vs "
                f"{ref.tokens_per_word:.2f} on the reference ({abs(ratio - 1):.0%} {how}).")
    return FertilityComparison(user=user, reference=ref, ratio=ratio, sentence=sentence)


# --------------------------------------------------------------------------- novel terms
class NovelTerm(Frozen):
    """A term frequent in the user's data, with what makes it novel to the model."""

    term: str = Field(description="Most common spelling in the user's data.")
    n_words: int = Field(description="Words in the term (1 or 2).")
    n_docs: int = Field(description="User documents holding the term (case-insensitive).")
    count: int = Field(description="Occurrences in the user's documents.")
    pieces: int = Field(description="Tokens the tokenizer splits ' term' into.")
    reference_docs: int = Field(description="Reference documents holding the term.")
    reference_novelty: float = Field(description="u / (u + r), see NovelTerms.method.")
    zipf: float | None = Field(description="wordfreq Zipf frequency (None: not used).")
    score: float = Field(description="Ranking score, see NovelTerms.method.")
    examples: list[str] = Field(description="Up to 2 snippets (~100 chars) around the term.")


class NovelTerms(Frozen):
    """The user's terms the model has likely never seen whole, best first."""

    terms: list[NovelTerm] = Field(description="Top terms by score.")
    n_candidates: int = Field(description="Candidate terms scored.")
    n_user_docs: int = Field(description="User documents.")
    n_reference_docs: int = Field(description="Reference documents.")
    min_docs: int = Field(description="A candidate is in at least this many user documents.")
    used_zipf: bool = Field(description="Word frequencies (wordfreq) entered the score.")
    n_novel: int = Field(default=0, description="Candidates that pass NOVEL_RULE (all of them, "
                         "not only the top list).")
    novel_rule: str = Field(default="", description="When a candidate counts as novel.")
    novel_doc_share: float | None = Field(
        default=None, description="Share of the user's documents holding at least one novel "
        "term (None in results written before it was measured).")
    method: str = Field(description="How the score is computed.")


def default_zipf() -> Zipf | None:
    """``wordfreq.zipf_frequency(term, "en")`` when wordfreq is installed, else None."""
    try:
        import wordfreq
    except ImportError:
        return None
    return lambda term: float(wordfreq.zipf_frequency(term, "en"))


def _terms(text: str) -> tuple[list[str], list[str]]:
    """Surface forms of the words and two-word phrases in ``text``."""
    matches = [m for m in _TOKEN.finditer(text) if any(c.isalpha() for c in m.group())]
    forms = [_POSSESSIVE.sub("", m.group()) for m in matches]
    words = [w for w in forms if len(w) > 1]
    pairs = []
    for i in range(len(matches) - 1):
        a, b = matches[i], matches[i + 1]
        gap = text[a.end() : b.start()]
        if gap and gap.isspace() and "\n" not in gap and forms[i] == a.group() \
                and forms[i].lower() not in STOPWORDS and forms[i + 1].lower() not in STOPWORDS:
            pairs.append(f"{forms[i]} {forms[i + 1]}")
    return [w for w in words if w.lower() not in STOPWORDS], pairs


def novel_terms(
    user_texts: Sequence[str], ref_texts: Sequence[str], count_pieces: CountPieces,
    wordfreq_zipf: Zipf | None = None, top: int = 30, min_docs: int = 3,
    max_candidates: int = 20_000,
) -> NovelTerms:
    """Rank the user's frequent words and phrases by how novel they are to the model.

    ``count_pieces`` counts tokens for a batch of strings (e.g. ``backend.count_tokens``); each
    term is counted with a leading space, as it appears mid-sentence. ``wordfreq_zipf`` is
    optional (see :func:`default_zipf`). The score is described in :data:`SCORE_METHOD`.
    """
    docs, count, forms, where = _count_terms(user_texts)
    keys = [k for k, n in docs.most_common(max_candidates) if n >= min_docs]
    ref_docs = _reference_counts(ref_texts, set(keys))
    shown = [forms[k].most_common(1)[0][0] for k in keys]
    pieces = list(count_pieces([" " + term for term in shown])) if keys else []
    n_user, n_ref = max(len(user_texts), 1), len(ref_texts)
    scored = []
    for key, term, n_pieces in zip(keys, shown, pieces, strict=True):
        n_words = key.count(" ") + 1
        u, r = docs[key] / n_user, (ref_docs[key] + 0.5) / (n_ref + 1)
        novelty = u / (u + r)
        zipf = float(wordfreq_zipf(term)) if wordfreq_zipf else None
        rarity = 1.0 if zipf is None else min(max((6.0 - zipf) / 6.0, 0.0), 1.0)
        extra = max(n_pieces / n_words - 1.0, 0.0)
        score = extra * novelty * rarity * math.log2(1 + docs[key])
        scored.append(NovelTerm(
            term=term, n_words=n_words, n_docs=docs[key], count=count[key], pieces=n_pieces,
            reference_docs=ref_docs[key], reference_novelty=novelty, zipf=zipf, score=score,
            examples=[_snippet(user_texts[i], term) for i in where[key]],
        ))
    scored.sort(key=lambda t: (-t.score, -t.reference_novelty, -t.n_docs, t.term))
    novel_keys = {t.term.lower() for t in scored if is_novel(t)}
    return NovelTerms(terms=scored[:top], n_candidates=len(keys), n_user_docs=len(user_texts),
                      n_reference_docs=n_ref, min_docs=min_docs,
                      used_zipf=wordfreq_zipf is not None, method=SCORE_METHOD,
                      n_novel=sum(is_novel(t) for t in scored), novel_rule=NOVEL_RULE,
                      novel_doc_share=_doc_share(user_texts, novel_keys))


NOVEL_RULE = ("a term counts as novel when the tokenizer needs at least one extra piece per word, "
              "the reference barely has it (reference novelty >= 0.8) and, where wordfreq is "
              "installed, it is rare in ~2021 English (Zipf < 3, under 1 use per million words)")


def is_novel(term: NovelTerm) -> bool:
    """The rule in :data:`NOVEL_RULE`."""
    extra = term.pieces / term.n_words - 1.0
    rare = term.zipf is None or term.zipf < 3.0
    return extra >= 1.0 and term.reference_novelty >= 0.8 and rare


def _doc_share(texts: Sequence[str], keys: set[str]) -> float:
    """Share of ``texts`` holding at least one of the (lower-cased) terms ``keys``."""
    if not texts or not keys:
        return 0.0
    held = sum(1 for text in texts if keys & {f.lower() for part in _terms(text) for f in part})
    return held / len(texts)


def _count_terms(
    texts: Sequence[str],
) -> tuple[Counter[str], Counter[str], dict[str, Counter[str]], dict[str, list[int]]]:
    """Per lower-cased term: documents holding it, occurrences, spellings, first 2 documents."""
    docs: Counter[str] = Counter()
    count: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    where: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        words, pairs = _terms(text)
        for form in words + pairs:
            count[form.lower()] += 1
            forms[form.lower()][form] += 1
        for key in {f.lower() for f in words + pairs}:
            docs[key] += 1
            if len(where[key]) < 2:
                where[key].append(i)
    return docs, count, forms, where


def _reference_counts(ref_texts: Sequence[str], keys: set[str]) -> Counter[str]:
    found: Counter[str] = Counter()
    for text in ref_texts:
        words, pairs = _terms(text)
        found.update({f.lower() for f in words + pairs} & keys)
    return found


def _snippet(text: str, term: str, width: int = 100) -> str:
    """About ``width`` characters of ``text`` around the first occurrence of ``term``."""
    pattern = r"\s+".join(re.escape(w) for w in term.split())
    match = re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, flags=re.IGNORECASE)
    if match is None:
        return " ".join(text[:width].split())
    pad = max((width - len(match.group())) // 2, 10)
    start, end = max(match.start() - pad, 0), min(match.end() + pad, len(text))
    core = " ".join(text[start:end].split())
    return ("\u2026" if start > 0 else "") + core + ("\u2026" if end < len(text) else "")
