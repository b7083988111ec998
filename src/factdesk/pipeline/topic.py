"""Is a passage about the claim's subject, or does it only share words with the claim?

A passage enters a report's sections, and gets a stance, only when it names the
claim's subject (or one of the short names sources use for it), or when it is so close
in meaning to the claim that it must be about it. Passages about other people who won
the same prize, or about another wall, are context at most.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from factdesk.pipeline.agreement import fold, words

_QUALIFIER = re.compile(r"^(.*?)\s*\(([^)]+)\)\s*$")


def mention_count(text: str, names: Sequence[str]) -> int:
    """How often `text` names any of `names` as whole words, ignoring case and accents."""
    folded = fold(text)
    return sum(
        len(re.findall(r"(?<!\w)" + re.escape(fold(name).strip()) + r"(?!\w)", folded))
        for name in names
        if name.strip()
    )


def mentions(text: str, names: Sequence[str]) -> bool:
    return mention_count(text, names) > 0


def namesake(title: str, subjects: Sequence[str], claim: str) -> bool:
    """A title that names the subject with a qualifier the claim does not share is about
    something else of the same name: "Mercury (element)" for a claim about the planet
    Mercury, while "Mercury (planet)" is about it."""
    match = _QUALIFIER.match(title)
    if match is None or not mentions(match.group(1), subjects):
        return False
    return not words(match.group(2)) & words(claim)


def on_topic(
    title: str,
    text: str,
    relevance: float,
    subjects: Sequence[str],
    close: float,
    claim: str = "",
) -> bool:
    """About the subject: its title names it, its text names it more than in passing
    (twice: a list of planets or a founder's descendants name it once), or its meaning
    is `close` to the claim's. A namesake's page counts only by its meaning. With no
    known subject every passage counts, as before subjects were known."""
    if not subjects or relevance >= close:
        return True
    if claim and namesake(title, subjects, claim):
        return False
    return mentions(title, subjects) or mention_count(text, subjects) >= 2
