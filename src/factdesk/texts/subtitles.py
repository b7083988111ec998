"""Subtitles (.srt, .vtt) as plain text with a cue map: one cue's text a line, and for
each cue where its text lies and when it is spoken, so a claim's span gives its time."""

from __future__ import annotations

import re

from factdesk.errors import InputError
from factdesk.records import Cue

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TIME})\s*-->\s*({_TIME})")
_MARKUP = re.compile(r"<[^>\n]{0,200}>|\{\\[^}\n]{0,100}\}")  # <i>, <v Speaker>, {\an8}
_NOT_CUES = ("NOTE", "STYLE", "REGION")  # WebVTT blocks that hold no spoken text


def seconds(stamp: str) -> float:
    """`01:02:03,500`, `02:03.500` or `2:03.5` in seconds."""
    clock, _, fraction = stamp.replace(",", ".").rpartition(".")
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + int(part)
    return total + float(f"0.{fraction}")


def looks_like_subtitles(text: str) -> bool:
    head = text.lstrip("\ufeff \n")[:500]
    first_block = head.split("\n\n", 1)[0]
    return head.startswith("WEBVTT") or any(_TIMING.match(line) for line in first_block.split("\n"))


def _cue_lines(block: str) -> tuple[float, float, list[str]] | None:
    lines = block.strip("\n").split("\n")
    if not lines or lines[0].strip().startswith(_NOT_CUES):
        return None
    for number, line in enumerate(lines):
        timing = _TIMING.match(line)
        if timing:
            words = [" ".join(_MARKUP.sub("", t).split()) for t in lines[number + 1 :]]
            return seconds(timing.group(1)), seconds(timing.group(2)), [w for w in words if w]
    return None


def parse_subtitles(raw: str, origin: str) -> tuple[str, list[Cue]]:
    """The cues' text, one cue a line, and the cue map. Rolling captions (each cue
    repeating the previous cue's last line) and repeated cues are read once."""
    texts: list[str] = []
    times: list[tuple[float, float]] = []
    previous: list[str] = []
    for block in re.split(r"\n[ \t]*\n", raw.replace("\r\n", "\n").replace("\r", "\n")):
        cue = _cue_lines(block)
        if cue is None:
            continue
        start_s, end_s, lines = cue
        if lines and previous and lines[0] == previous[-1]:
            lines = lines[1:]
        if lines:
            previous = lines
        text = " ".join(lines)
        if texts and text in ("", texts[-1]):  # nothing new: the cue before lasts longer
            times[-1] = (times[-1][0], end_s)
            continue
        if not text:
            continue
        texts.append(text)
        times.append((start_s, end_s))
    if not texts:
        raise InputError(f"{origin} has no subtitle cues with text.")
    cues: list[Cue] = []
    offset = 0
    for text, (start_s, end_s) in zip(texts, times, strict=True):
        cues.append(Cue(start=offset, end=offset + len(text), start_s=start_s, end_s=end_s))
        offset += len(text) + 1
    return "\n".join(texts), cues
