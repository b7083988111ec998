"""Stage 7: write the report section by section from small evidence sets.

Each section sees at most a few passages that share a stance, so the local model
stays within its strength; its heading names the actors those passages describe.
The executive summary and bottom line are then written from the sections. A last
"limits" section, written by code, says what the evidence could not establish.
"""

from __future__ import annotations

from collections.abc import Sequence

from factdesk import i18n
from factdesk.citations import strip_citations
from factdesk.pipeline.answers import parse_labelled, whole_sentences
from factdesk.prompts import SECTION, SUMMARY, evidence_block
from factdesk.protocols import LLM
from factdesk.records import Draft, Evidence, Section, Understanding, Verdict

LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
}
VERDICT_WORDS = {
    "supported": "supported by the sources",
    "refuted": "contradicted by the sources",
    "conflicting": "the sources conflict",
    "not_enough_evidence": "not enough evidence: the sources do not address it",
}


def group_evidence(
    evidence: Sequence[Evidence], per_section: int, min_sections: int, max_sections: int
) -> list[list[Evidence]]:
    """Groups of evidence that share a stance and a kind of source (officials, news,
    fact-checkers...), so each section speaks for one side and one kind of actor:
    supporting first, then refuting, then context."""
    groups: list[list[Evidence]] = []
    for stance in ("supports", "refutes", "context"):
        members = [e for e in evidence if e.stance() == stance]
        kinds = sorted(
            {e.passage.source_type for e in members},
            key=lambda k: -max(e.relevance for e in members if e.passage.source_type == k),
        )
        for kind in kinds:
            same = sorted(
                (e for e in members if e.passage.source_type == kind), key=lambda e: -e.relevance
            )
            groups += [same[i : i + per_section] for i in range(0, len(same), per_section)]
    while len(groups) < min_sections and any(len(g) > 1 for g in groups):
        largest = max(range(len(groups)), key=lambda i: len(groups[i]))
        group = groups.pop(largest)
        groups[largest:largest] = [group[:1], group[1:]]
    return groups[:max_sections]


def writing_evidence(
    evidence: Sequence[Evidence], min_relevance: float, at_least: int
) -> list[Evidence]:
    """The passages worth a section: those that take a side or are clearly on topic,
    topped up with the next most relevant so the report still has `at_least` sections."""
    strong = [e for e in evidence if e.stance() != "context" or e.relevance >= min_relevance]
    rest = sorted((e for e in evidence if e not in strong), key=lambda e: -e.relevance)
    return strong + rest[: max(0, at_least - len(strong))]


def limits_section(
    understanding: Understanding, verdict: Verdict, considered: int, used: int
) -> Section:
    """What the check could not establish, stated about the evidence, not about the world."""
    language = understanding.language
    sentences = [i18n.text(language, "limits_read", used=used, considered=considered)]
    for claim, result in zip(understanding.claims, verdict.per_claim, strict=True):
        quoted = strip_citations(claim.text).rstrip(".")
        if result.label == "not_enough_evidence":
            sentences.append(i18n.text(language, "limits_silent", claim=quoted))
        elif result.label == "conflicting":
            sentences.append(i18n.text(language, "limits_disagree", claim=quoted))
    sentences.append(i18n.text(language, "limits_scope"))
    return Section(
        heading=i18n.text(language, "limits_heading"), body=" ".join(sentences), kind="limits"
    )


def write(
    llm: LLM,
    understanding: Understanding,
    evidence: Sequence[Evidence],
    verdict: Verdict,
    *,
    per_section: int,
    min_sections: int,
    max_sections: int,
    section_max_tokens: int,
    considered: int,
    min_relevance: float,
) -> Draft:
    language = LANGUAGE_NAMES.get(understanding.language, "English")
    claim = understanding.claims[0].text
    sections: list[Section] = []
    chosen = writing_evidence(evidence, min_relevance, min_sections)
    for group in group_evidence(chosen, per_section, min_sections, max_sections - 1):
        passages = "\n\n".join(
            evidence_block(
                e.key, e.passage.title, e.passage.outlet or e.passage.domain, e.passage.text
            )
            for e in group
        )
        request = SECTION.render(
            max_tokens=section_max_tokens, language=language, passages=passages
        )
        written = parse_labelled(llm.name, llm.complete(request), ("Heading", "Text"), "Text")
        heading = written["Heading"].strip(" *#.") or group[0].passage.title
        sections.append(Section(heading=heading, body=whole_sentences(written["Text"])))
    section_text = "\n".join(f"- {s.heading}: {s.body}" for s in sections) or "(none)"
    summary = parse_labelled(
        llm.name,
        llm.complete(
            SUMMARY.render(
                language=language,
                claim=claim,
                verdict=VERDICT_WORDS[verdict.label],
                sections=section_text,
            )
        ),
        ("Summary", "Bottom line"),
        "Summary",
    )
    sections.append(limits_section(understanding, verdict, considered, len(evidence)))
    return Draft(
        executive_summary=summary["Summary"],
        sections=sections,
        bottom_line=summary["Bottom line"],
    )
