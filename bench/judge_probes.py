"""Do other questions about the same evidence tell the verdict labels apart?

    python bench/judge_probes.py --corpus C --predictions P.jsonl --rows OUT.jsonl
        [--per-label '{"not_enough_evidence": 20, ...}'] [--name NAME]

The verdict stage reads one claim-level question (True/False/Mixed/Unknown). On
AVeriTeC its not-enough-evidence claims get the same answer probabilities as its
refuted ones, so no calibration can separate them. This script asks, after the same
evidence and claim (the judge's cached prefix, so each extra question costs a few
tokens), other questions a fact-checker would ask, for a stratified sample of claims
of a finished `factdesk eval` run (its `.trace.jsonl` gives each claim's passages), and
reports per gold label the mean probabilities, per question how well the first
answer's probability (and their standardised average) ranks one label above another
(AUC; 0.5 is no signal), and how the questions' first answers correlate. A question
worth adding to the pipeline must separate what the judge does not.
Rows go to --rows (they name the benchmark's claim ids, so they stay out of the
repository); an interrupted run continues where it stopped.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from factdesk import eval as ev
from factdesk.pipeline.stance import JUDGE_CHOICES, JUDGE_PASSAGES
from factdesk.plugins import BuildContext, build_llm
from factdesk.prompts import JUDGE, Prompt, numbered_passages
from factdesk.protocols import LLM
from factdesk.records import VERDICT_LABELS, Document
from factdesk.settings import Settings

from common import save

# The judge's user message is "<evidence and claim>\n\n<question>": the probes keep the
# first part, so they read exactly what the shipped judge reads.
EVIDENCE_AND_CLAIM, _, JUDGE_QUESTION = JUDGE.user.rpartition("\n\n")
QUESTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "judge": (JUDGE_QUESTION, JUDGE_CHOICES),
    "enough": (
        "Does the evidence contain enough information to decide whether the claim is true "
        "or false? Answer Yes or No.",
        ("Yes", "No"),
    ),
    "misleading": (
        "Even if parts of it are true, is the claim misleading or missing important "
        "context? Answer Yes or No.",
        ("Yes", "No"),
    ),
    "partly": (
        "According to the evidence, is the claim fully true, partly true, false, or not "
        "addressed? Answer Fully, Partly, False or Unaddressed.",
        ("Fully", "Partly", "False", "Unaddressed"),
    ),
    "direct": (
        "Do the passages directly address this exact claim? Answer Yes or No.",
        ("Yes", "No"),
    ),
}
PAIRS = (
    ("supported", "refuted"),
    ("not_enough_evidence", "refuted"),
    ("conflicting", "refuted"),
    ("supported", "conflicting"),
)


def probe(question: str) -> Prompt:
    """The judge's own system message and evidence, so the model's cache is reused."""
    return Prompt(
        kind="judge",
        system=JUDGE.system,
        user=f"{EVIDENCE_AND_CLAIM}\n\n{question}",
        max_tokens=1,
    )


def auc(high: list[float], low: list[float]) -> float:
    """P(a score from `high` exceeds one from `low`), ties counted half."""
    a, b = np.array(high)[:, None], np.array(low)[None, :]
    return float(np.mean((a > b) + 0.5 * (a == b)))


def sample(traces: list[ev.ClaimTrace], per_label: dict[str, int]) -> list[ev.ClaimTrace]:
    rng = random.Random(7)
    chosen: list[ev.ClaimTrace] = []
    for label, count in per_label.items():
        group = [t for t in traces if t.gold == label]
        rng.shuffle(group)
        chosen += group[:count]
    rng.shuffle(chosen)
    return chosen


def ask(llm: LLM, corpus: dict[str, Document], trace: ev.ClaimTrace) -> dict[str, Any] | None:
    """Every question about the passages the judge read for this claim (None: it read none)."""
    asked = sorted(
        (e for e in trace.evidence if e.raw.get("C1") is not None), key=lambda e: -e.relevance
    )[:JUDGE_PASSAGES]
    if not asked:
        return None
    passages = numbered_passages([(corpus[e.passage].title, corpus[e.passage].text) for e in asked])
    started = time.perf_counter()
    row: dict[str, Any] = {"id": trace.id, "gold": trace.gold}
    for name, (question, choices) in QUESTIONS.items():
        row[name] = llm.classify(
            probe(question).render(claim=trace.claims[0], passages=passages), choices
        ).probs
    row["seconds"] = round(time.perf_counter() - started, 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--rows", type=Path, required=True)
    parser.add_argument(
        "--per-label",
        type=json.loads,
        default={"not_enough_evidence": 20, "conflicting": 22, "refuted": 40, "supported": 30},
    )
    parser.add_argument("--name", default="averitec")
    args = parser.parse_args()

    corpus = {d.id: d for d in ev.corpus_documents(args.corpus)}
    traces = ev.read_models(args.predictions.with_suffix(".trace.jsonl"), ev.ClaimTrace)
    done = {json.loads(line)["id"] for line in args.rows.open()} if args.rows.exists() else set()
    pending = [t for t in sample(traces, args.per_label) if t.id not in done and t.claims]
    if pending:  # a finished run only summarises: no model to load
        settings = Settings()
        llm = build_llm("llm", BuildContext(settings))
        with args.rows.open("a") as out:
            for trace in pending:
                row = ask(llm, corpus, trace)
                if row is not None:
                    out.write(json.dumps(row) + "\n")
                    out.flush()
                    print(f"{trace.gold:20} {row['seconds']:5.1f} s", flush=True)

    rows = [json.loads(line) for line in args.rows.open()]
    by_label: dict[str, list[dict[str, Any]]] = {
        label: [r for r in rows if r["gold"] == label] for label in VERDICT_LABELS
    }
    means = {
        label: {
            name: {c: round(float(np.mean([r[name][c] for r in group])), 3) for c in choices}
            for name, (_, choices) in QUESTIONS.items()
        }
        for label, group in by_label.items()
        if group
    }
    firsts = np.array(
        [[r[name][choices[0]] for name, (_, choices) in QUESTIONS.items()] for r in rows]
    )
    standardised = (firsts - firsts.mean(axis=0)) / firsts.std(axis=0)
    columns = {name: firsts[:, i] for i, name in enumerate(QUESTIONS)}
    columns["average"] = standardised.mean(axis=1)
    gold = np.array([r["gold"] for r in rows])
    aucs = {
        f"{high} over {low}": {
            name: round(auc(list(values[gold == high]), list(values[gold == low])), 3)
            for name, values in columns.items()
        }
        for high, low in PAIRS
        if by_label[high] and by_label[low]
    }
    correlation = np.corrcoef(firsts.T).round(3).tolist()
    for pair, values in aucs.items():
        print(f"{pair:40} " + "  ".join(f"{k} {v:.2f}" for k, v in values.items()))
    save(
        f"judge-probes-{args.name}",
        {
            "claims": {label: len(group) for label, group in by_label.items()},
            "questions": {name: question for name, (question, _) in QUESTIONS.items()},
            "mean_probabilities": means,
            "auc_of_first_answer": aucs,
            "correlation_of_first_answers": dict(zip(QUESTIONS, correlation, strict=True)),
            "passages_from": args.predictions.name,
            "median_seconds_per_claim_all_questions": round(
                float(np.median([r["seconds"] for r in rows])), 2
            ),
        },
    )


if __name__ == "__main__":
    main()
