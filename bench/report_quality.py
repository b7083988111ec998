"""Report quality on the questions about the bundled sample, and in other languages.

    python bench/report_quality.py [--questions Q.jsonl] [--multilingual M.jsonl]
                                   [--name report-quality] [--limit N] [--fresh]
                                   [--saved-only]

Writes a full report for every question with the settings in force (the local model
and the sample index under FACTDESK_HOME, a throw-away report store), keeps each
report under FACTDESK_HOME/bench-reports/NAME/ (so a run resumes, and so the reports
can be read, rendered and photographed), scores them with report_scoring.py and saves
bench/results/NAME.json. The questions are read from ../shared/benchmarks, never copied.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from factdesk.eval import read_models
from factdesk.eval.metrics import calibration_error
from factdesk.pipeline import Desk, run_check
from factdesk.records import Report
from factdesk.settings import Settings
from factdesk.store.sqlite import SQLiteStore
from report_scoring import MultilingualQuestion, ReportQuestion, language_share, score_report

from common import save

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"


class NotSaved(Exception):
    """--saved-only and no saved report for this question."""


def report_for(desk: Desk | None, folder: Path, question: str, fresh: bool) -> tuple[Report, float]:
    """The stored report for `question`, or a new check (and its seconds); with no desk
    (--saved-only), a question without a stored report is an error."""
    path = folder / (hashlib.sha256(question.encode()).hexdigest()[:16] + ".json")
    if path.exists() and not fresh:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Report.model_validate(data["report"]), float(data["seconds"])
    if desk is None:
        raise NotSaved(f"no saved report in {folder}")
    started = time.perf_counter()
    record = run_check(desk, question)
    seconds = round(time.perf_counter() - started, 2)
    assert record.report is not None
    trail = record.trail
    payload = {
        "question": question,
        "seconds": seconds,
        "report": record.report.model_dump(),
        "understanding": trail.understanding.model_dump() if trail.understanding else None,
        "point": trail.point.model_dump() if trail.point else None,
    }
    path.write_text(json.dumps(payload, default=str, indent=1), encoding="utf-8")
    return record.report, seconds


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def _calibration(rows: list[dict[str, Any]]) -> float | None:
    """Expected calibration error of the verdicts' confidences (10 bins)."""
    pairs = [(bool(r["verdict_right"]), float(r["confidence"])) for r in rows]
    return round(calibration_error(pairs), 3) if pairs else None


QuestionT = TypeVar("QuestionT", ReportQuestion, MultilingualQuestion)


def score_all(
    desk: Desk | None,
    folder: Path,
    questions: list[QuestionT],
    fresh: bool,
    score: Callable[[Report, QuestionT], dict[str, Any]],
    named: set[str],
) -> list[dict[str, Any]]:
    """One row per question, named by its line (the benchmark stays in ../shared); a
    crash is a result too, a row with its error and the `named` fields of its question."""
    rows: list[dict[str, Any]] = []
    for line, question in enumerate(questions, start=1):
        known = question.model_dump(include=named)
        try:
            report, seconds = report_for(desk, folder, question.q, fresh)
        except Exception as exc:
            rows.append({"line": line, **known, "error": repr(exc)})
            print(f"  FAILED {question.q}: {exc}", flush=True)
            continue
        row = {"line": line, **score(report, question), "seconds": seconds}
        rows.append(row)
        share = row.get("share", "")
        print(f"  {seconds:6.1f} s {row['verdict']:<20} {share} {question.q}", flush=True)
    return rows


def _report_row(report: Report, question: ReportQuestion) -> dict[str, Any]:
    row = score_report(report, question)
    del row["q"]
    return row


def run_reports(
    desk: Desk | None, folder: Path, questions: list[ReportQuestion], fresh: bool
) -> dict[str, Any]:
    rows = score_all(desk, folder, questions, fresh, _report_row, {"expect"})
    scored = [r for r in rows if "error" not in r]
    decisive = [r for r in scored if r["key_fact_up_front"] is not None]
    topical = [r for r in scored if r["expect"] != "not_enough_evidence"]
    return {
        "questions": len(questions),
        "failed": len(rows) - len(scored),
        "verdicts_right": sum(1 for r in scored if r["verdict_right"]),
        "expected_calibration_error": _calibration(scored),
        "key_fact_up_front": _share(
            sum(1 for r in decisive if r["key_fact_up_front"]), len(decisive)
        ),
        "evidence_sections_on_topic": _share(
            sum(r["evidence_sections_on_topic"] for r in topical),
            sum(r["evidence_sections"] for r in topical),
        ),
        "sources_on_topic": _share(
            sum(r["sources_on_topic"] for r in topical), sum(r["sources"] for r in topical)
        ),
        "off_topic_sources_with_stance": sum(
            len(r["off_topic_sources_with_stance"]) for r in scored
        ),
        "followups_clean": _share(
            sum(1 for r in scored if not r["followup_problems"]), len(scored)
        ),
        "reports_asserting_a_false_premise": sum(1 for r in scored if r["asserted_false_premises"]),
        "median_seconds": round(statistics.median(r["seconds"] for r in scored), 1)
        if scored
        else None,
        "rows": rows,
    }


def _language_row(report: Report, question: MultilingualQuestion) -> dict[str, Any]:
    same, total = language_share(report, question.lang)
    return {
        "lang": question.lang,
        "expect": question.expect,
        "verdict": report.verdict.label,
        "verdict_right": report.verdict.label == question.expect,
        "confidence": report.verdict.confidence,
        "report_language": report.language,
        "sentences": total,
        "in_question_language": same,
        "share": _share(same, total),
    }


def run_languages(
    desk: Desk | None, folder: Path, questions: list[MultilingualQuestion], fresh: bool
) -> dict[str, Any]:
    rows = score_all(desk, folder, questions, fresh, _language_row, {"lang"})
    scored = [r for r in rows if "error" not in r]
    shares = [r["share"] for r in scored if r["share"] is not None]
    return {
        "questions": len(questions),
        "failed": len(rows) - len(scored),
        "verdicts_right": sum(1 for r in scored if r["verdict_right"]),
        "expected_calibration_error": _calibration(scored),
        "median_language_share": round(statistics.median(shares), 3) if shares else None,
        "min_language_share": min(shares) if shares else None,
        "reports_at_least_90_percent": sum(1 for s in shares if s >= 0.9),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, default=BENCHMARKS / "reports/questions.jsonl")
    parser.add_argument(
        "--multilingual", type=Path, default=BENCHMARKS / "multilingual/questions.jsonl"
    )
    parser.add_argument("--name", default="report-quality")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--fresh", action="store_true", help="Check again instead of reusing.")
    parser.add_argument(
        "--saved-only",
        action="store_true",
        help="Score the reports saved under NAME (e.g. by older code); check nothing.",
    )
    args = parser.parse_args()

    settings = Settings()
    folder = settings.home / "bench-reports" / args.name
    folder.mkdir(parents=True, exist_ok=True)
    questions = read_models(args.questions, ReportQuestion)[: args.limit]
    languages = read_models(args.multilingual, MultilingualQuestion)[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        desk = None if args.saved_only else Desk.from_settings(settings)
        if desk is not None:
            desk.store = SQLiteStore(Path(tmp) / "store.sqlite3")
        print("report questions:", flush=True)
        reports = run_reports(desk, folder, questions, args.fresh)
        print("other languages:", flush=True)
        multilingual = run_languages(desk, folder, languages, args.fresh)
    save(
        args.name,
        {
            "model": desk.model_name if desk else "as saved",
            "settings_hash": desk.settings_hash if desk else "as saved",
            "reports_folder": str(folder),
            "report_questions": reports,
            "multilingual": multilingual,
        },
    )
    for part in (reports, multilingual):
        print({k: v for k, v in part.items() if k != "rows"})


if __name__ == "__main__":
    main()
