"""A stand-in for a model that read only the corpus before a date: a naive Bayes guesser.

Given the content words of a prompt, it scores each term as

    log(documents before the date that mention the term + 1)
    + sum over the words of log((documents mentioning both + 2 p(word)) / (documents + 2))

that is, a term is as likely as it was mentioned, and more so when the documents that
mention it used the prompt's words (smoothed with each word's overall rate p). Used twice:
a statement probe whose answer this guesser would pick is tagged 'high', and its
distractors are preferably terms the guesser finds as plausible as the answer, so that what
a stale model knew does not single the answer out.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from alignaudit.recency.probegen.corpus import Corpus


class Guesser:
    """The document x term incidence of a corpus (as compressed rows), and scores from it."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.column = {key: i for i, key in enumerate(corpus.terms)}
        self.n_terms = len(corpus.terms)
        per_doc: list[list[int]] = [[] for _ in corpus.docs]
        for i, term in enumerate(corpus.terms.values()):
            for d in term.doc_list:
                per_doc[d].append(i)
        self.indptr = np.cumsum([0, *map(len, per_doc)]).astype(np.int64)
        self.indices = np.asarray([i for row in per_doc for i in row], dtype=np.int64)
        self._counts: dict[int, np.ndarray] = {}

    def counts(self, bound: int) -> np.ndarray:
        """Per term: how many of the first ``bound`` documents mention it."""
        found = self._counts.get(bound)
        if found is None:
            found = np.bincount(self.indices[: self.indptr[bound]], minlength=self.n_terms)
            if len(self._counts) > 64:
                self._counts.clear()
            self._counts[bound] = found
        return found

    def columns(self, keys: Sequence[str]) -> np.ndarray:
        """The guesser's column of each term."""
        return np.asarray([self.column[k] for k in keys], dtype=np.int64)

    def scores(self, cues: Sequence[str], bound: int, cols: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
        """The guesser's score of each term (by column, see :meth:`columns`) for a prompt
        with the content words ``cues``, from the first ``bound`` documents; and how many
        of those documents mention each term."""
        mentioned = self.counts(bound)[cols]
        score = np.log(mentioned + 1.0)
        if not cues:
            return score, mentioned
        lists = []
        for word in cues:
            docs = self.corpus.word_docs.get(word, [])
            lists.append(np.asarray(docs[: bisect.bisect_left(docs, bound)], dtype=np.int64))
        rows = np.concatenate(lists)
        together = np.zeros((len(cues), len(cols)))
        if len(rows):
            starts = self.indptr[rows]
            sizes = self.indptr[rows + 1] - starts
            total = int(sizes.sum())
            if total:
                skip = np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
                terms = self.indices[skip + np.arange(total)]
                owner = np.repeat(np.repeat(np.arange(len(cues)), [len(x) for x in lists]),
                                  sizes)
                flat = np.bincount(owner * self.n_terms + terms,
                                   minlength=len(cues) * self.n_terms)
                together = flat.reshape(len(cues), self.n_terms)[:, cols].astype(float)
        share = np.asarray([self.corpus.df[w] / len(self.corpus.docs) for w in cues])
        score += np.log((together + 2.0 * share[:, None]) / (mentioned + 2.0)).sum(axis=0)
        return score, mentioned


def guesser_of(corpus: Corpus) -> Guesser:
    """The corpus's guesser, built once."""
    found = corpus.cache.get("guesser")
    if not isinstance(found, Guesser):
        found = corpus.cache["guesser"] = Guesser(corpus)
    return found
