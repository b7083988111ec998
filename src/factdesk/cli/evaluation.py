"""`factdesk eval`: predict verdicts for a labelled claim set, or for the claims of whole
texts (`--texts`), and score them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from factdesk import eval as ev
from factdesk.cli.base import PresetOption, app, err, load_settings
from factdesk.errors import InputError
from factdesk.eval.text_metrics import print_text_metrics, save_text_metrics, score_texts
from factdesk.eval.texts import done_text_ids, load_texts, read_text_predictions, run_texts
from factdesk.pipeline import Desk
from factdesk.plugins import BuildContext, build_llm, build_store
from factdesk.protocols import SearchBackend
from factdesk.settings import Settings

_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    TextColumn("{task.completed}/{task.total}"),
    TimeRemainingColumn(),
)


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Option(help="Corpus JSONL: id, title, text, url.")],
    out: Annotated[Path, typer.Option(help="Predictions JSONL (appended; resumable).")],
    claims: Annotated[
        Path | None, typer.Option(help="Claims JSONL: id, claim, label, gold_passages.")
    ] = None,
    texts: Annotated[
        Path | None,
        typer.Option(help="Instead of claims, whole texts JSONL: id, text, claims with spans."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N claims.", min=0)] = None,
    start: Annotated[
        int, typer.Option(help="Skip the first N claims (e.g. those a calibration saw).", min=0)
    ] = 0,
    baseline: Annotated[str | None, typer.Option(help="majority or claim-only.")] = None,
    results: Annotated[Path, typer.Option(help="Where the metrics JSON goes.")] = Path(
        "bench/results"
    ),
    preset: PresetOption = None,
) -> None:
    """Predict verdicts for a labelled claim set and score them (see bench/README.md)."""
    if (claims is None) == (texts is None):
        raise InputError("Give --claims CLAIMS.jsonl or --texts TEXTS.jsonl (one of them).")
    if texts is not None:
        if baseline is not None:
            raise InputError("Baselines score single claims; --texts runs the pipeline only.")
        _evaluate_texts(corpus, texts, out, limit, start, results, preset)
        return
    assert claims is not None
    if baseline not in (None, "majority", "claim-only"):
        raise InputError(f"Unknown baseline {baseline!r}; use majority or claim-only.")
    settings = load_settings(preset)
    every = ev.load_claims(claims)
    selected = every[start : None if limit is None else start + limit]
    if not selected:
        raise InputError(f"{claims} has {len(every)} claims; none left after skipping {start}.")
    desk = None if baseline == "majority" else _eval_desk(settings, corpus, baseline is None)
    with Progress(*_COLUMNS, console=err) as bar:
        task = bar.add_task(baseline or "pipeline", total=len(selected))
        bar.update(task, completed=len(ev.done_ids(out) & {c.id for c in selected}))
        ev.run(
            desk,
            selected,
            out,
            cast("ev.Baseline | None", baseline),
            progress=lambda done, total: bar.advance(task),
        )
    metrics = ev.score(selected, ev.read_predictions(out))
    saved = ev.save_metrics(
        metrics,
        results,
        claims,
        out,
        baseline,
        settings,
        desk.llm.name if desk else "none",
        skipped=start,
    )
    ev.print_metrics(metrics, Console())
    err.print(f"Metrics saved to {saved}")


def _evaluate_texts(
    corpus: Path,
    texts: Path,
    out: Path,
    limit: int | None,
    start: int,
    results: Path,
    preset: str | None,
) -> None:
    """Extract and check the claims of every text (verdicts only) and score them."""
    settings = load_settings(preset)
    every = load_texts(texts)
    selected = every[start : None if limit is None else start + limit]
    if not selected:
        raise InputError(f"{texts} has {len(every)} texts; none left after skipping {start}.")
    desk = _eval_desk(settings, corpus, True)
    with Progress(*_COLUMNS, console=err) as bar:
        task = bar.add_task("texts", total=len(selected))
        bar.update(task, completed=len(done_text_ids(out) & {t.id for t in selected}))
        run_texts(desk, selected, out, progress=lambda done, total: bar.advance(task))
    metrics = score_texts(selected, read_text_predictions(out))
    saved = save_text_metrics(metrics, results, texts, out, settings, desk.llm.name)
    print_text_metrics(metrics, Console())
    err.print(f"Metrics saved to {saved}")


def _eval_desk(settings: Settings, corpus: Path, with_index: bool) -> Desk:
    context = BuildContext(settings)
    searchers: list[SearchBackend] = []
    if with_index:
        with err.status("indexing the corpus (once)…"):
            searchers.append(ev.corpus_index(context, corpus))
    return Desk(
        settings=settings,
        llm=build_llm("llm", context),
        embedder=context.embedder,
        searchers=searchers,
        store=build_store(settings),
    )
