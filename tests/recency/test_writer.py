"""Questions phrased by a writer model: each check on crafted questions, and a run through the
deterministic fake backend (whose "model" repeats the questions it was given to know)."""

from __future__ import annotations

import pytest

from alignaudit.backends.fake import FakeBackend
from alignaudit.recency.writer import check_question, phrase_questions, writer_prompt

PROBE = {
    "id": "group-1", "prompt": "pip 25.1: Add a --group option which allows installation from",
    "choices": {"correct": [" PEP 735"], "distractors": [" PEP 517", " PEP 660", " PEP 621"]},
    "answers": ["PEP 735", "PEP-735"], "event_date": "2025-04-26", "category": "technology",
    "predictability": "low", "source": "NEWS.rst:12",
}


@pytest.mark.parametrize(("question", "failed"), [
    ("Which dependency groups can pip 25.1 install with its --group option?", None),
    ("Which PEP?", "no_question"),
    ("What does pip 25.1 add. It adds an option", "no_question"),
    ("Is it one? Or two?", "no_question"),
    ("Which option implements PEP 735 dependency groups in pip 25.1?", "leak"),
    ("Which pep-735 feature did the release add to the installer?", "leak"),
    ("What is the capital city of the country it concerns today?", "off_topic"),
    ("Which standard did pip 25.1 follow for its option in 2026?", "anachronism"),
])
def test_each_check(question, failed):
    assert check_question(question, PROBE) == failed


def test_kept_questions_replace_the_prompt_and_rejected_ones_keep_it():
    good = "Which standard's dependency groups does the new --group option install?"
    bad = "Which lock file format of PEP 751 does pip 25.2 read?"
    statement = PROBE["prompt"] + " PEP 735"
    other = {**PROBE, "id": "lock-1", "prompt": "pip 25.2: Reading lock files follows",
             "choices": {"correct": [" PEP 751"], "distractors": [" PEP 517", " PEP 660",
                                                                  " PEP 621"]},
             "answers": ["PEP 751"]}
    known = [f"{writer_prompt(statement, ' PEP 735')} {good}",
             f"{writer_prompt(other['prompt'] + ' PEP 751', ' PEP 751')} {bad}"]
    probes, stats = phrase_questions([PROBE, other], FakeBackend(known, name="writer"))
    assert probes[0]["prompt"] == good.lower() + " Answer:"
    assert probes[0]["writer"] == "fake (writer)"
    assert probes[1] == other  # the leaking question was not used
    assert stats.asked == 2 and stats.kept == 1 and stats.rejected["leak"] == 1
