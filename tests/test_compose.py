"""The report in the reader's language: translation, summary, bottom line, follow-ups."""

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.pipeline.compose import compose, translate
from factdesk.pipeline.followup import acceptable, followups
from factdesk.pipeline.write import (
    answer_the_point,
    as_fact,
    deciding_facts,
    name_the_subject,
    stands_alone,
)
from factdesk.records import Claim, ClaimVerdict, Draft, PointCheck, Section, Understanding, Verdict

SPANISH = Understanding(
    question="¿Se construyó el muro de Berlín en 1975?",
    normalized="¿Se construyó el muro de Berlín en 1975?",
    language="es",
    claims=[Claim(id="C1", text="The Berlin Wall was built in 1975.")],
    subjects=["Berlin Wall"],
)
REFUTED = Verdict(
    label="refuted", confidence=0.9, summary="Las fuentes encontradas la contradicen."
)


def _spanish(request):
    lines = request.variables["lines"].splitlines()
    done = {
        "When was the Berlin Wall built?": "¿Cuándo se construyó el muro de Berlín?",
        "Construction began on 13 August 1961 [1].": (
            "La construcción comenzó el 13 de agosto de 1961 [1]."
        ),
        "The wall divided Berlin [2].": "El muro dividió Berlín.",  # lost its citation
        "Every passage that takes a side contradicts the claim.": (
            "Todos los pasajes que toman partido contradicen la afirmación."
        ),
    }
    return "\n".join(
        f"{n}. {done.get(line.split('. ', 1)[1], line.split('. ', 1)[1])}"
        for n, line in enumerate(lines, start=1)
    )


def test_a_translation_that_loses_a_citation_keeps_the_english_line():
    llm = ScriptedLLM({"translate": _spanish})
    texts = ["Construction began on 13 August 1961 [1].", "The wall divided Berlin [2]."]
    assert translate(llm, texts, "es") == [
        "La construcción comenzó el 13 de agosto de 1961 [1].",
        "The wall divided Berlin [2].",
    ]
    assert llm.calls[1].variables["lines"] == "1. The wall divided Berlin [2]."  # asked again
    assert llm.calls[2].variables["lines"] == "1. The wall divided Berlin [2]."  # and alone
    assert translate(llm, texts, "en") == texts and len(llm.calls) == 3  # English: no call


def test_lines_copied_in_every_list_pass_are_asked_for_one_at_a_time():
    copied = "1. What did Napoleon do in Egypt?\n2. Who followed Napoleon as emperor?"
    answers = iter(
        [
            copied,
            copied,
            "1. Was tat Napoleon in Ägypten?",
            "1. Wer folgte Napoleon als Kaiser?",
        ]
    )
    llm = ScriptedLLM({"translate": lambda request: next(answers)})
    texts = ["What did Napoleon do in Egypt?", "Who followed Napoleon as emperor?"]
    assert translate(llm, texts, "de") == [
        "Was tat Napoleon in Ägypten?",
        "Wer folgte Napoleon als Kaiser?",
    ]
    assert [c.variables["lines"] for c in llm.calls[2:]] == [
        "1. What did Napoleon do in Egypt?",
        "1. Who followed Napoleon as emperor?",
    ]


def test_a_sentence_copied_unchanged_is_asked_for_again_but_a_name_may_stay():
    answers = iter(
        [
            "1. How did Napoleon's rule affect France?\n2. Napoleon",
            "1. ¿Cómo afectó el gobierno de Napoleón a Francia?",
        ]
    )
    llm = ScriptedLLM({"translate": lambda request: next(answers)})
    texts = ["How did Napoleon's rule affect France?", "Napoleon"]
    assert translate(llm, texts, "es") == [
        "¿Cómo afectó el gobierno de Napoleón a Francia?",
        "Napoleon",
    ]
    assert llm.calls[1].variables["lines"] == "1. How did Napoleon's rule affect France?"


def test_the_summary_states_the_deciding_fact_and_never_contradicts_the_verdict():
    draft = Draft(
        sections=[
            Section(
                heading="When was the Berlin Wall built?",
                body="Construction began on 13 August 1961 [1].",
            )
        ],
        facts=["Construction began on 13 August 1961 [1]."],
    )
    point = PointCheck(question="When was the Berlin Wall built?", claimed="1975")
    llm = ScriptedLLM({"translate": _spanish})
    ruled = ClaimVerdict(
        claim_id="C1",
        label="refuted",
        confidence=0.9,
        reason="Every passage that takes a side contradicts the claim.",
    )
    composed, questions, explained = compose(
        llm,
        SPANISH,
        REFUTED.model_copy(update={"per_claim": [ruled]}),
        draft,
        ["When was the Berlin Wall built?"],
        point,
        considered=12,
        used=3,
    )
    assert composed.executive_summary == (
        "La construcción comenzó el 13 de agosto de 1961 [1]. "
        "Por tanto, las fuentes contradicen la afirmación."
    )
    assert composed.bottom_line == (
        "Refutada: La construcción comenzó el 13 de agosto de 1961 [1]."
    )
    assert composed.sections[0].heading == "¿Cuándo se construyó el muro de Berlín?"
    assert composed.sections[-1].kind == "limits"
    assert composed.sections[-1].heading == "Lo que las fuentes no resuelven"
    assert questions == ["¿Cuándo se construyó el muro de Berlín?"]
    # the follow-ups are a list of their own, so a shifted report line cannot shift them
    asked = [r.variables["lines"] for r in llm.calls if r.kind == "translate"]
    assert asked[-1] == "1. When was the Berlin Wall built?"
    assert "When was the Berlin Wall built?" not in asked[0].split("\n")[-1]
    # the method trail says why the rule decided, in the reader's language too
    assert explained.per_claim[0].reason == (
        "Todos los pasajes que toman partido contradicen la afirmación."
    )
    assert explained.label == "refuted" and explained.per_claim[0].confidence == 0.9


def test_with_no_fact_the_verdict_speaks_and_an_open_point_is_a_limit():
    point = PointCheck(
        question="When was the Berlin Wall built?", claimed="1975", outcome="unanswered"
    )
    conflicting = REFUTED.model_copy(update={"label": "conflicting", "summary": "Discrepan."})
    composed, _, _ = compose(
        ScriptedLLM({"translate": _spanish}),
        SPANISH,
        conflicting,
        Draft(sections=[]),
        [],
        point,
        considered=12,
        used=3,
    )
    assert composed.executive_summary == composed.bottom_line == "Discrepan."
    limits = composed.sections[0].body
    assert "«¿Cuándo se construyó el muro de Berlín?»" in limits
    assert "discrepan sobre la afirmación «¿Se construyó el muro de Berlín en 1975»" in limits
    # an answer was found but could not be compared: its section answers, so no limit
    answered = point.model_copy(update={"answer": "in 1961", "keys": [1]})
    composed, _, _ = compose(
        ScriptedLLM({"translate": _spanish}),
        SPANISH,
        conflicting,
        Draft(sections=[]),
        [],
        answered,
        considered=12,
        used=3,
    )
    assert "¿Cuándo se construyó" not in composed.sections[0].body


def test_deciding_facts_are_the_point_then_the_next_section():
    sections = [
        Section(heading="Q?", body="Built from 1961 [1]."),
        Section(
            heading="Context",
            body="Berlin was divided [2]. The wall fell in 1989 [3]. It fell at night [4].",
        ),
        Section(heading="Limits", body="x", kind="limits"),
    ]
    claim = "The wall fell in 1975."
    assert deciding_facts(["Begun in 1961 [1]."], sections, claim) == [
        "Begun in 1961 [1].",
        "The wall fell in 1989 [3].",  # the next sentence about the claim, not "Berlin..."
    ]
    # no point answered: the sentence that says most of what the claim is about leads
    assert deciding_facts([], sections, claim) == ["The wall fell in 1989 [3]."]


def test_the_claims_numbers_count_in_choosing_the_leading_fact():
    sections = [
        Section(
            heading="Napoleon III",
            body="Napoleon III was President of France, then Emperor of France from 1852 [1].",
        ),
        Section(
            heading="Napoleon",
            body="Napoleon Bonaparte was Emperor of the French from 1804 to 1814 and 1815 [2].",
        ),
    ]
    claim = "Napoleon was the emperor of France from 1804 to 1815."
    assert deciding_facts([], sections, claim)[0].endswith("and 1815 [2].")


def test_a_summary_never_opens_a_fact_with_a_pronoun():
    sections = [
        Section(
            heading="Eiffel",
            body="He is best known for the Eiffel Tower [1]. "
            "The Eiffel Tower opened for the 1889 World's Fair [2].",
        )
    ]
    claim = "The Eiffel Tower was built for the 1889 World's Fair."
    assert deciding_facts([], sections, claim) == [
        "The Eiffel Tower opened for the 1889 World's Fair [2]."
    ]
    assert not stands_alone("It fell in 1989 [3].") and stands_alone("Its wall [1].") is False
    assert stands_alone("Italy joined [1].") and stands_alone("Theirs was Hebrew.") is True
    assert not stands_alone("Like Saturn's largest moon, Titan, it is larger than Mercury [2].")
    assert not stands_alone("In 1961, he flew [1].")
    assert stands_alone("In 1961, Gagarin flew [1].")
    only = [Section(heading="x", body="It opened in 1889 [1].")]
    assert deciding_facts([], only, claim) == ["It opened in 1889 [1]."]  # better than none


def test_a_pronoun_that_is_certainly_the_subject_is_named_so_its_fact_can_lead():
    sections = [
        Section(
            heading="Nikola Tesla",
            body="Nikola Tesla was a Serbian-American inventor [1]. He is known for the "
            "alternating current electricity supply system [1].",
        )
    ]
    claim = "Nikola Tesla is known for the alternating current electricity supply system."
    assert deciding_facts([], sections, claim, "Nikola Tesla") == [
        "Nikola Tesla is known for the alternating current electricity supply system [1]."
    ]
    assert name_the_subject(
        "His lab burned [2].", "Tesla moved to New York [1].", "Nikola Tesla"
    ) == ("Nikola Tesla's lab burned [2].")
    # the sentence before opens with another name that shares a word with the subject:
    # "he" is the engineer, not the tower
    engineer = "Alexandre Gustave Eiffel was a French civil engineer [1]."
    assert name_the_subject("He is best known for the tower [1].", engineer, "Eiffel Tower") == (
        "Alexandre Gustave Eiffel is best known for the tower [1]."
    )
    assert name_the_subject("His company built it [1].", engineer, "Eiffel Tower") == (
        "Alexandre Gustave Eiffel's company built it [1]."
    )
    # the sentence before names someone else: "he" may be Edison, so it stays a pronoun
    edison = "Thomas Edison hired him [1]."
    assert (
        name_the_subject("He left in 1885 [1].", edison, "Nikola Tesla") == "He left in 1885 [1]."
    )
    assert name_the_subject("They met [1].", "Nikola Tesla met Edison [1].", "Nikola Tesla") == (
        "They met [1]."
    )
    # without a subject, the sentence that defines him by name still names him
    assert deciding_facts([], sections, claim) == [
        "Nikola Tesla is known for the alternating current electricity supply system [1]."
    ]


def test_the_verified_answer_stands_in_for_a_point_section_grounding_emptied():
    point = PointCheck(
        question="What is the largest continent on Earth?", claimed="Antarctica", keys=[1]
    )
    fact = "Antarctica is the fifth-largest continent [1]."
    limits = Section(heading="Limits", body="x", kind="limits")
    assert answer_the_point([limits], [fact], point) == [
        Section(heading="What is the largest continent on Earth?", body=fact),
        limits,
    ]
    kept = [Section(heading=point.question, body="Asia is larger [2]."), limits]
    assert answer_the_point(kept, [fact], point) == kept  # the writer's answer survived
    assert answer_the_point([limits], [], point) == [limits]  # no verified answer either
    unanswered = point.model_copy(update={"keys": []})
    assert answer_the_point([limits], [fact], unanswered) == [limits]


def test_follow_ups_ask_about_the_topic_and_never_repeat_a_rejected_claim():
    claim = "The Berlin Wall was built in 1975."
    assert not acceptable("How did the sources support the claim?", claim, upheld=True)
    assert not acceptable("What caused the Berlin Wall to be built in 1975?", claim, upheld=False)
    assert acceptable("What caused the Berlin Wall to be built in 1975?", claim, upheld=True)
    assert acceptable("Why was the Berlin Wall built in 1961?", claim, upheld=False)
    proposed = (
        '{"questions": ["What caused the Berlin Wall to be built in 1975?", '
        '"What does the evidence say?", "Who ordered the Berlin Wall built in 1961?"]}'
    )
    questions = followups(
        ScriptedLLM({"followup": proposed}), SPANISH, REFUTED, ["Begun in 1961 [1]."]
    )
    assert questions == [
        "Who ordered the Berlin Wall built in 1961?",
        "What else is known about Berlin Wall?",
        "How is Berlin Wall remembered today?",
    ]


def test_a_fact_is_stated_about_the_world_not_about_the_sources():
    # Point statements the local model wrote for AVeriTeC dev claims, each cited and led
    # summaries, sections and bottom lines ("Refuted: Yes.").
    assert as_fact("These passages say that the World Bank was established in 1944 [1].") == (
        "The World Bank was established in 1944 [1]."
    )
    assert as_fact("In the passage, it is stated that McMurray voted for it in 2018 [1].") == (
        "McMurray voted for it in 2018 [1]."
    )
    assert as_fact("According to the passages, Paris is the capital of France [1].") == (
        "Paris is the capital of France [1]."
    )
    assert as_fact("Yes [1].") == "" and as_fact("Yes.") == ""
    assert as_fact("The passage discusses why the sky turned red over Oregon [2].") == ""
    assert as_fact("These passages do not mention Bill Gates [1].") == ""
    # Facts that merely start with the same words are kept as written.
    assert as_fact("The text of the treaty was signed in 1951 [1].") == (
        "The text of the treaty was signed in 1951 [1]."
    )
    assert as_fact("No evidence links the vaccine to autism [3].") == (
        "No evidence links the vaccine to autism [3]."
    )


def test_a_framed_section_sentence_leads_the_summary_without_its_frame():
    sections = [
        Section(
            heading="World Bank",
            body="The passage discusses the Bretton Woods conference [1]. "
            "These passages say that the World Bank was established in 1944 [2].",
        )
    ]
    claim = "The World Bank was established in 1944."
    assert deciding_facts([], sections, claim) == ["The World Bank was established in 1944 [2]."]
