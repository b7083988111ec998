"""Seconds per check: pipeline overhead with the scripted LLM, and full checks with the
local model, with the median time of every stage.

    python bench/check_bench.py [--fake-runs 20] [--real 3] [--report-questions 10]
                                [--name check-bench]

Uses the index under FACTDESK_HOME (the sample is ingested there first if the index is
empty) and a throw-away report store. Needs `factdesk models install`. `--report-questions N`
adds the first N questions of ../shared/benchmarks/reports/questions.jsonl to the timed
ones. The result records which CPU features the llama.cpp build uses, so runs of two
builds (e.g. from two virtualenvs) can be compared side by side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.backends.search.local import LocalIndex
from factdesk.ingest import ingest_sample
from factdesk.pipeline import STAGES, Desk, run_check
from factdesk.plugins import BuildContext, build_llm
from factdesk.settings import Settings
from factdesk.store.sqlite import SQLiteStore

from common import save, summary

REPORT_QUESTIONS = Path(__file__).resolve().parents[2] / "shared/benchmarks/reports/questions.jsonl"
QUESTIONS = [
    "Was the Eiffel Tower built for the 1889 World's Fair?",
    "Did Neil Armstrong walk on the Moon in 1969?",
    "Is the Great Wall of China visible from space with the naked eye?",
    "Is Mount Everest the highest mountain on Earth?",
    "Did Albert Einstein win the Nobel Prize for his theory of relativity?",
    "Is the Amazon the longest river in the world?",
    "Did the Berlin Wall fall in 1989?",
    "Do plants produce oxygen through photosynthesis?",
]


def timed_checks(
    desk: Desk, questions: list[str]
) -> tuple[list[float], dict[str, list[float]], list[str]]:
    totals: list[float] = []
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    verdicts: list[str] = []
    for question in questions:
        started = time.perf_counter()
        record = run_check(desk, question)
        totals.append(time.perf_counter() - started)
        assert record.report is not None
        verdicts.append(record.report.verdict.label)
        for stage, seconds in record.report.method.timings.items():
            stages[stage].append(seconds)
        print(f"  {totals[-1]:6.1f} s  {record.report.verdict.label:<20} {question}", flush=True)
    return totals, stages, verdicts


def report_questions(count: int) -> list[str]:
    lines = REPORT_QUESTIONS.read_text("utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines if line.strip()][:count]


def llama_build() -> str:
    """The CPU features the installed llama.cpp was compiled for (AVX2, AVX512...)."""
    try:
        import llama_cpp
    except ImportError:
        return "llama_cpp not installed"
    info: bytes = llama_cpp.llama_print_system_info()
    return info.decode().strip()


def stage_medians(stages: dict[str, list[float]]) -> dict[str, float]:
    return {s: round(statistics.median(v), 3) for s, v in stages.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fake-runs", type=int, default=16)
    parser.add_argument("--real", type=int, default=3)
    parser.add_argument("--report-questions", type=int, default=0)
    parser.add_argument("--name", default="check-bench", help="result file under bench/results")
    args = parser.parse_args()
    timed = QUESTIONS[: args.real] + report_questions(args.report_questions)

    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        base = Desk.from_settings(settings, llm=ScriptedLLM())
        index = next(s for s in base.searchers if isinstance(s, LocalIndex))
        if index.count() == 0:
            print("ingesting the sample first…", flush=True)
            ingest_sample(index, settings.models_dir)
        base.store = SQLiteStore(Path(tmp) / "store.sqlite3")

        print("scripted LLM (pipeline overhead):", flush=True)
        questions = [QUESTIONS[i % len(QUESTIONS)] for i in range(args.fake_runs)]
        fake_totals, fake_stages, _ = timed_checks(base, questions)

        real: dict[str, object] = {}
        if timed:
            print("local model:", flush=True)
            llm = build_llm("llm", BuildContext(settings))
            desk = Desk(
                settings=settings,
                llm=llm,
                embedder=base.embedder,
                searchers=base.searchers,
                store=base.store,
            )
            totals, stages, verdicts = timed_checks(desk, timed)
            medians = stage_medians(stages)
            dominant = max(medians, key=lambda s: medians[s])
            real = {
                "model": llm.name,
                "seconds": summary(totals),
                "stage_medians": medians,
                "dominant_stage": dominant,
                "dominant_share": round(medians[dominant] / sum(medians.values()), 3),
                "verdicts": dict(zip(timed, verdicts, strict=True)),
            }
            print(
                f"local model: median {statistics.median(totals):.1f} s per check; "
                f"{dominant} dominates ({real['dominant_share']:.0%} of stage time)"
            )
    fake = {"seconds": summary(fake_totals), "stage_medians": stage_medians(fake_stages)}
    print(f"scripted LLM: median {statistics.median(fake_totals) * 1000:.0f} ms per check")
    save(
        args.name,
        {
            "llama_build": llama_build(),
            "index_passages": index.count(),
            "scripted": fake,
            "local_model": real,
            "preset": settings.preset,
        },
    )


if __name__ == "__main__":
    main()
