"""Main text and metadata of an HTML page, a PDF or plain text, for files and the web.

HTML goes through trafilatura (boilerplate, scripts and styles dropped; the date found
by htmldate, original publication date only, never a guess from the running text).
Elements hidden from readers (hidden, aria-hidden, display:none, visibility:hidden,
zero font size, screen-reader-only classes) are pruned first, and invisible
formatting characters removed, because text a reader cannot see is a common carrier
of instructions aimed at the model.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from factdesk.errors import InputError

_LOWER = "translate(@style, ' ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
HIDDEN_XPATH = [
    "//*[@hidden]",
    "//*[@aria-hidden='true']",
    f"//*[contains({_LOWER}, 'display:none')]",
    f"//*[contains({_LOWER}, 'visibility:hidden')]",
    f"//*[contains(concat({_LOWER}, ';'), 'font-size:0;') or contains({_LOWER}, 'font-size:0px')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' sr-only ')]",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' visually-hidden ')]",
    "//template",
]
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
HTML_TYPES = ("text/html", "application/xhtml+xml")
PDF_TYPES = ("application/pdf",)
TEXT_TYPES = ("text/plain",)
READABLE_TYPES = HTML_TYPES + PDF_TYPES + TEXT_TYPES
MAX_ELEMENTS = 60_000


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    author: str = ""
    sitename: str = ""
    published: date | None = None


def visible_text(text: str) -> str:
    return _INVISIBLE.sub("", text).strip()


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _first_line(text: str, fallback: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:120]
    return fallback


def extract_html(
    html: str | bytes, url: str, fallback_title: str, max_elements: int = MAX_ELEMENTS
) -> Extracted:
    """Main text, title, author, site name and publication date of an HTML page.

    Extraction time grows with the number of elements (a 2 MB table of 150,000 cells
    takes about 12 s), so a page with more than `max_elements` is refused up front.
    """
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        raise InputError(f"{fallback_title}: the HTML could not be parsed.")
    elements = sum(1 for _ in tree.iter())
    if elements > max_elements:
        raise InputError(
            f"{fallback_title}: the page has {elements} HTML elements, more than the "
            f"{max_elements} factdesk reads."
        )
    found = trafilatura.bare_extraction(
        tree,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_precision=True,
        prune_xpath=HIDDEN_XPATH,
        date_extraction_params={
            "original_date": True,
            "extensive_search": False,
            "max_date": date.today().isoformat(),
        },
    )
    text = visible_text(str(getattr(found, "text", None) or "")) if found else ""
    if not text:
        raise InputError(f"{fallback_title}: no readable main text was found in the HTML.")
    return Extracted(
        title=visible_text(str(getattr(found, "title", None) or "")) or fallback_title,
        text=text,
        author=visible_text(str(getattr(found, "author", None) or "")),
        sitename=visible_text(str(getattr(found, "sitename", None) or "")),
        published=parse_date(getattr(found, "date", None)),
    )


def extract_pdf(data: bytes, fallback_title: str) -> Extracted:
    """Text of every page, with title, author and creation date from the PDF's metadata."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        meta = reader.metadata
        title = str((meta.title if meta else None) or "")
        author = str((meta.author if meta else None) or "")
        created = meta.creation_date if meta else None
    except (PdfReadError, ValueError, OSError, TypeError, KeyError) as exc:
        raise InputError(f"{fallback_title} is not a readable PDF ({exc}).") from exc
    text = visible_text(text)
    if not text:
        raise InputError(f"{fallback_title} has no extractable text (is it a scanned image?).")
    return Extracted(
        title=visible_text(title) or fallback_title,
        text=text,
        author=visible_text(author),
        published=created.date() if created else None,
    )


def extract_plain(text: str, fallback_title: str) -> Extracted:
    text = visible_text(text)
    if not text:
        raise InputError(f"{fallback_title} is empty.")
    return Extracted(title=_first_line(text, fallback_title), text=text)


def extract(
    body: bytes, content_type: str, url: str, max_elements: int = MAX_ELEMENTS
) -> Extracted:
    """Dispatch on the media type (parameters such as charset ignored)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media in PDF_TYPES:
        return extract_pdf(body, url)
    if media in TEXT_TYPES:
        return extract_plain(body.decode("utf-8", errors="replace"), url)
    if media in HTML_TYPES:
        return extract_html(body, url, url, max_elements)
    raise InputError(f"{url}: cannot read content of type {media or 'unknown'}.")
