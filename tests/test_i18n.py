"""Fixed report text in every language reports are written in."""

import json
import string
from datetime import date
from importlib import resources

import pytest

from factdesk import i18n
from factdesk.citations import split_cited
from factdesk.records import Report
from factdesk.render import to_markdown

DATA = json.loads(resources.files("factdesk").joinpath("data/i18n.json").read_text())
LANGUAGES = sorted(DATA["texts"])


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_key_with_the_same_placeholders():
    english = DATA["texts"]["en"]
    assert {"en", "es", "fr", "de", "it", "pt"} <= set(LANGUAGES)
    for language in LANGUAGES:
        table = DATA["texts"][language]
        assert set(table) == set(english), language
        for key, text in table.items():
            assert _fields(text) == _fields(english[key]), (language, key)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "November 29, 2026"),
        ("es", "29 de noviembre de 2026"),
        ("fr", "29 novembre 2026"),
        ("de", "29. November 2026"),
        ("it", "29 novembre 2026"),
        ("pt", "29 de novembro de 2026"),
        ("nl", "November 29, 2026"),  # no table: English
    ],
)
def test_dates_are_written_as_readers_of_the_language_write_them(language, expected):
    assert i18n.long_date(date(2026, 11, 29), language) == expected


def test_portuguese_text_splits_into_sentences():
    cited = split_cited("Brasília é a capital do Brasil [1]. Foi inaugurada em 1960 [2].", "pt")
    assert [(s.text, s.keys) for s in cited] == [
        ("Brasília é a capital do Brasil.", [1]),
        ("Foi inaugurada em 1960.", [2]),
    ]


def test_a_spanish_report_has_no_english_fixed_words(desk):
    from factdesk.pipeline import run_check

    report = run_check(desk, "¿Fue construida la Torre Eiffel para la Exposición de 1889?").report
    assert report.language == "es"
    markdown = to_markdown(Report.model_validate(report.model_dump()))
    for spanish in ("Verificado el", "Veredicto", "## Resumen", "## Conclusión", "## Fuentes"):
        assert spanish in markdown
    for english in ("Checked on", "Verdict", "Executive summary", "Bottom line", "Sources"):
        assert english not in markdown
