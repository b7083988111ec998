"""Checks JSON-LD nodes against the schema.org vocabulary fixture (generated from the
published definition by tests/fixtures/schemaorg/generate.py): every type must be a
schema.org class, every property a schema.org property whose domain includes the node's
type (or an ancestor), and every value must fit the property's range."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parents[1] / "fixtures" / "schemaorg" / "vocabulary.json"
KEYWORDS = {"@context", "@type", "@id"}


@cache
def vocabulary() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def ancestors(name: str) -> set[str]:
    return lineage(vocabulary()["classes"], name)


def lineage(classes: dict[str, list[str]], name: str) -> set[str]:
    """A class and all its superclasses, from a map of each class to its direct ones."""
    found: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo += classes.get(current, [])
    return found


def _literal_fits(value: Any, ranges: set[str]) -> bool:
    """A plain JSON value fits one of the data types in `ranges`."""
    if isinstance(value, bool):
        return "Boolean" in ranges
    if isinstance(value, int | float):
        return bool(ranges & {"Number", "Integer", "Float"})
    if not isinstance(value, str):
        return False
    if "URL" in ranges and re.match(r"https?://\S+$", value):
        return True
    if "DateTime" in ranges:
        try:
            datetime.fromisoformat(value)
            return True
        except ValueError:
            pass
    if "Date" in ranges:
        try:
            date.fromisoformat(value)
            return True
        except ValueError:
            pass
    return "Text" in ranges or any("Text" in ancestors(r) for r in ranges - {"URL"})


def problems(node: Any, expected: set[str] | None = None, path: str = "$") -> list[str]:
    """Everything in `node` (and below) that the vocabulary does not allow."""
    vocab = vocabulary()
    if not isinstance(node, dict):
        return [f"{path}: not a node"]
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    found: list[str] = []
    for kind in kinds:
        if kind not in vocab["classes"]:
            found.append(f"{path}: @type {kind!r} is not a schema.org class")
    lineage = set().union(*(ancestors(k) for k in kinds if k in vocab["classes"]))
    if expected and not lineage & expected:
        found.append(f"{path}: {kinds} is none of {sorted(expected)}")
    for key, value in node.items():
        if key in KEYWORDS:
            continue
        prop = vocab["properties"].get(key)
        if prop is None:
            found.append(f"{path}.{key}: not a schema.org property of {kinds}")
            continue
        if not lineage & set(prop["domain"]):
            found.append(f"{path}.{key}: its domain {prop['domain']} excludes {kinds}")
        ranges = set(prop["range"])
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{path}.{key}[{i}]"
            if isinstance(item, dict):
                found += problems(item, ranges, where)
            elif not _literal_fits(item, ranges):
                found.append(f"{where}: {item!r} fits none of {sorted(ranges)}")
    return found


def types_and_properties(node: Any) -> set[str]:
    """Every type and property name used in a node tree (to show the check saw them)."""
    if isinstance(node, list):
        return set().union(*(types_and_properties(item) for item in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    kinds = node.get("@type")
    names = set(kinds if isinstance(kinds, list) else [kinds]) - {None}
    for key, value in node.items():
        if key not in KEYWORDS:
            names |= {key} | types_and_properties(value)
    return names
