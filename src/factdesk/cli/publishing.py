"""`factdesk factchecks import|list` (other publishers' ClaimReviews) and `factdesk inbox`
(readers' suggested corrections and claims)."""

from __future__ import annotations

from typing import Annotated, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from factdesk.backends.fetch.http import Fetcher
from factdesk.backends.search.factchecks import open_collection
from factdesk.backends.webcache import web_cache
from factdesk.claimimport import import_fact_checks
from factdesk.cli.base import PresetOption, app, err, load_settings
from factdesk.errors import InputError
from factdesk.plugins import BuildContext, build_store
from factdesk.published import SuggestionKind

factchecks_app = typer.Typer(
    no_args_is_help=True, help="Other publishers' fact-checks, consulted before searching."
)
app.add_typer(factchecks_app, name="factchecks")


@factchecks_app.command("import")
def import_command(
    targets: Annotated[
        list[str], typer.Argument(help="JSON-LD files, DataFeeds, or http(s) URLs of either.")
    ],
    preset: PresetOption = None,
) -> None:
    """Import ClaimReviews into the published fact-checks collection."""
    settings = load_settings(preset)
    context = BuildContext(settings)
    collection = open_collection(context)
    fetcher = Fetcher(settings.fetch, web_cache(context))
    done = import_fact_checks(collection, targets, fetcher)
    err.print(f"Imported {done.imported} fact-check(s); the collection holds {collection.count()}.")
    if done.skipped:
        err.print(f"Skipped {done.skipped} ClaimReview(s) without a claim, rating or URL.")
    for problem in done.problems:
        err.print("[red]Skipped:[/red]", escape(problem))
    if done.problems:
        raise typer.Exit(code=2)


@factchecks_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(help="How many to show.", min=1)] = 50,
    preset: PresetOption = None,
) -> None:
    """The imported fact-checks, oldest first."""
    collection = open_collection(BuildContext(load_settings(preset)))
    table = Table("publisher", "rating", "claim", "url")
    for review in collection.reviews()[:limit]:
        table.add_row(review.publisher, review.rating, review.claim[:70], review.url)
    Console().print(table)


@app.command()
def inbox(
    kind: Annotated[str | None, typer.Option(help="correction or claim (default: both).")] = None,
    limit: Annotated[int, typer.Option(help="How many to show.", min=1)] = 50,
    preset: PresetOption = None,
) -> None:
    """Readers' suggested corrections and claims to check, newest first."""
    if kind not in (None, "correction", "claim"):
        raise InputError(f"Unknown kind {kind!r}; use correction or claim.")
    chosen = cast("SuggestionKind | None", kind)
    store = build_store(load_settings(preset))
    found = store.inbox.recent(limit, chosen)
    for item in found:
        about = f" on report {item.report_id}" if item.report_id else ""
        typer.echo(f"{item.created_at:%Y-%m-%d %H:%M}  {item.kind}{about}  [{item.id}]")
        typer.echo(f"    {item.text}")
        extras = [f"source: {item.source_url}"] * bool(item.source_url)
        extras += [f"contact: {item.contact}"] * bool(item.contact)
        if extras:
            typer.echo("    " + "; ".join(extras))
    err.print(f"{len(found)} suggestion(s) shown, newest first.")
