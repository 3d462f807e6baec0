"""Questions phrased by a model (``probes generate --writer MODEL``), each checked before use.

The model-free generator asks with the text before a fact ("pip 25.1: Add a --group option
which allows installation from PEP"). A writer model may rephrase that as a question ("Which
PEP's dependency groups can pip 25.1 install from?"). Whatever it writes is kept only when every
check passes; otherwise the probe keeps its model-free prompt. Checks, each counted:

- ``no_question``: the reply is not one question of 4 to 40 words ending with "?";
- ``leak``: the question contains the answer or one of its accepted forms;
- ``off_topic``: it shares no informative word with the statement (so it is not about this
  document's fact, or it is too vague to have one answer);
- ``anachronism``: it names a year after the document's date (knowable only later).

A kept probe says who phrased it (``writer``); the answer, distractors, date and source stay.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import Field

from alignaudit._util.frozen import Frozen
from alignaudit.backends.base import Backend

INSTRUCTION = ("Rewrite the statement as one short question whose answer is exactly the given "
               "answer. Do not include the answer in the question.")
CHECKS = ("no_question", "leak", "off_topic", "anachronism")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{2,}")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_STOP = frozenset({
    "the", "and", "for", "with", "from", "that", "this", "which", "what", "when", "where", "into",
    "have", "has", "was", "were", "are", "its", "their", "new", "now", "can", "will", "not",
    "but", "all", "any", "also",
})


class WriterStats(Frozen):
    """What the writer's questions became."""

    writer: str = Field(description="The model that wrote them.")
    asked: int = Field(description="Probes the writer was asked to phrase.")
    kept: int = Field(description="Questions that passed every check and replaced the prompt.")
    rejected: dict[str, int] = Field(description="Questions rejected, by the first failed check.")


def writer_prompt(statement: str, answer: str) -> str:
    """What the writer model continues: the instruction, the statement and the answer."""
    return (f"{INSTRUCTION}\nStatement: {statement.strip()}\nAnswer: {answer.strip()}\n"
            "Question:")


def check_question(question: str, probe: dict[str, Any]) -> str | None:
    """The first check ``question`` fails for ``probe`` (a probe dict), or None."""
    text = " ".join(question.split())
    words = text.split()
    if not (4 <= len(words) <= 40 and text.endswith("?") and text.count("?") == 1):
        return "no_question"
    low = text.lower()
    forms = [*probe["choices"]["correct"], *probe.get("answers", [])]
    if any(f.strip() and f.strip().lower() in low for f in forms):
        return "leak"
    statement = {w.lower() for w in _WORD.findall(probe["prompt"])} - _STOP
    if not statement & ({w.lower() for w in _WORD.findall(text)} - _STOP):
        return "off_topic"
    year = int(str(probe["event_date"])[:4])
    if any(int(y) > year for y in _YEAR.findall(text)):
        return "anachronism"
    return None


def phrase_questions(probes: Sequence[dict[str, Any]], backend: Backend,
                     max_new_tokens: int = 48) -> tuple[list[dict[str, Any]], WriterStats]:
    """Each probe with its prompt rephrased as a checked question (``Q? Answer:``) where the
    writer's question passes every check; the others unchanged."""
    replies = backend.generate(
        [writer_prompt(p["prompt"] + p["choices"]["correct"][0], p["choices"]["correct"][0])
         for p in probes], max_new_tokens, ["\n"])
    out, rejected = [], Counter({check: 0 for check in CHECKS})
    name = backend.info.display_name
    for probe, reply in zip(probes, replies, strict=True):
        question = " ".join(reply.split())
        failed = check_question(question, probe)
        if failed is not None:
            rejected[failed] += 1
            out.append(probe)
            continue
        out.append({**probe, "prompt": f"{question} Answer:", "writer": name})
    kept = sum("writer" in p for p in out)
    return out, WriterStats(writer=name, asked=len(probes), kept=kept, rejected=dict(rejected))
