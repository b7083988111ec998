"""Citation faithfulness of full reports, judged independently of the ground stage.

    python bench/faithfulness.py --corpus C --claims Q [--limit 30] [--name NAME]

Writes full reports for the first claims of a benchmark (search over the benchmark's
own corpus; reports are stored in FACTDESK_HOME/faithfulness.sqlite3), then checks
every cited sentence against the passages of the sources it cites, with two judges
that differ from the ground stage's: (1) lexical entailment by unigram and bigram
recall, numbers required, and (2) the model asked a differently worded True/False
question with the statement first. Each claim's judged sentences are appended to
FACTDESK_HOME/NAME.sentences.jsonl (they quote the benchmark's passages, so they stay out
of the repository), and an interrupted run continues where it stopped.
Prints and saves the share of cited sentences each judge finds supported.
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import time
from pathlib import Path

from pydantic import BaseModel

from factdesk import citations
from factdesk.backends.search.local import LocalIndex
from factdesk.eval import corpus_index, load_claims
from factdesk.pipeline import Desk, run_check
from factdesk.plugins import BuildContext, build_llm
from factdesk.protocols import LLM, ChatMessage, LLMRequest
from factdesk.records import Report
from factdesk.settings import Settings
from factdesk.store.sqlite import SQLiteStore
from factdesk.untrusted import clean_untrusted

from common import save

LEXICAL_PASS = 0.6
MODEL_PASS = 0.5
GROUNDING_COUNTS = ("sentences", "verified", "recited", "removed")
WORD = re.compile(r"[a-z0-9]+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
FILLER = {
    "the",
    "a",
    "an",
    "of",
    "to",
    "in",
    "and",
    "or",
    "is",
    "was",
    "were",
    "are",
    "be",
    "that",
    "this",
    "it",
    "its",
    "for",
    "on",
    "by",
    "with",
    "as",
    "at",
    "from",
    "has",
    "have",
    "had",
    "which",
    "who",
    "also",
    "their",
    "they",
    "there",
}


def lexical_entailment(sentence: str, passage: str) -> float:
    """Mean of unigram and bigram recall of the sentence in the passage; 0 when a number
    in the sentence is missing from the passage."""
    words = [w for w in WORD.findall(sentence.lower()) if w not in FILLER]
    text = [w for w in WORD.findall(passage.lower()) if w not in FILLER]
    if not words:
        return 0.0
    if not set(NUMBER.findall(sentence)) <= set(NUMBER.findall(passage)):
        return 0.0
    unigrams = sum(w in set(text) for w in words) / len(words)
    pairs = list(itertools.pairwise(words))
    passage_pairs = set(itertools.pairwise(text))
    bigrams = sum(p in passage_pairs for p in pairs) / len(pairs) if pairs else unigrams
    return (unigrams + bigrams) / 2


def model_entailment(llm: LLM, sentence: str, passage: str) -> float:
    request = LLMRequest(
        kind="faithfulness",
        max_tokens=1,
        messages=[
            ChatMessage(role="system", content="You are a careful proof-reader of citations."),
            ChatMessage(
                role="user",
                content=(
                    f"Statement: {sentence}\n\nSource text: {clean_untrusted(passage, 1200)}\n\n"
                    "Is every fact in the statement stated in the source text? Answer True or "
                    "False."
                ),
            ),
        ],
    )
    return llm.classify(request, ("True", "False")).probs["True"]


class JudgedSentence(BaseModel):
    claim: str
    report: str
    sentence: str
    sources: list[int]
    lexical: float
    model: float


class ClaimRecord(BaseModel):
    """One report's outcome, one line of the resumable sentences file."""

    claim: str
    seconds: float
    grounding: dict[str, int]
    sentences: list[JudgedSentence]


def cited_sentences(report: Report) -> list[tuple[str, list[int]]]:
    texts = [
        report.executive_summary,
        report.bottom_line,
        *(s.body for s in report.sections if s.kind == "evidence"),
    ]
    return [(s.text, s.keys) for text in texts for s in citations.split_cited(text) if s.keys]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--claims", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--name", default="faithfulness")
    args = parser.parse_args()

    settings = Settings()
    context = BuildContext(settings)
    embedder = context.embedder
    index = corpus_index(context, args.corpus)
    llm = build_llm("llm", context)
    desk = Desk(
        settings=settings,
        llm=llm,
        embedder=embedder,
        searchers=[index],
        store=SQLiteStore(settings.home / "faithfulness.sqlite3"),
    )

    log = settings.home / f"{args.name}.sentences.jsonl"
    records = (
        [ClaimRecord.model_validate_json(line) for line in log.read_text().splitlines() if line]
        if log.is_file()
        else []
    )
    done = {r.claim for r in records}
    with log.open("a", encoding="utf-8") as handle:
        for claim in load_claims(args.claims)[: args.limit]:
            if claim.id not in done:
                record = judge_report(desk, index, llm, claim.id, claim.claim)
                handle.write(record.model_dump_json() + "\n")
                handle.flush()
                records.append(record)
                print(
                    f"{claim.id}: {len(record.sentences)} cited sentences, {record.seconds:.0f} s",
                    flush=True,
                )
    summarise(args, records, llm.name)


def judge_report(desk: Desk, index: LocalIndex, llm: LLM, claim_id: str, text: str) -> ClaimRecord:
    started = time.perf_counter()
    report = run_check(desk, text).report
    seconds = time.perf_counter() - started
    assert report is not None
    sources = {s.n: s for s in report.sources}
    texts = {
        pid: p.text
        for pid, p in index.get([pid for s in report.sources for pid in s.passage_ids]).items()
    }
    judged = []
    for sentence, numbers in cited_sentences(report):
        passages = [texts[pid] for n in numbers for pid in sources[n].passage_ids]
        judged.append(
            JudgedSentence(
                claim=claim_id,
                report=report.id,
                sentence=sentence,
                sources=numbers,
                lexical=round(max(lexical_entailment(sentence, p) for p in passages), 3),
                model=round(max(model_entailment(llm, sentence, p) for p in passages), 3),
            )
        )
    return ClaimRecord(
        claim=claim_id,
        seconds=round(seconds, 1),
        grounding={key: getattr(report.grounding, key) for key in GROUNDING_COUNTS},
        sentences=judged,
    )


def summarise(args: argparse.Namespace, records: list[ClaimRecord], model_name: str) -> None:
    sentences = [s for r in records for s in r.sentences]
    lexical = [s.lexical >= LEXICAL_PASS for s in sentences]
    model = [s.model >= MODEL_PASS for s in sentences]
    either = [a or b for a, b in zip(lexical, model, strict=True)]
    both = [a and b for a, b in zip(lexical, model, strict=True)]
    shares = {
        name: round(sum(v) / len(v), 4) if v else None
        for name, v in (("lexical", lexical), ("model", model), ("either", either), ("both", both))
    }
    grounding = {key: sum(r.grounding[key] for r in records) for key in GROUNDING_COUNTS}
    print(f"{len(sentences)} cited sentences in {len(records)} reports; supported by: {shares}")
    save(
        args.name,
        {
            "claims_file": str(args.claims),
            "reports": len(records),
            "cited_sentences": len(sentences),
            "thresholds": {"lexical": LEXICAL_PASS, "model": MODEL_PASS},
            "supported_share": shares,
            "ground_stage_counts": grounding,
            "seconds_per_report": round(statistics.median(r.seconds for r in records), 1),
            "model": model_name,
        },
    )


if __name__ == "__main__":
    main()
