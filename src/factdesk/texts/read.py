"""Reading the text to check: a file, standard input, pasted text, or a web page.

Every input becomes a `SourceText` whose `text` is what claim spans point into: the
plain text a reader sees (the main text of HTML or a PDF, Markdown without markup,
subtitle cues one a line) with line endings made `\\n` and control, bidirectional and
zero-width characters removed. Empty, binary, undecodable and oversized inputs are
refused with an InputError that says which limit and how to change it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import BinaryIO

from factdesk.errors import InputError
from factdesk.extract import extract_html, extract_pdf, visible_text
from factdesk.protocols import PageFetcher
from factdesk.records import Cue, SourceText, TextKind
from factdesk.settings import TextSettings
from factdesk.sourcemeta import is_web_url
from factdesk.texts.markdown import markdown_text
from factdesk.texts.subtitles import looks_like_subtitles, parse_subtitles
from factdesk.untrusted import has_surrogates, printable

SUFFIXES: dict[str, TextKind] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".srt": "subtitles",
    ".vtt": "subtitles",
}
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<body)", re.I)


def _normalised(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return visible_text(printable(text))


def _usable(text: str, origin: str, cfg: TextSettings) -> str:
    """The text spans will point into, or an InputError saying why there is none."""
    if has_surrogates(text):
        raise InputError(f"{origin} is not valid Unicode text (it holds a lone surrogate).")
    text = _normalised(text)
    if not re.search(r"\w{2,}", text):
        raise InputError(f"{origin} has no text to check.")
    if len(text) > cfg.max_chars:
        raise InputError(
            f"{origin} holds {len(text):,} characters of text; the limit is {cfg.max_chars:,} "
            "(FACTDESK_TEXTS__MAX_CHARS). Check it in parts."
        )
    return text


def _decoded(data: bytes, origin: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{origin} looks like a binary file, not text.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{origin} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8."
        ) from exc


def kind_of(name: str, data: bytes) -> TextKind:
    """From the file's suffix, else from what the bytes start with."""
    known = SUFFIXES.get(Path(name).suffix.lower())
    if known is not None:
        return known
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if _HTML_START.match(data[:1024]):
        return "html"
    if looks_like_subtitles(data[:2048].decode("utf-8", errors="replace")):
        return "subtitles"
    return "text"


def read_bytes(data: bytes, origin: str, cfg: TextSettings, name: str = "") -> SourceText:
    """An input's bytes as a source text; `name` (a file name) decides its kind."""
    if len(data) > cfg.max_file_bytes:
        raise InputError(
            f"{origin} is {len(data):,} bytes; the limit is {cfg.max_file_bytes:,} "
            "(FACTDESK_TEXTS__MAX_FILE_BYTES)."
        )
    if not data.strip():
        raise InputError(f"{origin} is empty.")
    kind = kind_of(name, data)
    title, cues = "", list[Cue]()
    if kind == "pdf":
        found = extract_pdf(data, origin)
        text, title = found.text, found.title
    elif kind == "html":
        found = extract_html(data, "", origin)
        text, title = found.text, found.title
    elif kind == "subtitles":
        text, cues = parse_subtitles(_normalised(_decoded(data, origin)), origin)
    elif kind == "markdown":
        text = markdown_text(_decoded(data, origin))
    else:
        text = _decoded(data, origin)
    return SourceText(
        text=_usable(text, origin, cfg),
        kind=kind,
        title=title if title != origin else "",
        origin=origin,
        cues=cues,
    )


def read_path(target: str, cfg: TextSettings, stdin: BinaryIO | None = None) -> SourceText:
    """A file, or standard input for `-` (its kind sniffed from its first bytes)."""
    if target == "-":
        if stdin is None:
            raise InputError("Standard input cannot be read here.")
        return read_bytes(stdin.read(cfg.max_file_bytes + 1), "standard input", cfg)
    path = Path(target)
    if not path.is_file():
        raise InputError(f"{target} is not a file that can be read.")
    size = path.stat().st_size
    if size > cfg.max_file_bytes:
        raise InputError(
            f"{target} is {size:,} bytes; the limit is {cfg.max_file_bytes:,} "
            "(FACTDESK_TEXTS__MAX_FILE_BYTES)."
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {target}: {exc.strerror}.") from exc
    return read_bytes(data, path.name, cfg, name=path.name)


def read_pasted(text: str, cfg: TextSettings) -> SourceText:
    """Text typed or pasted (the web form, the API): plain text, or subtitles or HTML
    when it plainly is one."""
    if has_surrogates(text):
        raise InputError("The text is not valid Unicode (it holds a lone surrogate).")
    data = text.encode("utf-8")
    if not data.strip():
        raise InputError("The text is empty; paste the text to check.")
    return read_bytes(data, "The text", cfg)


def read_url(fetcher: PageFetcher, url: str, cfg: TextSettings) -> SourceText:
    """A web page (HTML, PDF or plain text) read through the fetcher, which refuses
    private addresses and honours robots.txt; sentences addressed to AI systems are
    already cut from its text (listed in `page.removed`)."""
    if not is_web_url(url):
        raise InputError(f"{url!r} is not an http(s) URL.")
    fetched = fetcher.fetch_all([url])[0]
    record, page = fetched.record, fetched.page
    if page is None:
        raise InputError(f"{url} could not be read ({record.status}): {record.error}")
    if page.truncated:
        raise InputError(
            f"{url} is longer than factdesk reads from one page (FACTDESK_FETCH__MAX_BYTES, "
            "FACTDESK_FETCH__MAX_TEXT_CHARS); save it and check it in parts."
        )
    text = _usable(page.text, url, cfg)
    return SourceText(text=text, kind="web", title=page.title, origin=url, page=record)
