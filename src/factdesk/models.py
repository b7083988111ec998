"""Typed records that cross every pipeline stage boundary.

Each stage takes and returns these models, so a stage can be tested, replaced or
run remotely without guessing at the shape of its inputs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

VerdictLabel = Literal["supported", "refuted", "conflicting", "not_enough_evidence"]
VERDICT_LABELS: tuple[VerdictLabel, ...] = (
    "supported",
    "refuted",
    "conflicting",
    "not_enough_evidence",
)
StanceLabel = Literal["supports", "refutes", "context"]
SourceType = Literal[
    "government", "news", "fact_checker", "encyclopedia", "academic", "blog_social", "other"
]
Category = Literal[
    "politics",
    "health",
    "science",
    "technology",
    "media",
    "economy",
    "environment",
    "history",
    "culture",
    "sports",
    "law",
    "other",
]
CATEGORIES: tuple[Category, ...] = (
    "politics",
    "health",
    "science",
    "technology",
    "media",
    "economy",
    "environment",
    "history",
    "culture",
    "sports",
    "law",
    "other",
)
QueryAngle = Literal["claim", "keywords", "official", "critics", "data", "fact_check", "background"]
CheckStatus = Literal["running", "done", "failed"]


class Claim(BaseModel):
    """One checkable statement derived from the question."""

    id: str
    text: str


class Understanding(BaseModel):
    """The question as the rest of the pipeline sees it."""

    question: str
    normalized: str
    language: str = "en"
    category: Category = "other"
    claims: list[Claim]


class SearchQuery(BaseModel):
    text: str
    angle: QueryAngle = "claim"


class Document(BaseModel):
    """A source document before it is cut into passages."""

    id: str
    title: str
    text: str
    url: str = ""
    domain: str = ""
    outlet: str = ""
    published: date | None = None
    source_type: SourceType = "other"


class Passage(BaseModel):
    """A chunk of a document: the unit that is retrieved, judged and cited."""

    id: str
    doc_id: str
    title: str
    text: str
    url: str = ""
    domain: str = ""
    outlet: str = ""
    published: date | None = None
    source_type: SourceType = "other"
    position: int = 0


class Hit(BaseModel):
    """A passage returned by a search backend for one query.

    `snippet` marks a web search result: its passage is only the search engine's
    summary, and the fetch stage replaces it with passages of the page itself.
    """

    passage: Passage
    score: float
    backend: str
    query: str = ""
    rank: int = 0
    snippet: bool = False


class WebResult(BaseModel):
    """One result of a web search API, as the API gave it (untrusted text)."""

    url: str
    title: str = ""
    snippet: str = ""
    published: date | None = None


FetchStatus = Literal["fetched", "cached", "refused", "robots", "unsupported", "failed"]


class Page(BaseModel):
    """A fetched web page (or PDF) reduced to its main text and metadata."""

    url: str
    final_url: str
    title: str = ""
    author: str = ""
    sitename: str = ""
    published: date | None = None
    text: str
    content_type: str = ""
    retrieved_at: datetime
    sha256: str = ""
    truncated: bool = False
    removed: list[str] = Field(default_factory=list)


class PageRecord(BaseModel):
    """What the fetch stage did with one URL, so a report shows exactly what was read.

    `removed` lists sentences addressed to AI systems that were cut before any model
    read the page (see `untrusted.defuse`).
    """

    url: str
    final_url: str = ""
    status: FetchStatus
    retrieved_at: datetime | None = None
    sha256: str = ""
    content_type: str = ""
    title: str = ""
    author: str = ""
    chars: int = 0
    truncated: bool = False
    removed: list[str] = Field(default_factory=list)
    error: str = ""


class Fetched(BaseModel):
    """The outcome of fetching one URL: always a record, and the page when it was read."""

    record: PageRecord
    page: Page | None = None


class StanceScores(BaseModel):
    """Probabilities that a passage supports, refutes or only gives context for a claim."""

    supports: float = 0.0
    refutes: float = 0.0
    context: float = 1.0


class StanceJudgement(BaseModel):
    """`scores` are calibrated; `raw` is what the model said (None when it was not asked)."""

    claim_id: str
    passage_id: str
    stance: StanceLabel
    scores: StanceScores
    raw: StanceScores | None = None
    relevance: float = 0.0


class ClaimAssessment(BaseModel):
    """The model's judgement of a claim against all its on-topic passages at once:
    probabilities that the evidence shows it true, false, mixed, or does not say."""

    claim_id: str
    true: float = 0.0
    false: float = 0.0
    mixed: float = 0.0
    unknown: float = 1.0
    passages: int = 0


class Evidence(BaseModel):
    """A passage chosen for the report, keyed for the writer (`key` 1..k)."""

    key: int
    passage: Passage
    relevance: float
    judgements: list[StanceJudgement] = Field(default_factory=list)

    def stance(self) -> StanceLabel:
        """The strongest stance this passage takes toward any claim."""
        if not self.judgements:
            return "context"
        best = max(self.judgements, key=lambda j: max(j.scores.supports, j.scores.refutes))
        return best.stance


class ClaimVerdict(BaseModel):
    claim_id: str
    label: VerdictLabel
    confidence: float
    support: float = 0.0
    refute: float = 0.0
    assessment: ClaimAssessment | None = None


class Verdict(BaseModel):
    label: VerdictLabel
    confidence: float = Field(ge=0.0, le=1.0)
    summary: str = ""
    per_claim: list[ClaimVerdict] = Field(default_factory=list)


class Section(BaseModel):
    """A numbered report section; "limits" sections speak about the evidence, not the world,
    and carry no citations."""

    heading: str
    body: str
    kind: Literal["evidence", "limits"] = "evidence"


class Draft(BaseModel):
    """Report text as written, citing evidence keys like [2]; not yet grounded."""

    executive_summary: str
    sections: list[Section]
    bottom_line: str


class Source(BaseModel):
    n: int
    title: str
    url: str = ""
    domain: str = ""
    outlet: str = ""
    published: date | None = None
    source_type: SourceType = "other"
    stance: StanceLabel = "context"
    passage_ids: list[str] = Field(default_factory=list)


class PassageRef(BaseModel):
    """A passage as recorded in the method trail."""

    passage_id: str
    title: str
    url: str = ""
    score: float = 0.0
    stance: StanceLabel | None = None


class Method(BaseModel):
    queries: list[SearchQuery] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    backend_errors: list[str] = Field(default_factory=list)
    pages: list[PageRecord] = Field(default_factory=list)
    passages_considered: list[PassageRef] = Field(default_factory=list)
    passages_used: list[PassageRef] = Field(default_factory=list)
    model: str = ""
    settings_hash: str = ""
    preset: str = ""
    timings: dict[str, float] = Field(default_factory=dict)


GroundOutcome = Literal["verified", "recited", "removed"]


class SentenceCheck(BaseModel):
    """How the ground stage judged one sentence of the draft (citations are evidence keys)."""

    text: str
    citations: list[int]
    outcome: GroundOutcome


class Grounding(BaseModel):
    sentences: int = 0
    cited: int = 0
    verified: int = 0
    removed: int = 0
    recited: int = 0
    checks: list[SentenceCheck] = Field(default_factory=list)


class Report(BaseModel):
    id: str
    question: str
    title: str
    language: str
    category: Category
    checked_on: date
    disclaimer: str
    claims: list[Claim]
    verdict: Verdict
    executive_summary: str
    sections: list[Section]
    bottom_line: str
    sources: list[Source]
    followups: list[str]
    method: Method
    grounding: Grounding


class Trail(BaseModel):
    """What a check has done so far; kept even when the check fails."""

    stages_done: list[str] = Field(default_factory=list)
    understanding: Understanding | None = None
    queries: list[SearchQuery] = Field(default_factory=list)
    hits: int = 0
    pages: list[PageRecord] = Field(default_factory=list)
    evidence: list[PassageRef] = Field(default_factory=list)
    verdict: Verdict | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    backend_errors: list[str] = Field(default_factory=list)


class CheckRecord(BaseModel):
    """A stored check: running, done with its report, or failed with its error."""

    id: str
    question: str
    status: CheckStatus
    created_at: datetime
    updated_at: datetime
    category: Category | None = None
    verdict: VerdictLabel | None = None
    settings_hash: str = ""
    report: Report | None = None
    error: str | None = None
    trail: Trail = Field(default_factory=Trail)
