"""`factdesk check`, `resume`, `list` and `show`: running checks and reading stored ones.

`check --text FILE|-` and `check --url URL` check every claim of a whole text and print
its overview (not stored); a question is checked and stored as before.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from factdesk import modelpkgs
from factdesk.backends.search.local import LocalIndex
from factdesk.cli.base import (
    ConsoleObserver,
    FormatOption,
    OutOption,
    PresetOption,
    app,
    check_format,
    emit,
    err,
    load_settings,
    shown,
)
from factdesk.errors import InputError
from factdesk.ingest import ingest_sample
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.understand import clean_question
from factdesk.pipeline.wholetext import check_text
from factdesk.plugins import BuildContext, build_fetcher, build_store
from factdesk.records import CheckRecord, SourceText
from factdesk.render import render
from factdesk.render_overview import render_overview
from factdesk.settings import Settings
from factdesk.texts import read_path, read_url


def fill_empty_index(desk: Desk) -> None:
    """Load the bundled sample into an empty local index, when the sample is installed."""
    local = next((s for s in desk.searchers if isinstance(s, LocalIndex)), None)
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


def _publish(record: CheckRecord, home: str, fmt: str, out: OutOption) -> None:
    assert record.report is not None  # run_check raises unless the report exists
    err.print(shown(f"Stored as {record.id} under {home}"))
    emit(render(record.report, fmt), out)


@app.command()
def check(
    question: Annotated[
        str | None, typer.Argument(help="The question or claim to check.", show_default=False)
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            help="Check a whole text instead: a .txt .md .html .pdf .srt or .vtt file, "
            "or - for standard input.",
        ),
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Check a whole web page instead.")
    ] = None,
    max_claims: Annotated[
        int | None,
        typer.Option(help="Claims of a text to check (default FACTDESK_TEXTS__MAX_CLAIMS).", min=0),
    ] = None,
    fmt: FormatOption = "md",
    out: OutOption = None,
    preset: PresetOption = None,
    auto_ingest: Annotated[
        bool, typer.Option(help="Load the sample if the index is empty.")
    ] = True,
) -> None:
    """Research a question and publish a cited report (stored; see `factdesk list`), or
    check every claim of a text or web page and print its annotated overview."""
    check_format(fmt)
    if sum(given is not None for given in (question, text, url)) != 1:
        raise InputError("Give a question, or --text FILE, or --url URL (one of them).")
    settings = load_settings(preset)
    if question is None:
        if max_claims is not None:
            settings.texts.max_claims = max_claims
        source = _read_text(settings, text, url)
        desk = Desk.from_settings(settings)
        if auto_ingest:
            fill_empty_index(desk)
        overview = check_text(desk, source, ConsoleObserver())
        emit(render_overview(overview, fmt), out)
        return
    cleaned = clean_question(question, settings.pipeline.max_question_chars)
    desk = Desk.from_settings(settings)
    if auto_ingest:
        fill_empty_index(desk)
    record = run_check(desk, cleaned, ConsoleObserver())
    _publish(record, str(settings.home), fmt, out)


def _read_text(settings: Settings, path: str | None, url: str | None) -> SourceText:
    """The text to check, read before any model is loaded so bad input fails fast."""
    if path is not None:
        return read_path(path, settings.texts, sys.stdin.buffer)
    assert url is not None  # the command checked that one of the two is given
    with err.status("reading the page…"):
        return read_url(build_fetcher(BuildContext(settings)), url, settings.texts)


@app.command()
def resume(
    check_id: str, fmt: FormatOption = "md", out: OutOption = None, preset: PresetOption = None
) -> None:
    """Continue a failed or interrupted check after its last finished stage."""
    check_format(fmt)
    settings = load_settings(preset)
    desk = Desk.from_settings(settings)
    record = resume_check(desk, check_id, ConsoleObserver())
    _publish(record, str(settings.home), fmt, out)


@app.command("list")
def list_checks(
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20, preset: PresetOption = None
) -> None:
    """Stored checks, newest first."""
    store = build_store(load_settings(preset))
    table = Table("id", "when", "status", "verdict", "question")
    for record in store.checks.recent(limit):
        table.add_row(
            record.id,
            f"{record.created_at:%Y-%m-%d %H:%M}",
            record.status,
            shown(record.verdict or (record.error or "")[:40]),
            shown(record.question[:70]),
        )
    Console().print(table)


@app.command()
def show(
    check_id: str, fmt: FormatOption = "md", out: OutOption = None, preset: PresetOption = None
) -> None:
    """A stored report (or, for a failed check, its error and partial trail)."""
    check_format(fmt)
    record = build_store(load_settings(preset)).checks.load(check_id)
    if record.report is None:
        problem = record.error or "no report yet"
        err.print(shown(f"Check {record.id} is {record.status}: {problem}"))
        emit(record.trail.model_dump_json(indent=2), out)
        raise typer.Exit(code=1)
    emit(render(record.report, fmt), out)
