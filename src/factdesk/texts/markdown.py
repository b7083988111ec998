"""Markdown as the plain text a reader sees: markup, link targets and code blocks gone.

Each line stays a line (a heading or list item is its own sentence when the text is
split), so spans point at the words as written, without their markup."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_LEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+)+")
_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference links
    (re.compile(r"<[^>\n]{1,200}>"), ""),  # inline HTML
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),  # code spans
    (re.compile(r"\s+#+\s*$"), ""),  # closing hashes of a heading
)


def markdown_text(markdown: str) -> str:
    lines: list[str] = []
    in_code = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_code = not in_code
            continue
        if in_code or _RULE.match(line) or _LINK_DEFINITION.match(line):
            continue
        if _TABLE_RULE.match(line) and "-" in line:
            continue
        line = _LEADING.sub("", line)
        for pattern, replacement in _INLINE:
            line = pattern.sub(replacement, line)
        if "|" in line:
            line = " ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        lines.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
