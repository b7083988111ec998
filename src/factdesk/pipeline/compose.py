"""Stage 11: the report in the reader's language, and its summary and bottom line.

Everything the model wrote (section headings and text, the deciding facts, the
follow-up questions) was written and grounded in English, the language of the
evidence; when the question is in another language it is translated here in one pass,
line by line, and a line whose citations do not survive the translation stays in
English rather than lose them. The summary and the bottom line are then put together
by code from the verified facts and fixed sentences in the reader's language, so they
state the deciding facts with their citations and can never contradict the verdict.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from factdesk import citations, i18n
from factdesk.prompts import TRANSLATE
from factdesk.protocols import LLM
from factdesk.records import Draft, PointCheck, Section, Understanding, Verdict

_LINE = re.compile(r"^\s*(\d+)[.)]\s*(.+?)\s*$")


def _translated(llm: LLM, texts: Sequence[str], language: str) -> dict[int, str]:
    """The model's translation of each numbered line it returned (numbers from 1)."""
    lines = "\n".join(f"{n}. {' '.join(t.split())}" for n, t in enumerate(texts, start=1))
    budget = min(2000, 40 + 2 * len(lines) // 3)
    name = i18n.language_name(language)
    request = TRANSLATE.render(lines=lines, language=name, max_tokens=budget)
    return {
        int(m.group(1)): m.group(2)
        for m in map(_LINE.match, llm.complete(request).text.splitlines())
        if m is not None
    }


def translate(llm: LLM, texts: Sequence[str], language: str) -> list[str]:
    """`texts` in `language`. Lines the model skipped, merged or copied unchanged are asked
    for once more together, then one at a time; a line whose translation still lacks
    it, or cites other sources, stays in English."""
    if i18n.supported(language) == "en" or not texts:
        return list(texts)
    found = _translated(llm, texts, language)

    def good(n: int) -> bool:
        source, cited = texts[n - 1], set(citations.parse_keys(texts[n - 1]))
        copied = " ".join(found.get(n, "").split()) == " ".join(source.split())
        if not found.get(n) or (copied and len(source.split()) > 3):
            return False  # a sentence copied word for word was not translated; a name may be
        return set(citations.parse_keys(found[n])) == cited

    missing = [n for n in range(1, len(texts) + 1) if not good(n)]
    if missing:
        again = _translated(llm, [texts[n - 1] for n in missing], language)
        found.update({n: again[i] for i, n in enumerate(missing, start=1) if i in again})
    for n in [n for n in missing if not good(n)]:
        # A line still copied is asked for alone: in a list a small model sometimes
        # copies the same lines in every pass (two German follow-ups, twice).
        alone = _translated(llm, [texts[n - 1]], language)
        if 1 in alone:
            found[n] = alone[1]
    return [found[n] if good(n) else text for n, text in enumerate(texts, start=1)]


def limits_section(
    understanding: Understanding, verdict: Verdict, unanswered: str, considered: int, used: int
) -> Section:
    """What the check could not establish, stated about the evidence, not about the world;
    `unanswered` is the claim's point when the sources leave it open (already in the
    reader's language)."""
    language = understanding.language
    sentences = [i18n.text(language, "limits_read", used=used, considered=considered)]
    quoted = citations.strip_citations(understanding.normalized).rstrip(".?¿¡! ")
    if verdict.label == "not_enough_evidence":
        sentences.append(i18n.text(language, "limits_silent", claim=quoted))
    elif verdict.label == "conflicting":
        sentences.append(i18n.text(language, "limits_disagree", claim=quoted))
    if unanswered:
        sentences.append(i18n.text(language, "limits_unanswered", question=unanswered))
    sentences.append(i18n.text(language, "limits_scope"))
    return Section(
        heading=i18n.text(language, "limits_heading"), body=" ".join(sentences), kind="limits"
    )


def compose(
    llm: LLM,
    understanding: Understanding,
    verdict: Verdict,
    draft: Draft,
    followups: Sequence[str],
    point: PointCheck | None,
    *,
    considered: int,
    used: int,
) -> tuple[Draft, list[str], Verdict]:
    """The finished text in the reader's language, the follow-up questions, and the
    verdict with the reasons its rules gave (shown in the method trail) translated too."""
    language = understanding.language
    sections = [s for s in draft.sections if s.kind == "evidence"]
    # Open only when no passage gave an answer: an answer the comparison could not
    # decide is in the point's section, and a limit saying "not answered" would contradict it.
    open_point = point is not None and point.outcome == "unanswered" and not point.keys
    open_point = open_point and verdict.label != "not_enough_evidence"
    reasons = [v.reason for v in verdict.per_claim if v.reason]
    texts = [*(s.heading for s in sections), *(s.body for s in sections), *draft.facts]
    done = translate(llm, [*texts, *reasons], language)
    count, facts_end = len(sections), len(texts)
    headings, bodies = done[:count], done[count : 2 * count]
    facts, told = done[2 * count : facts_end], iter(done[facts_end:])
    explained = [
        v.model_copy(update={"reason": next(told)}) if v.reason else v for v in verdict.per_claim
    ]
    # The questions go in a list of their own: at the end of a long list a small model
    # shifted them by a line (a German report asked one follow-up twice, two in English).
    asked = [*followups, *([point.question] if point is not None and open_point else [])]
    questions = translate(llm, asked, language)
    unanswered = questions.pop() if open_point else ""
    limits = limits_section(understanding, verdict, unanswered, considered, used)
    therefore = i18n.text(language, f"therefore_{verdict.label}")
    summary = " ".join([*facts, therefore]) if facts else verdict.summary
    label = i18n.text(language, f"label_{verdict.label}")
    bottom = f"{label}: {facts[0]}" if facts else verdict.summary
    written = [
        section.model_copy(update={"heading": heading, "body": body})
        for section, heading, body in zip(sections, headings, bodies, strict=True)
    ]
    composed = Draft(
        executive_summary=summary,
        sections=[*written, limits],
        bottom_line=bottom,
        facts=facts,
    )
    return composed, list(questions), verdict.model_copy(update={"per_claim": explained})
