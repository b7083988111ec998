"""The claim's exact point, the topic gate, and the verdict rules that follow from them."""

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.pipeline.point import check_point
from factdesk.pipeline.topic import mentions, on_topic
from factdesk.pipeline.verdict import decide
from factdesk.records import (
    Claim,
    ClaimAssessment,
    Evidence,
    Passage,
    PointCheck,
    StanceJudgement,
    StanceScores,
)

WALL = PointCheck(question="When was the Berlin Wall built?", claimed="1975")
CLAIM = Claim(id="C1", text="The Berlin Wall was built in 1975.")


def _evidence(key, text, title="Berlin Wall", on=True, stance="context"):
    scores = {
        "supports": StanceScores(supports=0.9, refutes=0.05, context=0.05),
        "refutes": StanceScores(supports=0.05, refutes=0.9, context=0.05),
        "context": StanceScores(),
    }[stance]
    return Evidence(
        key=key,
        passage=Passage(id=f"p{key}", doc_id=f"d{key}", title=title, text=text),
        relevance=0.7,
        on_topic=on,
        judgements=[
            StanceJudgement(
                claim_id="C1", passage_id=f"p{key}", stance=stance, scores=scores, relevance=0.7
            )
        ],
    )


WALL_PASSAGE = _evidence(1, "Construction of the Berlin Wall began on 13 August 1961.")
GREAT_WALL = _evidence(
    2, "The Great Wall of China was built over many centuries.", "Great Wall", on=False
)


def _check(answer, evidence=(WALL_PASSAGE, GREAT_WALL), agree=0.5):
    llm = ScriptedLLM({"point": answer}, {"agree": {"Yes": agree, "No": 1 - agree}})
    checked = check_point(llm, HashingEmbedder(), WALL, list(evidence), agree_at=0.7, differ_at=0.3)
    return checked, llm


def test_a_different_date_is_found_by_code_without_asking_the_model():
    checked, llm = _check(
        "Answer: 13 August 1961\nStatement: Construction of the wall began on 13 August 1961 [1]."
    )
    assert (checked.outcome, checked.decided_by, checked.keys) == ("differ", "code", [1])
    assert checked.statement.endswith("[1].")
    assert "agree" not in llm.kinds()
    asked = next(r for r in llm.calls if r.kind == "point")
    assert "Great Wall" not in asked.variables["passages"]  # off-topic passages are not read


def test_a_lower_rank_in_the_statement_differs_though_the_answer_names_the_subject():
    largest = PointCheck(question="What is the largest continent on Earth?", claimed="Antarctica")
    antarctica = _evidence(1, "Antarctica is the fifth-largest continent.", "Antarctica")
    llm = ScriptedLLM(
        {"point": "Answer: Antarctica\nStatement: Antarctica is the fifth-largest continent [1]."}
    )
    checked = check_point(
        llm, HashingEmbedder(), largest, [antarctica], agree_at=0.7, differ_at=0.3
    )
    assert (checked.outcome, checked.decided_by) == ("differ", "code")
    assert checked.answer == "Antarctica, the fifth-largest continent"
    assert "agree" not in llm.kinds()


def test_the_model_compares_only_when_the_words_do_not_decide():
    answer = "Answer: the Soviet occupation zone\nStatement: The wall was built there [1]."
    differ, llm = _check(answer, agree=0.1)
    assert (differ.outcome, differ.decided_by) == ("differ", "model")
    assert llm.kinds()[-1] == "agree"
    unsure, _ = _check(answer, agree=0.5)
    assert unsure.outcome == "unanswered"
    same, _ = _check(answer, agree=0.9)
    assert same.outcome == "agree"


def test_an_answer_without_a_shown_citation_or_not_stated_leaves_the_point_open():
    not_stated, _ = _check("Answer: not stated")
    assert not_stated.outcome == "unanswered"
    uncited, _ = _check("Answer: 1961\nStatement: It began in 1961 [7].")
    assert (uncited.outcome, uncited.keys) == ("unanswered", [])
    nothing, llm = _check("Answer: 1961", evidence=[GREAT_WALL])
    assert nothing.outcome == "unanswered" and llm.calls == []


def test_names_are_matched_as_whole_words_whatever_the_accents():
    assert mentions("Júpiter es el planeta más grande", ["Jupiter"])
    assert not mentions("The Great Wall of China", ["Berlin Wall"])
    assert not mentions("Curieux", ["Curie"])
    assert on_topic("Berlin Wall", "It fell in 1989.", 0.3, ["Berlin Wall"], 0.6)  # the title
    twice = "The Berlin Wall fell in 1989. The Berlin Wall had stood since 1961."
    assert on_topic("Berlin", twice, 0.3, ["Berlin Wall"], 0.6)
    once = "Berlin has many sights, among them the Berlin Wall memorial."
    assert not on_topic("Berlin", once, 0.3, ["Berlin Wall"], 0.6)  # named in passing
    assert on_topic(
        "Great Wall", "A wall in China.", 0.65, ["Berlin Wall"], 0.6
    )  # close in meaning
    assert not on_topic("Great Wall", "A wall in China.", 0.5, ["Berlin Wall"], 0.6)
    assert on_topic("Anything", "at all", 0.1, [], 0.6)  # no subject known: as before


def test_a_namesake_page_counts_only_by_its_meaning():
    claim = "Mercury is the largest planet in the Solar System."
    element = "Mercury is a chemical element. Mercury is liquid at room temperature."
    assert not on_topic("Mercury (element)", element, 0.3, ["Mercury"], 0.6, claim)
    assert on_topic("Mercury (planet)", "It orbits the Sun.", 0.3, ["Mercury"], 0.6, claim)
    assert on_topic("Mercury (element)", element, 0.65, ["Mercury"], 0.6, claim)
    assert on_topic("Ganymede (moon)", "Larger than Mercury, lighter than Mercury.", 0.3,
                    ["Mercury"], 0.6, claim)  # fmt: skip


def _decide(evidence, point, assessment=None):
    assessment = assessment or ClaimAssessment(
        claim_id="C1", true=0.9, false=0.05, mixed=0.03, unknown=0.02, passages=len(evidence)
    )
    return decide(
        [CLAIM],
        evidence,
        [assessment],
        log_bias=(0, 0, 0, 0),
        passage_weight=0,
        point=point,
        point_confidence=0.9,
    )


def test_a_point_the_evidence_answers_differently_refutes_the_claim():
    point = WALL.model_copy(
        update={"answer": "13 August 1961", "outcome": "differ", "decided_by": "code"}
    )
    verdict = _decide([WALL_PASSAGE], point)
    assert (verdict.label, verdict.confidence) == ("refuted", 0.9)
    assert '"13 August 1961", not "1975"' in verdict.per_claim[0].reason


def test_a_supported_verdict_against_every_passage_taking_a_side_is_refuted():
    against = [_evidence(1, "Jupiter is the largest planet.", "Jupiter", stance="refutes")]
    verdict = _decide(against, None)
    assert (verdict.label, verdict.confidence) == ("refuted", 0.9)
    assert "contradicts the claim" in verdict.per_claim[0].reason
    barely = against[0].model_copy(deep=True)
    barely.judgements[0].scores = StanceScores(supports=0.3, refutes=0.6, context=0.1)
    assert _decide([barely], None).label == "supported"  # a barely refuting passage is not enough
    off = against[0].model_copy(update={"on_topic": False})
    assert _decide([off], None).label == "supported"  # nor one that is not about the subject


def test_a_barely_refuting_page_of_the_subject_counts_when_nothing_read_supports():
    own = _evidence(1, "Cleopatra was queen of Egypt.", "Cleopatra", stance="refutes")
    own.judgements[0].scores = StanceScores(supports=0.3, refutes=0.65, context=0.05)
    augustus = _evidence(2, "Augustus was the first Roman emperor.", "Augustus", False, "refutes")
    verdict = _decide([own, augustus], None)
    assert (verdict.label, verdict.confidence) == ("refuted", 0.9)  # Augustus's clear 0.9
    assert "contradicts the claim" in verdict.per_claim[0].reason
    queen = _evidence(3, "Victoria was a queen.", "Queen Victoria", on=False, stance="supports")
    assert _decide([own, augustus, queen], None).label == "supported"  # a passage supports
    assert _decide([augustus], None).label == "supported"  # no page of hers refutes


def test_an_agreeing_point_lifts_silence_only_with_a_supporting_passage():
    point = WALL.model_copy(update={"answer": "1975", "outcome": "agree", "decided_by": "code"})
    unsure = ClaimAssessment(
        claim_id="C1", true=0.01, false=0.01, mixed=0.01, unknown=0.97, passages=1
    )
    supported = _decide([_evidence(1, "Built in 1975.", stance="supports")], point, unsure)
    assert supported.label == "supported"
    silent = _decide([_evidence(1, "Built in 1975.")], point, unsure)
    assert silent.label == "not_enough_evidence"


def test_not_enough_evidence_against_one_sided_passages_says_why():
    unsure = ClaimAssessment(
        claim_id="C1", true=0.01, false=0.01, mixed=0.01, unknown=0.97, passages=1
    )
    against = [_evidence(1, "Cleopatra ruled Egypt.", "Cleopatra", stance="refutes")]
    verdict = _decide(against, None, unsure)
    assert verdict.label == "not_enough_evidence"
    assert "seemed to contradict the claim" in verdict.per_claim[0].reason
    context = _decide([_evidence(1, "Cleopatra ruled Egypt.", "Cleopatra")], None, unsure)
    assert context.per_claim[0].reason == ""


def test_silence_decides_before_any_point():
    point = WALL.model_copy(update={"answer": "1961", "outcome": "differ", "decided_by": "code"})
    nothing = ClaimAssessment(claim_id="C1", passages=0)
    assert _decide([], point, nothing).label == "not_enough_evidence"
