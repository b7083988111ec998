"""`factdesk check`, `resume`, `list` and `show`: running checks and reading stored ones.

`check --text FILE|-` and `check --url URL` check every claim of a whole text, store
it as the web's text checks are stored and print its overview; `list`, `show` and
`resume` take the ids of stored texts as well as of checks.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
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
    shown,
)
from factdesk.errors import InputError, NotFoundError
from factdesk.ingest import ingest_sample
from factdesk.pipeline import Desk, resume_check, run_check
from factdesk.pipeline.earlier import find_earlier
from factdesk.pipeline.understand import clean_question
from factdesk.pipeline.wholetext import resume_text, run_text
from factdesk.plugins import BuildContext, build_fetcher, build_store
from factdesk.protocols import Store
from factdesk.records import CheckRecord, SourcePolicy, SourceText, TextCheckRecord, new_id, utcnow
from factdesk.render import long_date, render
from factdesk.render_overview import render_overview
from factdesk.settings import Settings, SourcesSettings
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
        "(10,033 articles; about two minutes, once)."
    )
    with err.status("ingesting the sample…"):
        result = ingest_sample(local, models_dir)
    err.print(f"Indexed {result.documents} articles as {result.passages} passages.")


def _publish(record: CheckRecord, home: str, fmt: str, out: OutOption) -> None:
    assert record.report is not None  # run_check raises unless the report exists
    err.print(shown(f"Stored as {record.id} under {home}"))
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
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Check again even if the claim was checked before.")
    ] = False,
    allow: DomainsOption = None,
    deny: DomainsOption = None,
    prefer: DomainsOption = None,
) -> None:
    """Research a question and publish a cited report, or check every claim of a text
    or web page and print its annotated overview (both stored; see `factdesk list`).

    An earlier check of the same claim is shown instead when it is recent, and refreshed
    when it is not. --allow, --deny and --prefer (repeatable) add to the desk's source
    policy for this check."""
    check_format(fmt)
    if sum(given is not None for given in (question, text, url)) != 1:
        raise InputError("Give a question, or --text FILE, or --url URL (one of them).")
    settings = load_settings(preset)
    if question is None:
        if max_claims is not None:
            settings.texts.max_claims = max_claims
        _check_text(settings, _read_text(settings, text, url), auto_ingest, fmt, out)
        return
    cleaned = clean_question(question, settings.pipeline.max_question_chars)
    policy = check_policy(allow or [], deny or [], prefer or [])
    desk = Desk.from_settings(settings)
    match = None if fresh or not policy.empty else find_earlier(desk, cleaned)
    if match is not None:
        label = i18n.text("en", f"label_{match.verdict}")
        when = f"Already checked on {long_date(match.checked_at)}: {label}"
        if match.reuse:
            err.print(shown(f"{when} ({match.url}); showing it. --fresh checks again."))
            emit(render(desk.store.reports.report(match.report_id)[1], fmt), out)
            return
        err.print(shown(f"{when}, {match.age_days:.0f} days ago; refreshing it."))
    if auto_ingest:
        fill_empty_index(desk)
    page, asked = (match.report_id, match.question) if match is not None else (None, cleaned)
    record = run_check(desk, asked, ConsoleObserver(), page_id=page, policy=policy)
    _publish(record, str(settings.home), fmt, out)


def _check_text(
    settings: Settings, source: SourceText, auto_ingest: bool, fmt: str, out: OutOption
) -> None:
    """Store the text read, check its claims storing it as it goes, print the overview."""
    desk = Desk.from_settings(settings)
    if auto_ingest:
        fill_empty_index(desk)
    now = utcnow()
    record = TextCheckRecord(
        id=new_id(), status="running", created_at=now, updated_at=now, source=source
    )
    err.print(f"[dim]text {record.id}[/dim]")
    _publish_text(run_text(desk, record, ConsoleObserver()), str(settings.home), fmt, out)


def _publish_text(record: TextCheckRecord, home: str, fmt: str, out: OutOption) -> None:
    assert record.overview is not None  # run_text raises unless the overview exists
    err.print(shown(f"Stored as {record.id} under {home}"))
    emit(render_overview(record.overview, fmt), out)


def _stored_text(store: Store, some_id: str) -> TextCheckRecord | None:
    """The stored text check with this id; None for a check's id (texts and checks draw
    their ids from one `new_id`) or an unknown one, which the checks' store reports."""
    try:
        return store.texts.load(some_id)
    except NotFoundError:
        return None


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
    """Continue a failed or interrupted check after its last finished stage (a text
    after its last finished claim)."""
    check_format(fmt)
    settings = load_settings(preset)
    desk = Desk.from_settings(settings)
    if _stored_text(desk.store, check_id) is not None:
        text = resume_text(desk, check_id, ConsoleObserver())
        _publish_text(text, str(settings.home), fmt, out)
        return
    record = resume_check(desk, check_id, ConsoleObserver())
    _publish(record, str(settings.home), fmt, out)


@app.command("list")
def list_checks(
    limit: Annotated[int, typer.Option(help="How many to show.")] = 20, preset: PresetOption = None
) -> None:
    """Stored checks and checked texts, newest first."""
    store = build_store(load_settings(preset))
    rows: list[tuple[datetime, str, str, str, str]] = [
        (
            record.created_at,
            record.id,
            record.status,
            record.verdict or (record.error or "")[:40],
            record.question[:70],
        )
        for record in store.checks.recent(limit)
    ]
    rows += [_text_row(text) for text in store.texts.recent(limit)]
    table = Table("id", "when", "status", "verdict", "question")
    for when, some_id, status, verdict, question in sorted(rows, reverse=True)[:limit]:
        table.add_row(some_id, f"{when:%Y-%m-%d %H:%M}", status, shown(verdict), shown(question))
    Console().print(table)


def _text_row(record: TextCheckRecord) -> tuple[datetime, str, str, str, str]:
    """A checked text as `list` shows it: how many claims were checked, and its title."""
    if record.overview is not None:
        checked = record.overview.method.checked
        outcome = f"{checked} claim{'' if checked == 1 else 's'} checked"
    else:
        outcome = (record.error or "")[:40]
    title = record.source.title or record.source.text.strip().split("\n", 1)[0]
    return record.created_at, record.id, record.status, outcome, f"text: {title[:64]}"


@app.command()
def show(
    check_id: str, fmt: FormatOption = "md", out: OutOption = None, preset: PresetOption = None
) -> None:
    """A stored report or text overview (or, for a failed check, its error and partial
    trail; for a failed text, its error and the progress it made)."""
    check_format(fmt)
    store = build_store(load_settings(preset))
    text = _stored_text(store, check_id)
    if text is not None:
        _show_text(text, fmt, out)
        return
    record = store.checks.load(check_id)
    if record.report is None:
        problem = record.error or "no report yet"
        err.print(shown(f"Check {record.id} is {record.status}: {problem}"))
        emit(record.trail.model_dump_json(indent=2), out)
        raise typer.Exit(code=1)
    emit(render(record.report, fmt), out)


def _show_text(record: TextCheckRecord, fmt: str, out: OutOption) -> None:
    if record.overview is None:
        problem = record.error or "no overview yet"
        err.print(shown(f"Text {record.id} is {record.status}: {problem}"))
        progress = record.progress.model_dump_json(indent=2) if record.progress else "{}"
        emit(progress, out)
        raise typer.Exit(code=1)
    emit(render_overview(record.overview, fmt), out)
