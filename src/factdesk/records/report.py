"""What the stages make of the evidence: claims, stances, verdicts, and the report."""

from __future__ import annotations

import typing
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from factdesk.records.sources import (
    CredibilityTier,
    PageRecord,
    Passage,
    SourcePolicy,
    SourceType,
)

VerdictLabel = Literal["supported", "refuted", "conflicting", "not_enough_evidence"]
VERDICT_LABELS: tuple[VerdictLabel, ...] = typing.get_args(VerdictLabel)
StanceLabel = Literal["supports", "refutes", "context"]
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
CATEGORIES: tuple[Category, ...] = typing.get_args(Category)
QueryAngle = Literal["claim", "keywords", "official", "critics", "data", "fact_check", "background"]


class Claim(BaseModel):
    """One checkable statement derived from the question."""

    id: str
    text: str


AgreementLabel = Literal["unchecked", "agree", "differ", "unanswered"]


class PointCheck(BaseModel):
    """The claim's exact point, put as the question a reference work answers ("When was
    the Berlin Wall built?") with the answer the claim gives ("1975"); the point stage adds
    what the evidence answers and whether the two agree."""

    question: str
    claimed: str
    answer: str = ""
    statement: str = ""
    keys: list[int] = Field(default_factory=list)
    outcome: AgreementLabel = "unchecked"
    decided_by: Literal["", "code", "model"] = ""


class Understanding(BaseModel):
    """The question as the rest of the pipeline sees it. `claims`, `subjects` and the
    point are in English, the language searches and evidence are read in; `language` is
    the question's, which the report is written in."""

    question: str
    normalized: str
    language: str = "en"
    category: Category = "other"
    claims: list[Claim]
    subjects: list[str] = Field(default_factory=list)
    point: PointCheck | None = None
    restatement: str = Field(
        default="",
        description="The model's English restatement when it was not faithful enough to be "
        "the claim: still a useful search query for a question in another language.",
    )


class SearchQuery(BaseModel):
    text: str
    angle: QueryAngle = "claim"


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
    on_topic: bool = True
    judgements: list[StanceJudgement] = Field(default_factory=list)

    def stance(self) -> StanceLabel:
        """The strongest stance this passage takes toward any claim; a passage not about
        the claim's subject is context whatever it was judged (the verdict weighs its
        judgement, but a reader is never told that it supports or refutes the claim)."""
        if not self.judgements or not self.on_topic:
            return "context"
        best = max(self.judgements, key=lambda j: max(j.scores.supports, j.scores.refutes))
        return best.stance

    def ref(self) -> PassageRef:
        """This passage as the method trail lists it."""
        return PassageRef(
            passage_id=self.passage.id,
            title=self.passage.title,
            url=self.passage.url,
            score=self.relevance,
            stance=self.stance(),
        )


class ClaimVerdict(BaseModel):
    """One claim's verdict; `reason` says why a rule overrode the calibrated scores."""

    claim_id: str
    label: VerdictLabel
    confidence: float
    support: float = 0.0
    refute: float = 0.0
    assessment: ClaimAssessment | None = None
    reason: str = ""


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
    """Report text as written, citing evidence keys like [2] until sources are numbered.

    The writer fills `sections` and `facts` (the sentences that decide the verdict, in the
    sources' language); grounding keeps only what the passages support; the compose stage
    writes the summary and bottom line from the facts, in the reader's language.
    """

    executive_summary: str = ""
    sections: list[Section]
    bottom_line: str = ""
    facts: list[str] = Field(default_factory=list)


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
    tier: CredibilityTier | None = Field(
        default=None, description="The domain's credibility tier; None when it is not listed."
    )
    archived_url: str = Field(
        default="", description="The desk's archived copy of the cited passages (a path)."
    )
    sha256: str = Field(default="", description="SHA-256 of the archived copy's text.")


class PassageRef(BaseModel):
    """A passage as recorded in the method trail."""

    passage_id: str
    title: str
    url: str = ""
    score: float = 0.0
    stance: StanceLabel | None = None


class StageUsage(BaseModel):
    """Model calls a stage made and the tokens they cost."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Method(BaseModel):
    """The method trail as a report shows it: a view of the run record (`Trail.method`)."""

    queries: list[SearchQuery] = Field(default_factory=list)
    backends: list[str] = Field(default_factory=list)
    backend_errors: list[str] = Field(default_factory=list)
    source_policy: SourcePolicy = Field(default_factory=SourcePolicy)
    excluded_domains: list[str] = Field(
        default_factory=list, description="Domains of results the source policy left out."
    )
    pages: list[PageRecord] = Field(default_factory=list)
    passages_considered: list[PassageRef] = Field(default_factory=list)
    passages_used: list[PassageRef] = Field(default_factory=list)
    model: str = ""
    settings_hash: str = ""
    preset: str = ""
    timings: dict[str, float] = Field(default_factory=dict)
    usage: dict[str, StageUsage] = Field(default_factory=dict)


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
