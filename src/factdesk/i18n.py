"""Every sentence and label that code (not the model) puts in a report, per language.

A report is written in its question's language from start to finish: the fixed
sentences, headings, labels and dates come from `data/i18n.json` (one table per
language, the same keys in each; a test checks them), and dates are spelled by Babel
from CLDR data. English is the fallback for other languages.
"""

from __future__ import annotations

import json
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from babel.dates import format_date

FALLBACK = "en"


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    raw = resources.files("factdesk").joinpath("data/i18n.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(raw)
    return loaded


def languages() -> dict[str, str]:
    """Code to English name of every language reports are written in."""
    names: dict[str, str] = _data()["languages"]
    return names


def supported(language: str) -> str:
    """The language itself when reports can be written in it, else the fallback."""
    return language if language in languages() else FALLBACK


def language_name(language: str) -> str:
    """The English name of the language, as prompts name it."""
    return languages()[supported(language)]


def text(language: str, key: str, **values: str | int) -> str:
    """A fixed sentence or label in `language`, with `values` filled in."""
    table: dict[str, str] = _data()["texts"][supported(language)]
    return table[key].format(**values)


def long_date(day: date, language: str) -> str:
    """The date as a reader of `language` writes it ("29 November 2026", "29 de noviembre
    de 2026")."""
    locale = "en_US" if supported(language) == "en" else supported(language)
    return format_date(day, format="long", locale=locale)


def verdict_summary(language: str, label: str) -> str:
    return text(language, f"verdict_{label}")
