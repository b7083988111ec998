"""What every command shares: the Typer app, stderr console, options, settings, output.

The report goes to stdout (or --out); progress and messages go to stderr, so
`factdesk check ... --format json | jq` works. Errors are one sentence and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from factdesk.errors import ConfigError, InputError
from factdesk.render import FORMATS
from factdesk.settings import Settings
from factdesk.untrusted import printable

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


def shown(text: str) -> str:
    """Outside text (stored, read from files, typed by users) as the console prints it:
    no rich markup, no control or bidirectional characters."""
    return escape(printable(text))


def invalid(exc: ValidationError, section: str = "") -> ConfigError:
    problem = exc.errors()[0]
    where = ".".join(str(p) for p in (section, *problem["loc"]) if p)
    return ConfigError(f"Setting {where} is invalid: {problem['msg']}.")


def load_settings(preset: str | None = None) -> Settings:
    try:
        return Settings(preset=preset) if preset else Settings()
    except ValidationError as exc:
        raise invalid(exc) from exc


def emit(text: str, out: Path | None) -> None:
    if out is None:  # a terminal must not run escape sequences a report carries
        text = printable(text)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}.") from exc
    err.print(shown(f"Report written to {out}"))


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    return fmt


class ConsoleObserver:
    """Live progress per stage on stderr."""

    def __init__(self) -> None:
        self._status = err.status("")

    def check_created(self, check_id: str) -> None:
        err.print(f"[dim]check {check_id}[/dim]")

    def stage_started(self, stage: str) -> None:
        self._status.update(f"[bold]{stage}[/bold]…")
        self._status.start()

    def stage_finished(self, stage: str, seconds: float, note: str) -> None:
        self._status.stop()
        err.print(f"[green]✓[/green] {stage:<10} {seconds:6.1f} s  [dim]{shown(note)}[/dim]")
