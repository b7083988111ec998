"""Stages 1-6 with the scripted LLM and the hashing embedder."""

import pytest

from factdesk.backends.llm.scripted import understanding_answer
from factdesk.errors import InputError
from factdesk.pipeline.evidence import select_evidence
from factdesk.pipeline.plan import plan
from factdesk.pipeline.stance import judge, label_for
from factdesk.pipeline.understand import (
    accept_rewrite,
    clean_question,
    detect_language,
    is_statement,
    understand,
)
from factdesk.pipeline.verdict import decide
from factdesk.records import (
    Claim,
    ClaimAssessment,
    Evidence,
    Hit,
    Passage,
    PointCheck,
    StanceJudgement,
    StanceScores,
)
from factdesk.text import keywords


@pytest.mark.parametrize("bad", ["", "   \n\t ", "?!", "x" * 2001])
def test_clean_question_refuses_unusable_input(bad):
    with pytest.raises(InputError):
        clean_question(bad, 2000)


def test_clean_question_collapses_whitespace():
    assert clean_question("  Is  the\nsky blue? ", 2000) == "Is the sky blue?"


def test_clean_question_drops_control_and_bidi_characters_and_refuses_surrogates():
    sneaky = "Is\x00 the \x1b]0;owned\x07sky\u202e blue\u2066?\x9b\x7f"
    assert clean_question(sneaky, 2000) == "Is the ]0;ownedsky blue?"
    with pytest.raises(InputError, match="lone surrogate"):
        clean_question("Is the sky \ud83d blue?", 2000)
    with pytest.raises(InputError, match="empty"):
        clean_question("\x1b\x00\u202e", 2000)


def test_rewrite_is_kept_only_when_close():
    original = "Is local police in Minneapolis not working with ice?"
    fixed = "Is local police in Minneapolis not working with ICE?"
    assert accept_rewrite(original, fixed) == fixed
    assert accept_rewrite(original, "Tell me a story about dragons") == original


def test_language_detection():
    assert detect_language("Was the Eiffel Tower built for the World's Fair?") == "en"
    assert detect_language("La tour Eiffel a-t-elle été construite pour l'exposition ?") == "fr"


def _understood(**fields):
    return understanding_answer("Q?", **{"claim": "", "subject": ["Q"], **fields})


def test_understand_uses_the_model_but_guards_its_answer(llm):
    llm._answers["understand"] = _understood(
        normalized="Is local police in Minneapolis not working with ICE?",
        category="politics",
        claim="Local police in Minneapolis are not working with ICE.",
        question="Who does the Minneapolis police work with?",
        claimed="ICE",
        subject=["Minneapolis police", "ICE", "Minneapolis police"],
    )
    result = understand(llm, "Is local police in Minneapolis not working with ice?")
    assert result.normalized.endswith("with ICE?")
    assert result.category == "politics"
    assert [c.text for c in result.claims] == [
        "Local police in Minneapolis are not working with ICE."
    ]
    assert result.point == PointCheck(
        question="Who does the Minneapolis police work with?", claimed="ICE"
    )
    assert result.subjects == ["Minneapolis police"]  # what is claimed of it is no subject


@pytest.mark.parametrize(
    ("asked", "question", "claimed", "kept"),
    [
        ("Was the Berlin Wall built in 1975?", "When was the Berlin Wall built?", "1975", "1975"),
        ("Was the Berlin Wall built in 1975?", "Is the Berlin Wall old?", "1975", None),
        ("Was the Berlin Wall built in 1975?", "When was the Berlin Wall built?", "yes", "1975"),
        ("Was the Berlin Wall built in 1975?", "Who built the Berlin Wall?", "1961", None),
        ("Was the Berlin Wall built by Spain?", "When was the Berlin Wall built?", "Spain", None),
        ("Was the Berlin Wall built by Spain?", "Who built the Berlin Wall?", "Spain", "Spain"),
    ],
)
def test_a_point_is_kept_only_when_it_is_the_claims_own(llm, asked, question, claimed, kept):
    """A wh-question answered with the claim's own words; "when" keeps the question's year
    whatever the model wrote, and needs a date."""
    llm._answers["understand"] = _understood(
        claim=asked.replace("Was the Berlin Wall built", "The Berlin Wall was built").rstrip("?"),
        question=question,
        claimed=claimed,
    )
    result = understand(llm, asked)
    assert (result.point.claimed if result.point else None) == kept


def test_a_claim_that_answers_the_question_is_asked_again_then_replaced(llm):
    answers = iter(
        [
            _understood(
                normalized="Was Sputnik 1 launched by the United States?",
                claim="Sputnik 1 was launched by the Soviet Union.",
            ),
            _understood(
                normalized="Was Sputnik 1 launched by the United States?",
                claim="The Soviet Union launched Sputnik 1 in 1957.",
            ),
        ]
    )
    llm._answers["understand"] = lambda request: next(answers)
    result = understand(llm, "Was Sputnik 1 launched by the United States?")
    assert [c.text for c in result.claims] == ["Was Sputnik 1 launched by the United States?"]
    retry = [r for r in llm.calls if r.kind == "understand"][1]
    assert "keep its numbers (1) and its words" in retry.messages[-1].content


def test_understand_gives_long_questions_room_for_their_restatements(llm):
    short = "Is the sky blue?"
    long = "Last year's warmth was manifested across the planet, " * 8
    understand(llm, short)
    understand(llm, long)
    budgets = [r.max_tokens for r in llm.calls if r.kind == "understand"]
    assert budgets[0] >= 200
    assert budgets[1] >= budgets[0] + len(long.strip()) - len(short)


def test_a_stated_claim_is_checked_in_the_users_words_and_asked_once(llm):
    stated = "Ruth Bader Ginsburg is the first woman to lie in state at the U.S. Capitol."
    llm._answers["understand"] = _understood(
        normalized="Is Ruth Bader Ginsburg the first woman to lie in state at the U.S. Capitol?",
        claim="Ruth Bader Ginsburg was the first woman to die in state at the U. S. Capitol.",
        subject=["Ruth Bader Ginsburg"],
    )
    result = understand(llm, stated)
    assert [c.text for c in result.claims] == [stated]
    assert result.normalized == stated
    assert result.restatement == ""  # the model's wording is not searched either
    assert result.subjects == ["Ruth Bader Ginsburg"]
    assert llm.kinds() == ["understand"]  # no second try for a wording that is not used


@pytest.mark.parametrize(
    ("text", "language", "stated"),
    [
        ("Bill Gates was involved in crafting the TRACE Act.", "en", True),
        ("Island nations are small", "en", True),
        ("Was the Eiffel Tower built for the 1889 World's Fair", "en", False),
        ("Didn't he go", "en", False),
        ("Crime has increased in Minneapolis in 2020?", "en", False),
        ("Le mur de Berlin a été construit en 1975.", "fr", False),  # restated in English
    ],
)
def test_statements_are_told_from_questions(text, language, stated):
    assert is_statement(text, language) is stated


def test_unknown_category_becomes_other(llm):
    llm._answers["understand"] = _understood(category="gossip")
    result = understand(llm, "Is the sky blue?")
    assert result.category == "other"
    assert [c.text for c in result.claims] == ["Is the sky blue?"]


def test_plan_is_claim_keywords_and_point_and_asks_for_angles_only_on_the_web(llm):
    llm._answers["plan"] = (
        '{"queries": [{"angle": "official", "query": "Eiffel Tower 1889 official"}, '
        '{"angle": "critics", "query": "eiffel tower 1889 official"}, '
        '{"angle": "weird", "query": "tower history"}]}'
    )
    llm._answers["understand"] = _understood(
        claim="The Eiffel Tower was built in 1889.",
        question="When was the Eiffel Tower built?",
        claimed="1889",
    )
    understanding = understand(llm, "Was the Eiffel Tower built in 1889?")
    local = plan(llm, understanding, 5, angles=False)
    assert [q.angle for q in local] == ["claim", "keywords", "background"]
    assert local[1].text == "Eiffel Tower built 1889"
    assert local[2].text == "When was the Eiffel Tower built?"
    assert "plan" not in llm.kinds()
    web = plan(llm, understanding, 5, angles=True)
    assert [q.angle for q in web] == ["claim", "keywords", "background", "official", "background"]


def test_keywords_drop_stopwords_and_repeats():
    assert keywords("Was the tower the tallest tower in Paris?") == "tower tallest Paris"


def _passage(pid, doc, text):
    return Passage(id=pid, doc_id=doc, title=doc, text=text)


def test_evidence_caps_each_document_and_gates_relevance(index):
    claim = Claim(id="C1", text="The Eiffel Tower was built for the 1889 World's Fair.")
    hits = [
        Hit(
            passage=_passage(f"e#{i}", "eiffel", f"Eiffel Tower 1889 World's Fair fact {i}"),
            score=1,
            backend="t",
            rank=i,
        )
        for i in range(5)
    ]
    hits.append(
        Hit(passage=_passage("p#0", "plants", "Plants use sunlight."), score=1, backend="t", rank=5)
    )
    chosen = select_evidence(
        index.embedder,
        [claim],
        hits,
        k=4,
        max_per_document=2,
        min_relevance=0.3,
        mmr_lambda=0.7,
        rrf_k=60,
    )
    docs = [e.passage.doc_id for e in chosen.evidence]
    assert docs.count("eiffel") == 2
    assert [e.key for e in chosen.evidence] == list(range(1, len(docs) + 1))
    assert len(chosen.considered) == 6


def test_evidence_drops_near_duplicates(index):
    claim = Claim(id="C1", text="Eiffel Tower built 1889")
    text = "The Eiffel Tower was built in 1889 in Paris."
    hits = [
        Hit(passage=_passage(f"d{i}#0", f"d{i}", text), score=1, backend="t", rank=i)
        for i in range(3)
    ]
    chosen = select_evidence(
        index.embedder,
        [claim],
        hits,
        k=3,
        max_per_document=2,
        min_relevance=0.1,
        mmr_lambda=0.7,
        rrf_k=60,
    )
    assert len(chosen.evidence) == 1


def test_evidence_about_a_subject_no_source_names_is_judged_by_meaning(index):
    claim = Claim(id="C1", text="Flu shots lead to severe conditions making them unsafe.")
    text = "Serious reactions to the influenza vaccine are very rare; flu shots are safe."
    named_otherwise = Hit(passage=_passage("v#0", "vaccine", text), score=1, backend="t", rank=0)
    other = Hit(
        passage=_passage("w#0", "wall", "The Berlin Wall fell."), score=1, backend="t", rank=1
    )

    def chosen(subjects, hits):
        found = select_evidence(index.embedder, [claim], hits, k=3, max_per_document=2,
                                min_relevance=-1.0, mmr_lambda=0.7, rrf_k=60,
                                subjects=subjects, close=0.9)  # fmt: skip
        return {e.passage.doc_id: e.on_topic for e in found.evidence}

    assert chosen(["Flu vaccination"], [named_otherwise, other])["vaccine"] is True
    named = Hit(passage=_passage("f#0", "Flu vaccination", "It is offered each autumn."),
                score=1, backend="t", rank=2)  # fmt: skip
    with_name = chosen(["Flu vaccination"], [named_otherwise, named])
    assert with_name == {"Flu vaccination": True, "vaccine": False}


def _on_and_off_topic():
    claims = [Claim(id="C1", text="The Eiffel Tower was built for the 1889 World's Fair.")]
    text = "The Eiffel Tower was built for the 1889 World's Fair in Paris."
    on = Evidence(key=1, passage=_passage("a#0", "a", text), relevance=0.8)
    off = Evidence(key=2, passage=_passage("b#0", "b", "Plants use sunlight."), relevance=0.1)
    return claims, on, off


def test_stance_does_not_ask_about_off_topic_passages(llm):
    claims, on, off = _on_and_off_topic()
    judged = judge(llm, claims, [on, off], threshold=0.55, min_relevance=0.3)
    assert llm.kinds() == ["stance"]
    assert judged[0].stance() == "supports"
    assert judged[1].stance() == "context"
    assert judged[1].judgements[0].scores.context == 1.0


def test_stance_label_needs_threshold_and_majority():
    assert label_for(StanceScores(supports=0.6, refutes=0.3, context=0.1), 0.55) == "supports"
    assert label_for(StanceScores(supports=0.5, refutes=0.4, context=0.1), 0.55) == "context"
    assert label_for(StanceScores(supports=0.1, refutes=0.8, context=0.1), 0.55) == "refutes"


def _judged(key, supports, refutes):
    scores = StanceScores(supports=supports, refutes=refutes, context=1 - supports - refutes)
    return Evidence(
        key=key,
        passage=_passage(f"p{key}#0", f"p{key}", "text"),
        relevance=0.9,
        judgements=[
            StanceJudgement(
                claim_id="C1",
                passage_id=f"p{key}#0",
                stance=label_for(scores, 0.55),
                scores=scores,
            )
        ],
    )


CLAIM = [Claim(id="C1", text="claim")]
NEUTRAL = {"log_bias": (0.0, 0.0, 0.0, 0.0), "passage_weight": 0.0}


def _assessment(true, false, mixed, unknown, passages=3):
    return [
        ClaimAssessment(
            claim_id="C1", true=true, false=false, mixed=mixed, unknown=unknown, passages=passages
        )
    ]


def test_silence_is_not_enough_evidence_never_refuted():
    no_topic = _assessment(0.0, 0.9, 0.05, 0.05, passages=0)  # would be "refuted" if asked
    verdict = decide(CLAIM, [_judged(1, 0.1, 0.8)], no_topic, **NEUTRAL)
    assert verdict.label == "not_enough_evidence"
    assert "not evidence that it is false" in verdict.summary
    assert decide(CLAIM, [], [], **NEUTRAL).label == "not_enough_evidence"


def test_loosely_related_evidence_can_be_held_to_be_silence():
    evidence = [_judged(1, 0.1, 0.8)]
    refuting = _assessment(0.05, 0.9, 0.03, 0.02)
    assert decide(CLAIM, evidence, refuting, **NEUTRAL).label == "refuted"
    closest = evidence[0].relevance
    strict = decide(CLAIM, evidence, refuting, **NEUTRAL, min_top_relevance=closest + 0.01)
    assert strict.label == "not_enough_evidence"
    assert decide(CLAIM, evidence, refuting, **NEUTRAL, min_top_relevance=closest).label == (
        "refuted"
    )


def test_the_assessment_decides_and_offsets_correct_its_lean():
    evidence = [_judged(1, 0.6, 0.3)]
    assert decide(CLAIM, evidence, _assessment(0.5, 0.3, 0.1, 0.1), **NEUTRAL).label == "supported"
    leaning = {"log_bias": (0.0, 1.0, 0.0, 0.0), "passage_weight": 0.0}
    assert decide(CLAIM, evidence, _assessment(0.5, 0.3, 0.1, 0.1), **leaning).label == "refuted"
    assert (
        decide(CLAIM, evidence, _assessment(0.1, 0.1, 0.7, 0.1), **NEUTRAL).label == "conflicting"
    )


def test_strong_single_passages_add_weight():
    assessment = _assessment(0.4, 0.45, 0.1, 0.05)
    weighted = {"log_bias": (0.0, 0.0, 0.0, 0.0), "passage_weight": 2.0}
    assert decide(CLAIM, [_judged(1, 0.9, 0.05)], assessment, **NEUTRAL).label == "refuted"
    verdict = decide(CLAIM, [_judged(1, 0.9, 0.05)], assessment, **weighted)
    assert verdict.label == "supported"
    assert 0.25 < verdict.confidence <= 1
    assert verdict.per_claim[0].support == 0.9


def test_a_second_claim_that_disagrees_makes_it_conflicting():
    claims = [Claim(id="C1", text="a"), Claim(id="C2", text="b")]
    assessments = [
        *_assessment(0.9, 0.05, 0.03, 0.02),
        ClaimAssessment(claim_id="C2", true=0.05, false=0.9, mixed=0.03, unknown=0.02, passages=3),
    ]
    assert decide(claims, [], assessments, **NEUTRAL).label == "conflicting"


def test_sections_group_by_stance_then_kind_of_source():
    from factdesk.pipeline.write import group_evidence

    def item(key, stance_yes, kind, relevance):
        e = _judged(key, stance_yes, 0.05)
        e.relevance = relevance
        e.passage.source_type = kind
        return e

    evidence = [
        item(1, 0.9, "news", 0.9),
        item(2, 0.9, "government", 0.8),
        item(3, 0.9, "news", 0.7),
        item(4, 0.1, "news", 0.6),
        item(5, 0.9, "government", 0.5),
    ]
    groups = group_evidence(evidence, per_section=2, min_sections=3, max_sections=5)
    assert [[e.key for e in g] for g in groups] == [[1, 3], [2, 5], [4]]
    few = group_evidence(evidence[:2], per_section=2, min_sections=3, max_sections=5)
    assert [[e.key for e in g] for g in few] == [[1], [2]]


def test_a_relevant_passage_off_the_subject_is_weighed_but_shown_as_context(llm):
    claims, on, _ = _on_and_off_topic()
    act = Evidence(
        key=2,
        passage=_passage("c#0", "c", "The Eiffel Tower was built for the 1889 World's Fair."),
        relevance=0.8,
        on_topic=False,
    )
    judged = judge(llm, claims, [on, act], threshold=0.55, min_relevance=0.3)
    assert llm.kinds() == ["stance", "stance"]
    assert judged[1].judgements[0].stance == "supports"  # the verdict weighs it
    assert judged[1].stance() == "context"  # the reader is not told it takes a side
    from factdesk.pipeline.stance import assess

    [result] = assess(llm, claims, [on, act], min_relevance=0.3)
    assert result.passages == 2


def test_assess_reads_on_topic_passages_together_and_skips_silence(llm):
    from factdesk.pipeline.stance import assess

    claims, on, off = _on_and_off_topic()
    [result] = assess(llm, claims, [on, off], min_relevance=0.3)
    assert (result.passages, result.true) == (1, 0.8)
    passages = llm.calls[-1].variables["passages"]
    assert passages.startswith("<<<PASSAGES>>>") and "Plants" not in passages
    [silent] = assess(llm, claims, [off], min_relevance=0.3)
    assert (silent.passages, silent.unknown) == (0, 1.0)
    assert len(llm.calls) == 1
