"""`factdesk ingest`: files, folders, web pages, feeds and the bundled sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from factdesk.backends.fetch.http import Fetcher
from factdesk.backends.search.local import open_index
from factdesk.backends.webcache import web_cache
from factdesk.cli.base import PresetOption, app, err, load_settings, shown
from factdesk.errors import InputError
from factdesk.ingest import IngestReport, ingest_feed, ingest_paths, ingest_sample, ingest_urls
from factdesk.plugins import BuildContext
from factdesk.sourcemeta import is_web_url


def web_target(target: str) -> bool:
    """True for an http(s) URL; other URL schemes are refused with a sentence."""
    if is_web_url(target):
        return True
    if "://" in target:
        raise InputError(f"{target} is not an http(s) URL; factdesk reads only http and https.")
    return False


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
    targets, feeds = targets or [], feed or []
    if not targets and not sample and not feeds:
        raise InputError("Name files, folders or URLs to ingest, or use --feed or --sample.")
    urls = [t for t in targets if web_target(t)]
    paths = [Path(t) for t in targets if t not in urls]
    for feed_url in feeds:
        if not is_web_url(feed_url):
            raise InputError(f"{feed_url} is not an http(s) feed URL.")
    settings = load_settings(preset)
    context = BuildContext(settings)
    index = open_index(context)
    if sample:
        with err.status("ingesting the sample…"):
            done = ingest_sample(index, settings.models_dir)
        err.print(
            f"Sample: {done.documents} articles, {done.passages} passages; "
            f"{done.skipped} unchanged articles skipped."
        )
    results: list[IngestReport] = []

    def say(line: str) -> None:
        err.print(shown(line))

    if paths:
        results.append(ingest_paths(index, paths, progress=say))
    if urls or feeds:
        fetcher = Fetcher(settings.fetch, web_cache(context))
        if urls:
            results.append(ingest_urls(index, fetcher, urls, progress=say))
        for feed_url in feeds:
            results.append(ingest_feed(index, fetcher, feed_url, limit, progress=say))
    problems = [p for r in results for p in r.problems]
    if results:
        err.print(
            f"Ingested {sum(r.documents for r in results)} document(s) from "
            f"{sum(r.files for r in results)} file(s) or page(s) as "
            f"{sum(r.passages for r in results)} passage(s); "
            f"{sum(r.skipped for r in results)} unchanged document(s) skipped."
        )
    for note in (n for r in results for n in r.notes):
        err.print("[yellow]Note:[/yellow]", shown(note))
    for problem in problems:
        err.print("[red]Skipped:[/red]", shown(problem))
    if problems:
        raise typer.Exit(code=2)
    err.print(f"The index now holds {index.count()} passages.")
