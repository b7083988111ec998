"""Reading documents into the local index: text, Markdown, HTML, PDF, JSONL and the sample.

A file that cannot be read is reported with one sentence and skipped; the others are
still ingested, and nothing already in the index is touched by a failure.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from factdesk import modelpkgs, sourcemeta
from factdesk.errors import InputError
from factdesk.index import LocalIndex
from factdesk.models import Document

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".jsonl"}
MAX_FILE_BYTES = 50 * 1024 * 1024


class JsonlRecord(BaseModel):
    id: str
    title: str
    text: str
    url: str = ""
    published: date | None = None
    outlet: str = ""


@dataclass
class IngestReport:
    files: int = 0
    documents: int = 0
    passages: int = 0
    problems: list[str] = field(default_factory=list)


def _file_id(path: Path) -> str:
    return "file:" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]


def read_text(path: Path) -> str:
    """UTF-8 text of a file, or an InputError that says what is wrong with it."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; split it first.")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise InputError(f"{path} is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first."
        ) from exc


def _title_from_text(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return fallback


def _from_text_file(path: Path) -> Document:
    text = read_text(path)
    if not text.strip():
        raise InputError(f"{path} is empty.")
    return Document(
        id=_file_id(path),
        title=_title_from_text(text, path.stem),
        text=text,
        url=path.resolve().as_uri(),
        outlet="local file",
    )


def document_from_html(html: str, doc_id: str, url: str, fallback_title: str) -> Document:
    """Main text, title and date of an HTML page (scripts, styles and boilerplate dropped)."""
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False, favor_precision=True
    )
    text = (getattr(extracted, "text", None) or "") if extracted else ""
    if not text.strip():
        raise InputError(f"{fallback_title}: no readable main text was found in the HTML.")
    title = (getattr(extracted, "title", None) or fallback_title).strip()
    raw_date = getattr(extracted, "date", None)
    published = _parse_date(raw_date) if raw_date else None
    domain, outlet, source_type = sourcemeta.describe(url)
    sitename = getattr(extracted, "sitename", None)
    return Document(
        id=doc_id,
        title=title[:200],
        text=text,
        url=url,
        domain=domain,
        outlet=sitename or outlet,
        published=published,
        source_type=source_type,
    )


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _from_html_file(path: Path) -> Document:
    html = read_text(path)
    return document_from_html(html, _file_id(path), path.resolve().as_uri(), path.stem)


def _from_pdf(path: Path) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        title = (reader.metadata.title if reader.metadata else None) or path.stem
    except (PdfReadError, ValueError, OSError) as exc:
        raise InputError(f"{path} is not a readable PDF ({exc}).") from exc
    if not text.strip():
        raise InputError(f"{path} has no extractable text (is it a scanned image?).")
    return Document(
        id=_file_id(path),
        title=str(title)[:200],
        text=text,
        url=path.resolve().as_uri(),
        outlet="local file",
    )


def _from_jsonl(path: Path) -> Iterator[Document]:
    for number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = JsonlRecord.model_validate_json(line)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(p) for p in problem["loc"]) or "line"
            raise InputError(f"{path} line {number}: {where}: {problem['msg']}.") from exc
        domain, outlet, source_type = sourcemeta.describe(record.url)
        yield Document(
            id=record.id,
            title=record.title,
            text=record.text,
            url=record.url,
            domain=domain,
            outlet=record.outlet or outlet,
            published=record.published,
            source_type=source_type,
        )


READERS: dict[str, Callable[[Path], Iterable[Document]]] = {
    **{suffix: lambda p: [_from_text_file(p)] for suffix in TEXT_SUFFIXES},
    **{suffix: lambda p: [_from_html_file(p)] for suffix in HTML_SUFFIXES},
    ".pdf": lambda p: [_from_pdf(p)],
    ".jsonl": _from_jsonl,
}


def expand(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named, and supported files inside folders named (recursively, sorted)."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED
            )
        else:
            yield path


def ingest_paths(
    index: LocalIndex, paths: Iterable[Path], progress: Callable[[str], None] = lambda _: None
) -> IngestReport:
    report = IngestReport()
    for path in expand(paths):
        reader = READERS.get(path.suffix.lower())
        if reader is None:
            known = ", ".join(sorted(SUPPORTED))
            report.problems.append(f"{path}: unsupported file type (use {known}).")
            continue
        try:
            documents = list(reader(path))
        except InputError as exc:
            report.problems.append(str(exc))
            continue
        stats = index.add(documents, collection="files")
        report.files += 1
        report.documents += stats.documents
        report.passages += stats.passages
        progress(f"{path}: {stats.documents} document(s), {stats.passages} passage(s)")
    return report


def sample_documents(models_dir: Path, titles: set[str] | None = None) -> Iterator[Document]:
    """The bundled Wikipedia summaries (optionally only the named articles)."""
    path = modelpkgs.require(models_dir, "sample")
    articles: dict[str, dict[str, str]] = json.loads(path.read_text("utf-8"))
    for title, article in articles.items():
        if titles is not None and title not in titles:
            continue
        text = re.sub(r"\s+", " ", article.get("extract", "")).strip()
        if not text:
            continue
        yield Document(
            id=f"wiki:{title}",
            title=title,
            text=text,
            url="https://en.wikipedia.org/wiki/" + quote(title.replace(" ", "_")),
            domain="en.wikipedia.org",
            outlet="Wikipedia",
            source_type="encyclopedia",
        )


def ingest_sample(
    index: LocalIndex, models_dir: Path, titles: set[str] | None = None
) -> IngestReport:
    stats = index.add(sample_documents(models_dir, titles), collection="sample")
    return IngestReport(files=1, documents=stats.documents, passages=stats.passages)
