"""Importing other publishers' fact-checks: ClaimReview JSON-LD from a file, a DataFeed,
or a URL read through the SSRF-safe fetcher (a JSON-LD document, or a page whose
`application/ld+json` scripts hold the reviews), into the published fact-checks
collection that search consults first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factdesk.backends.fetch.http import Fetcher
from factdesk.backends.search.factchecks import FactCheckCollection
from factdesk.claimreview import json_ld_blocks, read_claim_reviews
from factdesk.errors import FactdeskError, InputError
from factdesk.ingest import read_text

JSON_TYPES = ("application/ld+json", "application/json")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass
class ImportReport:
    imported: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def _parse(text: str, where: str, html: bool) -> Any:
    if html:
        return json_ld_blocks(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where} is not JSON (line {exc.lineno}: {exc.msg}).") from exc


def _document(target: str, fetcher: Fetcher | None) -> Any:
    if target.startswith(("http://", "https://")):
        if fetcher is None:
            raise InputError(f"{target}: reading URLs needs a page fetcher.")
        got = fetcher.download(target, (*JSON_TYPES, *HTML_TYPES))
        text = got.body.decode("utf-8", errors="replace")
        return _parse(text, target, got.content_type in HTML_TYPES)
    path = Path(target)
    if not path.is_file():
        raise InputError(f"{path} does not exist or is not a file.")
    return _parse(read_text(path), str(path), path.suffix.lower() in (".html", ".htm"))


def import_fact_checks(
    collection: FactCheckCollection, targets: list[str], fetcher: Fetcher | None = None
) -> ImportReport:
    """Read each file or URL and add its ClaimReviews; a target that cannot be read is
    reported and the others are still imported."""
    report = ImportReport()
    for target in targets:
        try:
            found, skipped = read_claim_reviews(_document(target, fetcher))
        except FactdeskError as exc:
            report.problems.append(str(exc))
            continue
        if not found and not skipped:
            report.problems.append(f"{target}: no ClaimReview found.")
            continue
        report.imported += collection.add(found)
        report.skipped += skipped
    return report
