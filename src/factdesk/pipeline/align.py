"""Where a quoted piece of a text lies in it, found by code, never taken from a model.

A model asked to copy a sentence changes quotes, spaces and case, or paraphrases; its
character offsets would be worse. So a quote is looked for exactly, then ignoring case,
whitespace and the style of quotation marks and dashes, then as the sentence (or two
adjacent sentences) most like it. Offsets are into the text, end exclusive.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence

from factdesk.records import Span

FUZZY_MIN_RATIO = 0.6
_FOLDED = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def _folded(text: str) -> tuple[str, list[int]]:
    """Lower-cased text with runs of whitespace made one space, and for each of its
    characters the offset of the character it came from."""
    chars: list[str] = []
    origin: list[int] = []
    for offset, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        chars.append(char.lower()[:1].translate(_FOLDED))
        origin.append(offset)
    return "".join(chars), origin


def _trimmed(text: str, span: Span) -> Span:
    """The span without the whitespace at its ends."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _loose(quote: str, text: str, within: Span) -> Span | None:
    lo, hi = within
    folded, origin = _folded(text[lo:hi])
    wanted = _folded(quote)[0].strip()
    found = folded.find(wanted) if wanted else -1
    if found < 0:
        return None
    return lo + origin[found], lo + origin[found + len(wanted) - 1] + 1


def _closest(quote: str, text: str, sentences: Sequence[Span]) -> Span | None:
    """The sentence, or pair of adjacent sentences, most like the quote."""
    wanted = _folded(quote)[0]
    candidates = [*sentences, *((a[0], b[1]) for a, b in itertools.pairwise(sentences))]
    best, best_ratio = None, FUZZY_MIN_RATIO
    for span in candidates:
        ratio = difflib.SequenceMatcher(
            None, wanted, _folded(text[span[0] : span[1]])[0], autojunk=False
        ).ratio()
        if ratio > best_ratio:
            best, best_ratio = span, ratio
    return best


def align(
    quote: str, text: str, sentences: Sequence[Span], within: Span | None = None
) -> Span | None:
    """The span of `quote` in `text` (searched inside `within` first, then everywhere),
    or None when nothing in the text is close enough to it."""
    quote = quote.strip()
    if not re.search(r"\w", quote):
        return None
    areas = [within, (0, len(text))] if within is not None else [(0, len(text))]
    for lo, hi in areas:
        found = text.find(quote, lo, hi)
        if found >= 0:
            return found, found + len(quote)
        loose = _loose(quote, text, (lo, hi))
        if loose is not None:
            return _trimmed(text, loose)
    inside = [s for s in sentences if within is None or (s[0] >= within[0] and s[1] <= within[1])]
    return _closest(quote, text, inside) or _closest(quote, text, sentences)
