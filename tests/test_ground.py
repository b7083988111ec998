"""The ground stage: checking, re-citing, removing, then numbering sources."""

import pytest

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.errors import FactdeskError
from factdesk.pipeline.ground import (
    GroundingPolicy,
    check_contract,
    ground,
    lexical_support,
    swapped_subject,
)
from factdesk.pipeline.sources import number_sources
from factdesk.records import (
    Draft,
    Evidence,
    Passage,
    PointCheck,
    Section,
    StanceJudgement,
    StanceScores,
    Verdict,
)


def _evidence(key, doc, text, title="T"):
    return Evidence(
        key=key,
        passage=Passage(
            id=f"{doc}#{key}", doc_id=doc, title=title, text=text, url=f"https://ex.org/{doc}"
        ),
        relevance=0.9,
    )


EVIDENCE = [
    _evidence(1, "tower", "The Eiffel Tower was completed in 1889 for the World's Fair."),
    _evidence(2, "eiffel", "Gustave Eiffel's company designed the tower."),
    _evidence(3, "tower", "The tower is 330 metres tall and stands in Paris."),
]
VERDICT = Verdict(label="supported", confidence=0.8, summary="The sources found support it.")


def test_lexical_support_counts_content_words_and_demands_numbers():
    passage = "The Eiffel Tower was completed in 1889 for the World's Fair."
    assert lexical_support("The Eiffel Tower was completed in 1889.", passage) == 1.0
    assert lexical_support("The Eiffel Tower was completed in 1899.", passage) <= 0.2
    assert lexical_support("Bananas are yellow.", passage) == 0.0
    assert lexical_support("The Eiffel Tower was not completed in 1889.", passage) == 0.5


def _draft(summary, body, bottom="The tower was completed in 1889 [1]."):
    return Draft(
        executive_summary=summary,
        sections=[
            Section(heading="H", body=body),
            Section(heading="Limits", body="No source says [7].", kind="limits"),
        ],
        bottom_line=bottom,
    )


def test_supported_sentences_kept_wrong_citations_recited_inventions_removed():
    llm = ScriptedLLM()
    draft = _draft(
        "The Eiffel Tower was completed in 1889 [1]. Gustave Eiffel's company designed the "
        "tower [3]. The tower was painted gold by aliens in 2020 [1].",
        "The tower stands in Paris and is 330 metres tall [3].",
    )
    grounded, grounding = ground(llm, draft, EVIDENCE, VERDICT, "en", GroundingPolicy())
    assert grounded.executive_summary == (
        "The Eiffel Tower was completed in 1889 [1]. Gustave Eiffel's company designed the "
        "tower [2]."
    )
    assert (
        grounding.sentences,
        grounding.cited,
        grounding.verified,
        grounding.recited,
        grounding.removed,
    ) == (5, 5, 3, 1, 1)
    removed = [c.text for c in grounding.checks if c.outcome == "removed"]
    assert removed == ["The tower was painted gold by aliens in 2020."]
    assert grounded.sections[1].body == "No source says [7]."  # limits sections are untouched


def test_uncited_sentence_gets_a_citation_when_a_passage_supports_it():
    draft = _draft("The tower stands in Paris and is 330 metres tall.", "x")
    grounded, grounding = ground(ScriptedLLM(), draft, EVIDENCE, VERDICT, "en", GroundingPolicy())
    assert grounded.executive_summary == "The tower stands in Paris and is 330 metres tall [3]."
    assert grounding.cited == 0 + 1  # only the bottom line was cited as written


def test_ambiguous_sentences_go_to_the_model_and_follow_its_answer():
    asked = []

    def verify(request, choices):
        asked.append(request.variables["sentence"])
        return {"Yes": 0.1, "No": 0.9}

    llm = ScriptedLLM(choices={"verify": verify})
    sentence = "Eiffel's firm drew up the plans for the structure [2]."
    grounded, grounding = ground(
        llm, _draft(sentence, "x"), EVIDENCE, VERDICT, "en", GroundingPolicy()
    )
    assert sentence.replace(" [2]", "") in asked
    assert grounding.checks[0].outcome == "removed"
    assert grounded.executive_summary == ""  # nothing left: compose lets the verdict speak


def test_unsupported_text_and_empty_sections_are_dropped():
    draft = _draft("Aliens built it [1].", "Aliens again [2].", bottom="Aliens [3].")
    draft.facts = ["Aliens built the tower [1]."]
    grounded, _ = ground(ScriptedLLM(), draft, EVIDENCE, VERDICT, "en", GroundingPolicy())
    assert (grounded.executive_summary, grounded.bottom_line, grounded.facts) == ("", "", [])
    assert [s.kind for s in grounded.sections] == ["limits"]


def test_a_sentence_restating_a_rejected_claim_is_removed_whatever_it_cites():
    refuted = VERDICT.model_copy(update={"label": "refuted"})
    claim = "The Eiffel Tower was completed in 1889."
    draft = _draft("The Eiffel Tower was completed in 1889 [1].", "x")
    draft.facts = ["The Eiffel Tower was not completed in 1890 [1]."]
    grounded, grounding = ground(
        ScriptedLLM(), draft, EVIDENCE, refuted, "en", GroundingPolicy(), claim=claim
    )
    assert grounded.executive_summary == ""
    assert grounding.checks[0].outcome == "removed"
    upheld, _ = ground(
        ScriptedLLM(), draft, EVIDENCE, VERDICT, "en", GroundingPolicy(), claim=claim
    )
    assert upheld.executive_summary == "The Eiffel Tower was completed in 1889 [1]."


def test_a_sentence_with_the_opposite_word_is_the_refuting_fact_not_a_restatement():
    refuted = VERDICT.model_copy(update={"label": "refuted"})
    claim = "Mercury is the largest planet in the Solar System."
    planet = _evidence(1, "mercury", "Mercury is the smallest planet in the Solar System.")
    draft = _draft("Mercury is the smallest planet in the Solar System [1].", "x")
    grounded, _ = ground(
        ScriptedLLM(), draft, [planet], refuted, "en", GroundingPolicy(), claim=claim
    )
    assert grounded.executive_summary == "Mercury is the smallest planet in the Solar System [1]."
    again = _draft("Mercury is the largest planet in the Solar System [1].", "x")
    grounded, _ = ground(
        ScriptedLLM(), again, [planet], refuted, "en", GroundingPolicy(), claim=claim
    )
    assert grounded.executive_summary == ""


def test_a_section_that_no_longer_speaks_of_the_subject_is_dropped():
    khanate = _evidence(
        1, "kazakh", "The Kazakh Khanate emerged after the Golden Horde.", title="Kazakh Khanate"
    )
    founder = _evidence(2, "genghis", "Temujin founded the Mongol Empire.", title="Genghis Khan")
    draft = Draft(
        executive_summary="",
        sections=[
            Section(heading="Genghis Khan", body="The Kazakh Khanate emerged [1]."),
            Section(heading="Founder", body="Temujin founded the Mongol Empire [2]."),
            Section(heading="Limits", body="Nothing else.", kind="limits"),
        ],
        bottom_line="",
    )  # fmt: skip
    grounded, _ = ground(
        ScriptedLLM(), draft, [khanate, founder], VERDICT, "en", GroundingPolicy(),
        subjects=["Genghis Khan"],
    )  # fmt: skip
    assert [s.heading for s in grounded.sections] == ["Founder", "Limits"]
    claimed, _ = ground(
        ScriptedLLM(), draft, [khanate, founder], VERDICT, "en", GroundingPolicy(),
        claim="Genghis Khan led the Kazakh Khanate after the Golden Horde.",
        subjects=["Genghis Khan"],
    )  # fmt: skip
    assert len(claimed.sections) == 3  # it states the claim's other words: about the claim
    everything, _ = ground(
        ScriptedLLM(), draft, [khanate, founder], VERDICT, "en", GroundingPolicy()
    )
    assert len(everything.sections) == 3  # fmt: skip


def test_a_restatement_is_put_to_the_model_even_when_every_word_matches():
    asked = []

    def verify(request, choices):
        asked.append(request.variables["sentence"])
        return {"Yes": 0.1, "No": 0.9}

    llm = ScriptedLLM(choices={"verify": verify})
    claim = "Albert Einstein received the Nobel Prize for his theory of relativity."
    sentence = "Albert Einstein received the Nobel Prize for his theory of relativity [1]."
    passage = _evidence(
        1,
        "einstein",
        "Albert Einstein received the Nobel Prize in 1921 for the photoelectric effect, "
        "not for his theory of relativity.",
    )
    grounded, _ = ground(
        llm, _draft(sentence, "x"), [passage], VERDICT, "en", GroundingPolicy(), claim=claim
    )
    assert asked == [sentence.replace(" [1]", "")]
    assert grounded.executive_summary == ""


def test_a_passage_sentence_with_another_name_at_its_head_is_not_grounded():
    batu = (
        "Batu Khan was a Mongol ruler and founder of the Golden Horde, a constituent of the "
        "Mongol Empire established after Genghis Khan's demise. Batu was a son of Jochi."
    )
    swapped = (
        "Genghis Khan was a Mongol ruler and founder of the Golden Horde, a constituent of "
        "the Mongol Empire established after Genghis Khan's demise [1]."
    )
    assert swapped_subject(swapped, batu)
    assert not swapped_subject("Batu Khan was a Mongol ruler [1].", batu)
    tesla = "Nikola Tesla was a Serbian-American inventor. He is known for AC power."
    assert not swapped_subject("Tesla was a Serbian-American inventor [1].", tesla)
    assert not swapped_subject("Nikola Tesla is known for AC power [1].", tesla)  # "He" read
    assert swapped_subject("Thomas Edison was a Serbian-American inventor [1].", tesla)
    # the model is never asked: the swap is removed by code, whatever it would say
    llm = ScriptedLLM(choices={"verify": {"Yes": 0.99, "No": 0.01}})
    passage = _evidence(1, "batu", batu, "Batu Khan")
    grounded, grounding = ground(
        llm, _draft(swapped, "x", bottom=""), [passage], VERDICT, "en", GroundingPolicy()
    )
    assert grounded.executive_summary == "" and grounding.removed >= 1
    assert "verify" not in llm.kinds()


def test_number_sources_by_first_appearance_merging_passages_of_one_document():
    draft = Draft(
        executive_summary="Designed by Eiffel [2]. Completed in 1889 [1].",
        sections=[Section(heading="H", body="It is 330 metres tall [3].")],
        bottom_line="Done [1] [2].",
    )
    numbered, sources = number_sources(draft, EVIDENCE)
    assert numbered.executive_summary == "Designed by Eiffel [1]. Completed in 1889 [2]."
    assert numbered.sections[0].body == "It is 330 metres tall [2]."
    assert [(s.n, s.url) for s in sources] == [
        (1, "https://ex.org/eiffel"),
        (2, "https://ex.org/tower"),
    ]
    assert sources[1].passage_ids == ["tower#1", "tower#3"]


def test_the_passage_that_answered_the_point_takes_the_side_it_decided():
    draft = Draft(executive_summary="Completed in 1889 [1]. Designed by Eiffel [2].",
                  sections=[], bottom_line="")  # fmt: skip
    point = PointCheck(question="When was it completed?", claimed="1975", answer="1889",
                       keys=[1], outcome="differ")  # fmt: skip
    _, sources = number_sources(draft, EVIDENCE, point)
    assert [s.stance for s in sources] == ["refutes", "context"]
    _, agreeing = number_sources(draft, EVIDENCE, point.model_copy(update={"outcome": "agree"}))
    assert agreeing[0].stance == "supports"
    _, unread = number_sources(draft, EVIDENCE, point.model_copy(update={"outcome": "unanswered"}))
    assert unread[0].stance == "context"


def test_a_source_takes_a_side_only_where_the_report_shows_it_speak_of_the_subject():
    founder = _evidence(1, "genghis", "Genghis Khan founded the Mongol Empire.", "Genghis Khan")
    empire = _evidence(
        2, "empire", "The Mongol Empire, founded by Genghis Khan, was vast.", "Mongol Empire"
    )
    for item in (founder, empire):
        item.judgements = [
            StanceJudgement(claim_id="C1", passage_id=item.passage.id, stance="supports",
                            scores=StanceScores(supports=0.9, refutes=0.05, context=0.05))
        ]  # fmt: skip
    quoted_apart = Draft(
        executive_summary="Genghis Khan founded the Mongol Empire [1]. "
        "The Mongol Empire was the largest contiguous empire [2].",
        sections=[],
        bottom_line="",
    )
    _, sources = number_sources(quoted_apart, [founder, empire], None, ["Genghis Khan"])
    assert [s.stance for s in sources] == ["supports", "context"]
    named = quoted_apart.model_copy(
        update={"executive_summary": "The empire Genghis Khan founded was vast [2]."}
    )
    _, sources = number_sources(named, [founder, empire], None, ["Genghis Khan"])
    assert [s.stance for s in sources] == ["supports"]
    _, unnamed = number_sources(quoted_apart, [founder, empire])  # no subject known
    assert [s.stance for s in unnamed] == ["supports", "supports"]


def test_check_contract_refuses_unknown_numbers_and_uncited_sources(desk):
    from factdesk.pipeline import run_check

    report = run_check(desk, "Was the Eiffel Tower built for the 1889 World's Fair?").report
    check_contract(report)
    broken = report.model_copy(update={"bottom_line": report.bottom_line + " Also [99]."})
    with pytest.raises(FactdeskError, match=r"\[99\] cites no listed source"):
        check_contract(broken)
    extra = report.sources[0].model_copy(update={"n": len(report.sources) + 1})
    with pytest.raises(FactdeskError, match="never cited"):
        check_contract(report.model_copy(update={"sources": [*report.sources, extra]}))


def test_a_pronoun_that_would_point_at_the_wrong_subject_is_removed():
    evidence = [
        *EVIDENCE,
        _evidence(
            4,
            "versailles",
            "The palace served as the principal residence of the French kings.",
            title="Versailles",
        ),
    ]
    draft = _draft(
        "The Eiffel Tower was completed in 1889 [1]. It served as the principal "
        "residence of the French kings [4]. It is 330 metres tall [3].",
        "x",
    )
    grounded, grounding = ground(ScriptedLLM(), draft, evidence, VERDICT, "en", GroundingPolicy())
    assert grounded.executive_summary == (
        "The Eiffel Tower was completed in 1889 [1]. It is 330 metres tall [3]."
    )
    removed = [c.text for c in grounding.checks if c.outcome == "removed"]
    assert removed[0] == "It served as the principal residence of the French kings."
