"""The extractive answer's sentence choice inside a passage (sentence_evidence.py) and
across passages and languages (extractive.py)."""

from __future__ import annotations

from backend.rag.llm.extractive import choose_sentences
from backend.rag.passage import Passage, UnitScore
from backend.rag.sentence_evidence import evidence, question_weights


def _passage(
    sentences: list[tuple[str, float]], index: int = 1, score: float = 1.0, sep: str = ""
) -> Passage:
    text, units = "", []
    for sentence, unit_score in sentences:
        if text:
            text += sep
        units.append(UnitScore(len(text), len(text) + len(sentence), unit_score))
        text += sentence
    return Passage(
        index, "k", f"d{index}", f"doc{index}.txt", None, text, "", score, 0.5, 0.5, units=units
    )


def _said(passages: list[Passage], question: str) -> list[str]:
    return [p.text[u.start : u.end] for p, u in choose_sentences(passages, question)]


def test_the_subject_naming_opening_sentence_does_not_beat_the_sentence_holding_the_fact():
    # The retriever's sentence score favours the opening: it shares the subject's name.
    p = _passage(
        [
            ("青斑石鲈，为辐鳍鱼纲鲈形目石鲈科的其中一个种。", 0.55),
            ("本鱼分布于西太平洋海域，体长可达30公分。", 0.15),
            ("栖息于沿岸礁区，以小型甲壳类及多毛类为食。", 0.25),
            ("青斑石鲈数量不多，不具经济价值。", 0.45),
        ]
    )
    said = _said([p], "青斑石鲈以什么为食？")
    assert said[0] == "栖息于沿岸礁区，以小型甲壳类及多毛类为食。"


def test_the_question_words_own_pairs_are_not_evidence_and_its_neighbours_are_the_focus():
    weights = question_weights("巴吞他尼府的西边是什么地方？")
    assert not any("什" in term or "么" in term for term in weights)
    assert weights["西边"] > weights["巴吞"]


def test_a_term_every_sentence_shares_tells_no_sentence_apart():
    sentences = ["湖光站位于城东。", "湖光站有两个站台。", "湖光站于二零一零年启用。"]
    weighed = evidence("湖光站有几个站台？", sentences)
    assert weighed[1] == max(weighed)
    assert weighed[0] < weighed[1] and weighed[2] < weighed[1]


def test_a_trailing_passage_sentence_does_not_outrank_the_first_passage_by_a_hair():
    first = _passage([("The museum opened its new wing in spring.", 0.50)], score=1.0, sep=" ")
    second = _passage(
        [("A different museum opened a wing in spring as well.", 0.56)], 2, score=0.5, sep=" "
    )
    said = _said([first, second], "When did the museum open its new wing?")
    assert said[0] == "The museum opened its new wing in spring."


def test_across_languages_a_close_runner_up_comes_along_where_one_language_says_one():
    sentences = [
        ("The tower was completed in 1889 for the fair.", 0.50),
        ("It was the tallest structure in the world until 1930.", 0.45),
    ]
    across = _said([_passage(sentences, sep=" ")], "这座塔是哪一年建成的？")
    same = _said([_passage(sentences, sep=" ")], "In which year was the tower completed?")
    assert len(across) == 2
    assert len(same) == 1


def test_the_asked_attribute_of_x_de_y_is_the_focus_and_no_pair_crosses_the_glue():
    # "X的Y是哪些": Y is what the answer sentence repeats; "Y是" is no term of it.
    weights = question_weights("膨趾膜鳕的分布区域是哪些？")
    assert weights["分布"] == weights["区域"] > weights["膨趾"]
    assert "域是" not in weights or weights["域是"] == weights["膨趾"]
    # "X在哪里": "镇在" joins the subject to the glue; a sentence that merely has the
    # subject followed by 在 does not answer where the town is.
    sentences = [
        "青河镇是隶属于中国东江省北山市的一个镇，南面毗邻北山城区。",
        "近年来，大量的民间投资注入该镇，青河镇在全国率先实现了织造无梭化。",
    ]
    weighed = evidence("青河镇在哪里？", sentences)
    assert weighed[0] >= weighed[1]


def test_a_one_character_attribute_is_the_focus_though_no_character_pair_holds_it():
    # "X的蛋有什么特征": 蛋 is one character, so no pair of the answer sentence holds it.
    p = _passage(
        [
            ("赤冠雉是一种大型的鸟类，一般长86厘米。", 0.60),
            ("赤冠雉栖于森林中，以果实为食。", 0.45),
            ("雌鸟每次会生2至3只蛋，蛋表面粗糙及呈白色。", 0.30),
        ]
    )
    assert _said([p], "赤冠雉的蛋有什么特征？")[0].startswith("雌鸟每次会生")


def test_a_sentence_that_opens_with_a_pronoun_comes_with_the_one_naming_its_referent():
    p = _passage(
        [
            ("联盟成立于1920年，总部设在芝加哥。", 0.30),
            ("赵明远成为史上首位带领两支不同球队夺冠的教练。", 0.50),
            ("他也以68岁高龄夺冠而成为史上年龄最大的主教练。", 0.80),
        ]
    )
    said = _said([p], "谁是史上年龄最大的主教练？")
    assert said[0].startswith("他也以68岁高龄")  # the best sentence still comes first
    assert any(s.startswith("赵明远") for s in said[1:])
    # a sentence that names its own subject brings nothing before it
    plain = _passage([("联盟成立于1920年。", 0.3), ("赵明远是年龄最大的主教练。", 0.8)])
    assert _said([plain], "谁是史上年龄最大的主教练？") == ["赵明远是年龄最大的主教练。"]
