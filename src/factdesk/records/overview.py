"""A whole text checked claim by claim: the text read, its claims, and the overview report.

Spans are character offsets into `SourceText.text`, end exclusive: the plain text read
from the input (the main text of an HTML page or PDF, Markdown without its markup, the
cue texts of a transcript joined by newlines), after line endings are normalised and
control characters removed. That text is kept with the overview, so every span can be
shown and checked again.
"""

from __future__ import annotations

import typing
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.records.report import Grounding, Report, Section, Source, StageUsage, VerdictLabel
from factdesk.records.sources import PageRecord

TextKind = Literal["text", "markdown", "html", "pdf", "subtitles", "web"]
Worth = Literal[
    "factual", "opinion", "prediction", "question", "greeting", "joke", "call_to_action", "vague"
]
WORTH: tuple[Worth, ...] = typing.get_args(Worth)
Span = tuple[int, int]


class Cue(BaseModel):
    """One subtitle cue: where its text lies in the plain text, and when it is spoken."""

    start: int
    end: int
    start_s: float
    end_s: float


class SourceText(BaseModel):
    """The input as read: its plain text (what spans point into) and where it came from."""

    text: str
    kind: TextKind
    title: str = ""
    origin: str = Field(default="", description="The file name or URL read.")
    cues: list[Cue] = Field(default_factory=list)
    page: PageRecord | None = Field(default=None, description="How a web page was fetched.")

    def times(self, span: Span) -> tuple[float, float] | None:
        """When a span of a transcript is spoken: from the start of the cue holding its
        first character to the end of the cue holding its last; None for other texts."""
        start, end = span
        first = next((c for c in self.cues if c.end > start), None)
        last = next((c for c in reversed(self.cues) if c.start < end), None)
        if first is None or last is None:
            return None
        return first.start_s, max(first.end_s, last.end_s)


class TextClaim(BaseModel):
    """One statement of the text, checked or not, in reading order (`n` from 1).

    `spans` are where it is said (a repeated claim keeps every place); `reason` says why
    a statement was not checked ("opinion", or that it ranked below the checked ones).
    The check fills `label` to `report`; `paragraph` cites the overview's sources.
    """

    n: int
    text: str
    quote: str
    spans: list[Span]
    category: Worth
    worth: float = Field(default=0.0, description="How check-worthy, 0 to 1: the ranking.")
    checked: bool = False
    reason: str = ""
    times: tuple[float, float] | None = None
    label: VerdictLabel | None = None
    confidence: float | None = None
    paragraph: str = ""
    sources: list[int] = Field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    report: Report | None = Field(default=None, description="The claim's own full check.")

    @property
    def span(self) -> Span:
        return self.spans[0]


class OverviewMethod(BaseModel):
    """How the overview was made: extraction counts, model, settings, time and tokens."""

    extraction: str = ""
    sentences: int = 0
    statements: int = 0
    check_worthy: int = 0
    checked: int = 0
    model: str = ""
    settings_hash: str = ""
    preset: str = ""
    timings: dict[str, float] = Field(default_factory=dict)
    usage: dict[str, StageUsage] = Field(default_factory=dict)


class Overview(BaseModel):
    """The report of a whole text: the usual anatomy, a verdict per checked claim, and the
    text itself with every claim's spans."""

    id: str
    title: str
    language: str
    checked_on: date
    disclaimer: str
    source: SourceText
    claims: list[TextClaim]
    executive_summary: str
    sections: list[Section]
    bottom_line: str
    sources: list[Source]
    followups: list[str]
    method: OverviewMethod
    grounding: Grounding


class TextProgress(BaseModel):
    """How far an unfinished whole-text check got, stored after its extraction and after
    each claim: what a failed or interrupted check keeps, and what resuming it starts
    from (only with the same settings, as a single check's trail)."""

    settings_hash: str
    sentences: int
    claims: list[TextClaim] = Field(
        description="Every statement in reading order; a checked claim has its verdict "
        "(or its error) once its check finished."
    )
    extraction: StageUsage = Field(default_factory=StageUsage)
    timings: dict[str, float] = Field(default_factory=dict)


class TextCheckRecord(BaseModel):
    """A stored whole-text check (from `check --text/--url` or the web): the text as
    read, its progress while it runs, then its overview or the error that stopped it
    with the progress made. It is stored only once its input was read without error."""

    id: str
    status: Literal["running", "done", "failed"]
    created_at: datetime
    updated_at: datetime
    source: SourceText
    overview: Overview | None = None
    progress: TextProgress | None = None
    error: str | None = None
