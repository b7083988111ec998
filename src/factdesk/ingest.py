"""Reading documents into the local index: files, web pages, feeds and the sample.

A file that cannot be read is reported with one sentence and skipped; the others are
still ingested, and nothing already in the index is touched by a failure. Inside a
folder, symbolic links are not followed (one could lead to any file the user can read,
which a published report would then quote) and only regular files are read (a FIFO
would block); both are reported as skipped.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from factdesk import modelpkgs, sourcemeta
from factdesk.backends.fetch.http import FEED_TYPES, Fetcher
from factdesk.backends.search.local import LocalIndex
from factdesk.errors import InputError, UnsupportedContentError
from factdesk.extract import Extracted, extract_html, extract_pdf, extract_plain
from factdesk.protocols import PageFetcher
from factdesk.records import Document, Page
from factdesk.sourcemeta import canonical_url, is_web_url
from factdesk.untrusted import clean_untrusted, defuse

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
    skipped: int = 0  # documents already indexed from the same content
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _file_id(path: Path) -> str:
    return "file:" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; anything else (a FIFO, a
    device) is refused without waiting on it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"{path} cannot be read: {exc.strerror}.") from exc
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path} is not a regular file.")
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(
                f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB; split it first."
            )
        return file.read()


def read_text(path: Path) -> str:
    """UTF-8 text of a file, or an InputError that says what is wrong with it."""
    data = read_bytes(path)
    if b"\x00" in data[:8192]:
        raise InputError(f"{path} is not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path} is not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first."
        ) from exc


def _from_text_file(path: Path) -> Document:
    found = extract_plain(read_text(path), str(path))
    return Document(
        id=_file_id(path),
        title=found.title,
        text=found.text,
        url=path.resolve().as_uri(),
        outlet="local file",
    )


def document_from(found: Extracted, doc_id: str, url: str) -> Document:
    """A document for the index; the outlet comes from the curated domain list first,
    since a page can call itself anything."""
    domain, outlet, source_type = sourcemeta.describe(url)
    listed = outlet and outlet != domain
    return Document(
        id=doc_id,
        title=found.title[:200],
        text=found.text,
        url=url,
        domain=domain,
        outlet=outlet if listed else (found.sitename or outlet or "local file"),
        published=found.published,
        source_type=source_type,
    )


def document_from_html(html: str, doc_id: str, url: str, fallback_title: str) -> Document:
    """Main text, title and date of an HTML page (scripts, styles and boilerplate dropped)."""
    return document_from(extract_html(html, url, fallback_title), doc_id, url)


def _from_html_file(path: Path) -> Document:
    html = read_text(path)
    return document_from_html(html, _file_id(path), path.resolve().as_uri(), path.stem)


def _from_pdf(path: Path) -> Document:
    found = extract_pdf(read_bytes(path), str(path))
    title = found.title if found.title != str(path) else path.stem
    return Document(
        id=_file_id(path),
        title=title[:200],
        text=found.text,
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
        if not record.id.strip():
            raise InputError(
                f"{path} line {number}: id is empty; every record needs its own id "
                "(it identifies the document when it is ingested again)."
            )
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


def expand(paths: Iterable[Path], skipped: list[str]) -> Iterator[Path]:
    """Files named, and supported regular files inside folders named (at any depth,
    sorted); what a folder holds besides is added to `skipped`, one sentence each."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{path} does not exist.")
        if path.is_dir():
            yield from _folder_files(path, skipped)
        else:
            yield path


def _folder_files(folder: Path, skipped: list[str]) -> list[Path]:
    """Walked with a list of folders still to read, not by recursion: a folder nested
    thousands deep must not exhaust the stack."""
    found: list[Path] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            skipped.append(f"{current} cannot be listed ({exc.strerror}); skipped.")
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                skipped.append(f"{path} is a symbolic link; skipped (links are not followed).")
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif path.suffix.lower() not in SUPPORTED:
                continue
            elif entry.is_file(follow_symlinks=False):
                found.append(path)
            else:
                skipped.append(f"{path} is not a regular file; skipped.")
    return sorted(found)


def ingest_paths(
    index: LocalIndex, paths: Iterable[Path], progress: Callable[[str], None] = lambda _: None
) -> IngestReport:
    report = IngestReport()
    for path in expand(paths, report.notes):
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
        report.skipped += stats.skipped
        unchanged = f", {stats.skipped} unchanged" if stats.skipped else ""
        progress(f"{path}: {stats.documents} document(s), {stats.passages} passage(s){unchanged}")
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
    return IngestReport(
        files=1, documents=stats.documents, passages=stats.passages, skipped=stats.skipped
    )


def document_from_page(page: Page) -> Document:
    """A fetched page as an index document, identified by its canonical URL."""
    found = Extracted(
        title=page.title,
        text=page.text,
        author=page.author,
        sitename=page.sitename,
        published=page.published,
    )
    return document_from(found, "web:" + canonical_url(page.final_url), page.final_url)


def _indexed(
    index: LocalIndex, documents: list[Document], problems: list[str], sources: int
) -> IngestReport:
    stats = index.add(documents, collection="web")
    return IngestReport(
        files=sources,
        documents=stats.documents,
        passages=stats.passages,
        skipped=stats.skipped,
        problems=problems,
    )


def ingest_urls(
    index: LocalIndex,
    fetcher: PageFetcher,
    urls: list[str],
    progress: Callable[[str], None] = lambda _: None,
) -> IngestReport:
    """Fetch pages (through the SSRF guard and robots.txt) and add them to the index."""
    documents: list[Document] = []
    problems: list[str] = []
    for result in fetcher.fetch_all(urls):
        if result.page is None:
            problems.append(result.record.error)
            continue
        documents.append(document_from_page(result.page))
        progress(f"{result.record.url}: {result.record.status}, {result.record.chars} characters")
    return _indexed(index, documents, problems, len(urls))


def _entry_document(entry: Any, link: str) -> Document | None:
    """A feed entry from the feed's own text, for when its page cannot be read."""
    content = entry.get("content") or [{}]
    raw = str(content[0].get("value") or entry.get("summary") or "")
    text = defuse(clean_untrusted(html.unescape(raw), 20_000))[0]
    if not text:
        return None
    domain, outlet, source_type = sourcemeta.describe(link)
    when = entry.get("published_parsed") or entry.get("updated_parsed")
    return Document(
        id="web:" + canonical_url(link),
        title=clean_untrusted(html.unescape(str(entry.get("title") or link)), 200),
        text=text,
        url=link,
        domain=domain,
        outlet=outlet,
        published=date(*when[:3]) if when else None,
        source_type=source_type,
    )


def ingest_feed(
    index: LocalIndex,
    fetcher: Fetcher,
    feed_url: str,
    limit: int,
    progress: Callable[[str], None] = lambda _: None,
) -> IngestReport:
    """Read an RSS or Atom feed and add its newest `limit` entries' pages to the index.

    An entry whose page cannot be read is added from the feed's own text when the
    feed carries any; either way the problem is reported.
    """
    import feedparser

    try:
        got = fetcher.download(feed_url, (*FEED_TYPES, "text/plain"))
    except UnsupportedContentError as exc:
        raise InputError(f"{feed_url} is not an RSS or Atom feed ({exc.args[0]}).") from exc
    entries = [e for e in feedparser.parse(got.body).entries if is_web_url(str(e.get("link", "")))][
        :limit
    ]
    if not entries:
        raise InputError(f"{feed_url} is not an RSS or Atom feed with linked entries.")
    links = [str(e["link"]) for e in entries]
    documents: list[Document] = []
    problems: list[str] = []
    notes: list[str] = []
    for entry, link, result in zip(entries, links, fetcher.fetch_all(links), strict=True):
        if result.page is not None:
            documents.append(document_from_page(result.page))
            progress(f"{link}: {result.record.status}, {result.record.chars} characters")
            continue
        fallback = _entry_document(entry, link)
        if fallback is None:
            problems.append(result.record.error)
        else:
            documents.append(fallback)
            notes.append(f"{result.record.error}; the feed's own text was indexed instead")
    report = _indexed(index, documents, problems, len(links))
    report.notes = notes
    return report
