"""`factdesk worker`, `batch`, `cancel` and `tokens`: running beyond one process.

With FACTDESK_DATABASE_URL set, `factdesk serve` only queues jobs and any number of
`factdesk worker` processes, on any machine that reaches the database, run them.
`factdesk batch` queues a file of questions and writes their results; with the
embedded default (SQLite) it runs them itself, with workers it waits for them.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from factdesk import tokens as api_tokens
from factdesk.cli.base import PresetOption, app, emit, err, load_settings, shown
from factdesk.errors import ConfigError, InputError, NotFoundError
from factdesk.jobs.batches import SUFFIXES, Batches, read_questions, results_csv, results_jsonl
from factdesk.jobs.ledger import JobLedger
from factdesk.jobs.service import JobService
from factdesk.pipeline import Desk
from factdesk.plugins import BuildContext, build_queue, build_store, role_choice
from factdesk.protocols import WorkerQueue
from factdesk.webhooks import WebhookSender

tokens_app = typer.Typer(no_args_is_help=True, help="API tokens with their own limits.")
app.add_typer(tokens_app, name="tokens")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at the same time.", min=1)] = 1,
    queue: Annotated[
        list[str] | None, typer.Option("--queue", help="Queues to take jobs from (repeat).")
    ] = None,
    preset: PresetOption = None,
) -> None:
    """Run queued checks until stopped (Ctrl-C or SIGTERM finish the running ones first)."""
    settings = load_settings(preset)
    name = role_choice(settings, "queue")[1]
    desk = Desk.from_settings(settings)
    jobs_queue = build_queue(BuildContext(settings, embedder=desk.embedder))
    if not isinstance(jobs_queue, WorkerQueue):
        raise ConfigError(
            f"The {name} queue runs its jobs inside `factdesk serve`; workers need "
            "FACTDESK_DATABASE_URL=postgresql://... (the procrastinate queue)."
        )
    service = JobService(desk, jobs_queue)
    service.prepare()
    sender = WebhookSender(desk.store.deliveries, settings.webhooks)
    sender.start()
    err.print(f"factdesk worker: {concurrency} job(s) at a time, model {desk.model_name}")
    try:
        jobs_queue.work(service.run, concurrency, queue or [])
    finally:
        sender.stop()
        desk.store.close()


def _batch_id(questions: list[str]) -> str:
    """The same file always names the same batch, so running it again resumes it."""
    return "b" + hashlib.sha256(json.dumps(questions).encode()).hexdigest()[:12]


@app.command()
def batch(
    source: Annotated[Path, typer.Argument(help="Questions: .csv, .jsonl or .json.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results as JSON lines.")],
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Results as CSV too.")] = None,
    webhook: Annotated[
        str | None, typer.Option(help="POST a signed notice here when all have finished.")
    ] = None,
    preset: PresetOption = None,
) -> None:
    """Check every question of a file and write the results; run it again to resume."""
    fmt = SUFFIXES.get(source.suffix.lower())
    if fmt is None:
        raise InputError(f"{source} is not a .csv, .jsonl or .json file.")
    try:
        questions = read_questions(source.read_bytes(), fmt)
    except OSError as exc:
        raise InputError(f"Cannot read {source}: {exc.strerror}.") from exc
    settings = load_settings(preset)
    desk = Desk.from_settings(settings)
    service = JobService(desk, build_queue(BuildContext(settings, embedder=desk.embedder)))
    batches = Batches(service, settings.server.batch_max_questions)
    batch_id = _batch_id(questions)
    with service.serving():  # embedded: this process runs the jobs, as a server would
        _queue_and_wait(service, batches, questions, webhook, batch_id)
    results = batches.results(batch_id)
    emit(results_jsonl(results), out)
    if csv_out is not None:
        emit(results_csv(results), csv_out)
    failed = [r for r in results if r.status != "done"]
    err.print(f"{len(results) - len(failed)} done, {len(failed)} not done.")
    if failed:
        raise typer.Exit(code=1)


def _queue_and_wait(
    service: JobService,
    batches: Batches,
    questions: list[str],
    webhook: str | None,
    batch_id: str,
) -> None:
    store, settings = service.store, service.desk.settings
    if store.batches.get(batch_id) is None:
        batches.submit(questions, webhook, batch_id=batch_id)
        err.print(f"Batch {batch_id}: {len(questions)} question(s) queued.")
    else:
        again = batches.resume(batch_id, settle=service.queue.embedded)  # it holds the home
        err.print(f"Resuming batch {batch_id}: {again} question(s) queued again.")
    sender = WebhookSender(store.deliveries, settings.webhooks)
    if service.queue.embedded:  # nobody else will run them
        service.start()
        sender.start()
    try:
        _wait(batches, batch_id)
    finally:
        if service.queue.embedded:
            service.stop()
            sender.send_due()
            sender.stop()


def _wait(batches: Batches, batch_id: str) -> None:
    with err.status("") as status:
        while True:
            progress = batches.progress(batch_id)
            counts = ", ".join(f"{n} {state}" for state, n in sorted(progress.counts.items()))
            status.update(f"batch {batch_id}: {counts}")
            if progress.finished:
                return
            time.sleep(0.5)


@app.command()
def cancel(job_id: str, preset: PresetOption = None) -> None:
    """Cancel a queued job, or stop a running one after its current stage."""
    settings = load_settings(preset)
    job = JobLedger(build_store(settings), settings).cancel(job_id)
    state = "cancelled" if job.status == "cancelled" else "stops after its current stage"
    err.print(shown(f"Job {job.id} {state}."))


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="Who or what the token is for.")],
    rate_per_minute: Annotated[int, typer.Option(help="Writes a minute (0: none).", min=0)] = 60,
    daily_quota: Annotated[int, typer.Option(help="Checks a day (0: no quota).", min=0)] = 1000,
    preset: PresetOption = None,
) -> None:
    """Make a token; it is printed once and only its digest is stored."""
    store = build_store(load_settings(preset))
    token, presented = api_tokens.create(store.tokens, name, rate_per_minute, daily_quota)
    err.print(shown(f"Token {token.id} for {name}; keep it now, it is not shown again:"))
    typer.echo(presented)


@tokens_app.command("list")
def tokens_list(preset: PresetOption = None) -> None:
    """Every token: id, name, limits, and whether it is revoked."""
    table = Table("id", "name", "writes/min", "checks/day", "created", "revoked")
    for token in build_store(load_settings(preset)).tokens.all():
        revoked = f"{token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else ""
        table.add_row(
            token.id,
            token.name,
            str(token.rate_per_minute),
            str(token.daily_quota),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            revoked,
        )
    Console().print(table)


@tokens_app.command("revoke")
def tokens_revoke(token_id: str, preset: PresetOption = None) -> None:
    """Revoke a token: every server refuses it from its next request."""
    if not build_store(load_settings(preset)).tokens.revoke(token_id):
        raise NotFoundError(f"No active token has the id {token_id!r}; see `factdesk tokens list`.")
    err.print(shown(f"Token {token_id} revoked."))
