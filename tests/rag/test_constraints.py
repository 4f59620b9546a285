"""Values a question pins down (backend/rag/constraints.py)."""

from __future__ import annotations

from backend.rag.constraints import constraints, fit


def test_year_constraint_found_and_not_counted_twice_as_a_number():
    asked = constraints("2022年的年报说了什么？")
    assert [(c.kind, c.value) for c in asked] == [("year", "2022")]


def test_year_constraint_other_year_of_the_same_kind_loses():
    asked = constraints("What did the 2022 report say?")
    assert fit(asked, "The 2022 report said so.") == 1.0
    assert fit(asked, "The 2023 report said so.") == -1.0
    assert fit(asked, "The report said so.") == 0.0


def test_version_and_model_constraints_exclusive_numbers_only_gain():
    asked = constraints("Does the X2 support firmware 3.1 with 4 ports?")
    kinds = {c.kind: c.value for c in asked}
    assert kinds["version"] == "3.1" and kinds["model"] == "x2" and kinds["number"] == "4"
    assert fit(asked, "The X3 supports firmware 2.0 with 8 ports.") < 0
    assert fit(asked, "The X2 supports firmware 3.1 with 4 ports.") == 1.0


def test_quoted_term_constraint_and_full_width_digits_fold():
    asked = constraints("《红楼梦》的作者是谁？")
    assert [(c.kind, c.value) for c in asked] == [("quoted", "红楼梦")]
    assert fit(constraints("２０２２年"), "2022年") == 1.0


def test_unheld_value_a_code_no_candidate_carries_any_of_its_kind_is_not_a_constraint():
    from backend.rag.constraints import unheld

    question = "QID-003: when do pallets leave?"
    assert unheld(question, ["Pallets leave dock 3 every morning at six."]) == {"qid-003"}
    # A passage with another code of the kind: the asked one is a real constraint.
    assert unheld(question, ["Pallets of order QID-004 leave at six."]) == set()
