"""`factdesk check`, `resume`, `list` and `show`: running checks and reading stored ones."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factdesk import i18n, modelpkgs
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
)
from factdesk.errors import InputError
from factdesk.ingest import ingest_sample
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.earlier import find_earlier
from factdesk.pipeline.understand import clean_question
from factdesk.plugins import build_store
from factdesk.records import CheckRecord, SourcePolicy
from factdesk.render import long_date, render
from factdesk.settings import SourcesSettings


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
    err.print(escape(f"Stored as {record.id} under {home}"))
    emit(render(record.report, fmt), out)


DomainsOption = Annotated[list[str] | None, typer.Option(metavar="DOMAIN")]


def check_policy(allow: list[str], deny: list[str], prefer: list[str]) -> SourcePolicy:
    """The check's own source policy from its options; a bad domain is an InputError."""
    try:
        given = SourcesSettings(allow=allow, deny=deny, priority=prefer)
    except ValidationError as exc:
        raise InputError(f"A domain option is invalid: {exc.errors()[0]['msg']}.") from exc
    return SourcePolicy.model_validate(given.model_dump())


@app.command()
def check(
    question: Annotated[str, typer.Argument(help="The question or claim to check.")],
    fmt: FormatOption = "md",
    out: OutOption = None,
    preset: PresetOption = None,
    auto_ingest: Annotated[
        bool, typer.Option(help="Load the sample if the index is empty.")
    ] = True,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Check again even if the claim was checked before.")
    ] = False,
    allow: DomainsOption = None,
    deny: DomainsOption = None,
    prefer: DomainsOption = None,
) -> None:
    """Research a question and publish a cited report (stored; see `factdesk list`).

    An earlier check of the same claim is shown instead when it is recent, and refreshed
    when it is not. --allow, --deny and --prefer (repeatable) add to the desk's source
    policy for this check."""
    check_format(fmt)
    settings = load_settings(preset)
    cleaned = clean_question(question, settings.pipeline.max_question_chars)
    policy = check_policy(allow or [], deny or [], prefer or [])
    desk = Desk.from_settings(settings)
    match = None if fresh or not policy.empty else find_earlier(desk, cleaned)
    if match is not None:
        label = i18n.text("en", f"label_{match.verdict}")
        when = f"Already checked on {long_date(match.checked_at)}: {label}"
        if match.reuse:
            err.print(escape(f"{when} ({match.url}); showing it. --fresh checks again."))
            emit(render(desk.store.reports.report(match.report_id)[1], fmt), out)
            return
        err.print(escape(f"{when}, {match.age_days:.0f} days ago; refreshing it."))
    if auto_ingest:
        fill_empty_index(desk)
    page, asked = (match.report_id, match.question) if match is not None else (None, cleaned)
    record = run_check(desk, asked, ConsoleObserver(), page_id=page, policy=policy)
    _publish(record, str(settings.home), fmt, out)


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
            record.verdict or (record.error or "")[:40],
            record.question[:70],
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
        err.print(escape(f"Check {record.id} is {record.status}: {problem}"))
        emit(record.trail.model_dump_json(indent=2), out)
        raise typer.Exit(code=1)
    emit(render(record.report, fmt), out)
