"""`factdesk settings`: every setting, its variable, default and meaning, from the code.

The README's settings table is this command's Markdown output (`--readme README.md`
rewrites it between its markers), so the table cannot drift from the settings: a test
compares them.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Annotated, TypeGuard

import typer
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from factdesk.cli.base import app
from factdesk.errors import InputError
from factdesk.plugins import KINDS, REGISTRY, env_name
from factdesk.settings import BackendChoice, Settings, presets

BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
Row = tuple[str, str, str]


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return "computed"
        if isinstance(value, list | dict):
            return f"`{json.dumps(value)}`"
        return "computed"
    value = info.default
    if isinstance(value, SecretStr):
        return "empty"
    if isinstance(value, tuple):
        value = list(value)
    return f"`{json.dumps(value)}`" if value not in ("", None) else "empty"


def _meaning(info: FieldInfo) -> str:
    text = info.description or ""
    if info.annotation is SecretStr:
        text += " Secret: never shown, never hashed."
    extra = info.json_schema_extra
    if isinstance(extra, dict) and extra.get("hash") is False and "Secret" not in text:
        text += " Not in the settings hash."
    return text.replace("|", "\\|").strip()


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    plain = typing.get_origin(annotation) is None and isinstance(annotation, type)
    return plain and issubclass(annotation, BaseModel)  # type: ignore[arg-type]


def _rows(model: type[BaseModel], path: tuple[str, ...]) -> list[Row]:
    rows: list[Row] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if not path and name == "backends":  # each backend's own table covers these
            continue
        if _is_model(annotation):
            rows += _rows(annotation, (*path, name))
            if issubclass(annotation, BackendChoice):
                rows.append(
                    (
                        f"`{env_name(*path, name, 'FIELD')}`",
                        "",
                        "Any setting of the chosen backend, for this role only.",
                    )
                )
            continue
        rows.append((f"`{env_name(*path, name)}`", _default(info), _meaning(info)))
    return rows


def _table(rows: list[Row]) -> list[str]:
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows]


def settings_markdown(origin: str | None = "factdesk") -> str:
    """The settings and the settings of the backends `origin` (a distribution) ships, or
    of every installed backend when `origin` is None, as Markdown tables."""
    lines = _table(_rows(Settings, ()))
    named = ", ".join(f"`{name}`" for name in presets())
    lines += ["", f"Presets (`FACTDESK_PRESET`): {named} (`src/factdesk/data/presets.json`).", ""]
    for kind in KINDS:
        for spec in REGISTRY.of_kind(kind):
            if origin is not None and REGISTRY.origins.get((kind, spec.name)) != origin:
                continue
            rows = [
                (f"`{env_name('backends', spec.name, name)}`", _default(info), _meaning(info))
                for name, info in spec.settings.model_fields.items()
            ]
            if rows:
                lines += [f"**{spec.kind} `{spec.name}`**: {spec.summary}", ""]
                lines += [*_table(rows), ""]
    return "\n".join(lines).rstrip() + "\n"


def readme_block(readme: str) -> str:
    match = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), readme, re.S)
    if match is None:
        raise InputError(f"The README has no {BEGIN} ... {END} block.")
    return match.group(1)


@app.command()
def settings(
    readme: Annotated[
        Path | None, typer.Option(help="Rewrite this file's settings block instead of printing.")
    ] = None,
) -> None:
    """Every setting with its environment variable, default and meaning (Markdown)."""
    if readme is None:
        typer.echo(settings_markdown(origin=None), nl=False)
        return
    table = settings_markdown()
    text = readme.read_text(encoding="utf-8")
    old = readme_block(text)
    readme.write_text(text.replace(BEGIN + "\n" + old, BEGIN + "\n" + table, 1), encoding="utf-8")
