"""A deterministic stand-in for a model, for tests and dry runs (``--backend fake``).

It loads nothing and draws no random numbers; every number it returns can be checked by hand:

- **log-likelihood**: ``-WORD_COST`` per word of the continuation, minus a tie-break of
  ``(crc32(continuation) % 1000) / 1e5`` so that equal-length choices never tie (a tie would
  favour whichever choice is listed first). A continuation the fake *knows* -- the last
  ``CONTEXT_WORDS`` words of its context followed by it appear in one of its known texts
  (case and spacing ignored) -- costs ``KNOWN_COST`` per word instead.
- **generation**: the words that follow the prompt's tail in a known text, else nothing.
- **perplexity**: ``KNOWN_COST`` nats per word (a run of letters and digits, case ignored)
  found in the known texts, ``WORD_COST`` per other word; one token per word.
- **token counts**: one token per started group of four characters of each word.
- **sampling**: known texts in turn (seed picks the first), else the prompt repeated.
- **serving probe**: every prompt "answered" with exactly the asked number of tokens, each
  prompt counted by ``count_tokens``; the seconds are the (tiny) real time it takes.

``alignaudit run --backend fake --model FILE`` knows the lines of FILE (a ``.txt`` file, one
text per line); any other ``--model`` name knows nothing, so the audit exercises suites, data,
gates and the report without loading a model.
"""

from __future__ import annotations

import math
import re
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from alignaudit._util.errors import UserError
from alignaudit.backends.base import (
    Backend,
    Capabilities,
    Loglikelihood,
    ModelInfo,
    Perplexity,
    ServedRequest,
    ServingRun,
    Usage,
    cut_at_stop,
)

WORD_COST = 2.0
"""Nats per word of a continuation (or text) the fake does not know."""
KNOWN_COST = 0.1
"""Nats per word of a continuation (or text word) the fake knows."""
CONTEXT_WORDS = 6
"""How many trailing words of the context must precede a continuation in a known text."""
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def tie_break(continuation: str) -> float:
    """The small, fixed amount subtracted from a continuation's log-probability."""
    return (zlib.crc32(continuation.encode("utf-8")) % 1000) / 1e5


class FakeBackend(Backend):
    """Knows a list of texts, and nothing else."""

    def __init__(self, knowledge: Sequence[str] = (), name: str = "fake") -> None:
        self.knowledge = [_norm(t) for t in knowledge if t.strip()]
        self._joined = "\n".join(self.knowledge)
        self._words = {w for t in self.knowledge for w in _WORD.findall(t)}
        self.usage = Usage()
        self.info = ModelInfo(spec=name, display_name=f"fake ({name})", source="fake",
                              backend="fake", architecture="FakeBackend", dtype="no weights",
                              device="this process (a dry run)", context_length=1 << 20)

    @classmethod
    def load(cls, spec: str) -> FakeBackend:
        """The fake that knows the lines of ``spec`` when it is a text file, else nothing."""
        path = Path(spec)
        if not path.is_file():
            return cls((), name=spec)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"--model {spec}: the fake backend reads a UTF-8 text file of known "
                            f"texts, one per line ({exc}).") from None
        return cls(lines, name=path.name)

    @property
    def capabilities(self) -> Capabilities:
        """Everything but a journal (there is no work worth resuming)."""
        return Capabilities(loglikelihood=True, perplexity=True, sample=True, journal=False,
                            serving=True)

    def knows(self, context: str, continuation: str) -> bool:
        """Whether the context's tail followed by the continuation is in a known text."""
        tail = " ".join(_norm(context).split()[-CONTEXT_WORDS:])
        cont = _norm(continuation)
        if not cont:
            return False
        joiner = " " if continuation[:1].isspace() or context[-1:].isspace() else ""
        return f"{tail}{joiner}{cont}" in self._joined

    def loglikelihood(self, pairs: Sequence[tuple[str, str]]) -> list[Loglikelihood]:
        out = []
        for context, continuation in pairs:
            words = max(len(continuation.split()), 1)
            known = self.knows(context, continuation)
            logprob = -(KNOWN_COST if known else WORD_COST) * words - tie_break(continuation)
            out.append(Loglikelihood(logprob=logprob, is_greedy=known, n_tokens=words))
            self.usage.tokens_scored += len(context.split()) + words
        return out

    def generate(self, prompts: Sequence[str], max_new_tokens: int,
                 stop: Sequence[str]) -> list[str]:
        out = []
        for prompt in prompts:
            tail = " ".join(_norm(prompt).split()[-CONTEXT_WORDS:])
            at = self._joined.find(tail + " ") if tail else -1
            if at < 0:
                out.append("")
                continue
            rest = self._joined[at + len(tail):].split("\n", 1)[0]
            text = " " + " ".join(rest.split()[:max_new_tokens])
            out.append(cut_at_stop(text, stop))
            self.usage.tokens_generated += len(text.split())
        return out

    def perplexity(self, texts: Sequence[str]) -> list[Perplexity]:
        out = []
        for text in texts:
            words = _WORD.findall(text.lower())
            nll = sum(KNOWN_COST if w in self._words else WORD_COST for w in words)
            out.append(Perplexity(nll=nll, n_tokens=len(words), n_words=len(text.split())))
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [sum(math.ceil(len(w) / 4) for w in text.split()) for text in texts]

    def sample(self, prompts: Sequence[str], max_new_tokens: int, seed: int) -> list[str]:
        if not self.knowledge:
            return [" " + " ".join((p.split() or ["text"]) * 3)[:200] for p in prompts]
        n = len(self.knowledge)
        return [" " + " ".join(self.knowledge[(seed + i) % n].split()[:max_new_tokens])
                for i in range(len(prompts))]

    def serve(self, prompts: Sequence[str], max_new_tokens: int) -> ServingRun:
        started = time.perf_counter()
        records = []
        for tokens in self.count_tokens(prompts):
            records.append(ServedRequest(tokens, max_new_tokens, time.perf_counter() - started))
        return ServingRun(requests=records, wall_seconds=time.perf_counter() - started,
                          how=f"{len(prompts)} prompts answered in turn (a dry run: no model)",
                          token_source="the fake's token count")
