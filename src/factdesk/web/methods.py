"""The methods page's facts: what the running desk is configured to do, and the quality
figures measured for it (the bench results stored beside the code).

Only figures that a benchmark script saved are shown, with their date and the run
they come from; nothing here is typed in by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factdesk import i18n
from factdesk.pipeline import Desk
from factdesk.settings import PublisherSettings

CHECKOUT_RESULTS = Path(__file__).resolve().parents[3] / "bench" / "results"


def results_folder(publisher: PublisherSettings) -> Path | None:
    """Where the stored bench figures are: the setting, else the source checkout's."""
    folder = publisher.bench_results or CHECKOUT_RESULTS
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class QualityRun:
    """One stored verdict-quality run (`factdesk eval`)."""

    dataset: str
    run: str
    system: str
    claims: int
    macro_f1: float
    accuracy: float
    recall_at_5: float | None
    measured_on: str
    settings_hash: str


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def quality_runs(folder: Path | None) -> list[QualityRun]:
    """Every stored eval run, by dataset, then folder (`shipped`, `full`, `heldout`...)."""
    if folder is None:
        return []
    runs: list[QualityRun] = []
    for path in sorted(folder.rglob("eval-*.json")):
        data = _read(path)
        if data is None or not {"dataset", "system", "macro_f1", "accuracy"} <= data.keys():
            continue
        runs.append(
            QualityRun(
                dataset=str(data["dataset"]),
                run=str(path.parent.relative_to(folder)) if path.parent != folder else "dev",
                system=str(data["system"]),
                claims=int(data.get("claims", 0)),
                macro_f1=float(data["macro_f1"]),
                accuracy=float(data["accuracy"]),
                recall_at_5=data.get("recall_at_5"),
                measured_on=str(data.get("measured_on", "")),
                settings_hash=str(data.get("settings_hash", "")),
            )
        )
    return sorted(runs, key=lambda r: (r.dataset, r.run, r.system))


def earlier_figures(folder: Path | None) -> dict[str, Any] | None:
    """The stored precision and recall of the "already checked" match."""
    return _read(folder / "earlier-checks.json") if folder is not None else None


def method_facts(desk: Desk) -> dict[str, Any]:
    """What the page says about how this desk checks, from its running settings."""
    settings = desk.settings
    cfg = settings.pipeline
    return {
        "model": desk.model_name,
        "embedder": desk.embedder.name,
        "searchers": [s.name for s in desk.searchers],
        "reads_web": desk.fetcher is not None and settings.fetch.enabled,
        "pipeline": cfg,
        "fetch": settings.fetch,
        "policy": settings.sources,
        "earlier": settings.earlier,
        "preset": settings.preset,
        "settings_hash": desk.settings_hash,
        "nee_meaning": i18n.verdict_summary("en", "not_enough_evidence"),
    }
