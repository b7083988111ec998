"""The `factdesk` command line: one module per group of commands, one Typer app."""

from __future__ import annotations

import sys

import click

from factdesk.cli import admin, checks, evaluation, ingest, publishing, scale, settings_doc
from factdesk.cli.base import app, err, shown
from factdesk.errors import FactdeskError

# each module registers its commands on `app`
COMMANDS = (admin, checks, evaluation, ingest, publishing, scale, settings_doc)


def main() -> None:
    try:
        code = app(standalone_mode=False)
    except FactdeskError as exc:
        err.print("[red]Error:[/red]", shown(str(exc)))
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
