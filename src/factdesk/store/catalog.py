"""Published reports: one page per question, every version kept, searchable.

A report page is keyed by the id of its first check; a refresh adds its check as the
next version. The `reports` row is a small summary of the latest version so that
listings and search never parse stored records. Pages are written by the check store
when it saves a finished check (`publish`), in the same transaction. The statements
run on SQLite and PostgreSQL alike; only full-text search is written per engine
(FTS5's MATCH and rank; a `tsvector` match ranked by `ts_rank`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from factdesk.errors import NotFoundError
from factdesk.published import CheckPage, ReportSummary, VersionInfo
from factdesk.records import CheckRecord, Report
from factdesk.sqlitedb import fields, fts_query
from factdesk.store.diff import ReportDiff, correction_note, diff_reports
from factdesk.store.sql import SQLDatabase

_SUMMARY = "id, title, question, category, verdict, confidence, created_at, checked_at"


def slugify(text: str, max_chars: int = 60) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word boundary."""
    plain = unicodedata.normalize("NFKD", re.sub(r"['’]", "", text))
    plain = plain.encode("ascii", "ignore").decode()
    slug = ""
    for word in re.findall(r"[a-z0-9]+", plain.lower()):
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > max_chars:
            break
        slug = longer
    return slug or "check"


def report_path(category: str, title: str, report_id: str) -> str:
    return f"/fact-checks/{category}/{slugify(title)}-{report_id}"


def searchable_text(report: Report) -> str:
    parts = [report.executive_summary, report.bottom_line]
    parts += [f"{s.heading}. {s.body}" for s in report.sections]
    parts += [s.title for s in report.sources]
    return "\n".join(parts)


def _text_search(engine: str) -> tuple[str, str, str]:
    """The FROM, WHERE and ORDER BY of a full-text search, each taking the query once."""
    if engine == "postgres":
        query = "websearch_to_tsquery('english', ?)"
        return (
            "reports_fts f JOIN reports r ON r.id = f.report_id",
            f"f.document @@ {query}",
            f"ts_rank(f.document, {query}) DESC, r.checked_at DESC",
        )
    return "reports_fts f JOIN reports r ON r.id = f.report_id", "reports_fts MATCH ?", "f.rank"


Corrector = Callable[[str, ReportDiff, str, str], None]


class SQLCatalog:
    """Report pages, their versions and full-text search, in the store's database.

    Publishing a version that changes the verdict or drops a cited source hands the
    diff and its note to `correct` (the correction log), in the same transaction."""

    def __init__(
        self, db: SQLDatabase, load_report: Callable[[str], Report], correct: Corrector
    ) -> None:
        self._db = db
        self._load_report = load_report
        self._correct = correct

    def publish(self, record: CheckRecord) -> tuple[str, int]:
        """Add a finished check as a new page or as the next version of `record.page_id`;
        call inside the transaction that saves it. A check already published stays put."""
        report = record.report
        if report is None:
            raise ValueError(f"check {record.id} has no report to publish")
        page_id = record.page_id or record.id
        self._db.lock(f"page:{page_id}")  # one version number per check, even when racing
        placed = self.version_of(record.id)
        if placed is not None:
            return placed
        checked_at = record.updated_at.isoformat()
        summary = (
            report.title,
            report.question,
            report.category,
            report.verdict.label,
            report.verdict.confidence,
        )
        version = self._next_version(page_id, is_new=record.page_id is None)
        if version == 1:
            self._db.execute(
                f"INSERT INTO reports({_SUMMARY}) VALUES (?,?,?,?,?,?,?,?)",
                (page_id, *summary, checked_at, checked_at),
            )
        else:
            self._db.execute(
                "UPDATE reports SET title=?, question=?, category=?, verdict=?, "
                "confidence=?, checked_at=? WHERE id=?",
                (*summary, checked_at, page_id),
            )
        self._db.execute(
            "INSERT INTO report_versions(report_id, version, check_id, created_at) "
            "VALUES (?,?,?,?)",
            (page_id, version, record.id, checked_at),
        )
        if version > 1:
            self._note_corrections(page_id, version, report, checked_at)
        self._db.execute("DELETE FROM reports_fts WHERE report_id=?", (page_id,))
        self._db.execute(
            "INSERT INTO reports_fts(report_id, title, question, body) VALUES (?,?,?,?)",
            (page_id, report.title, report.question, searchable_text(report)),
        )
        return page_id, version

    def _note_corrections(self, page_id: str, version: int, report: Report, when: str) -> None:
        previous = self.versions(page_id)[version - 2]
        diff = diff_reports(self._load_report(previous.check_id), report, version - 1, version)
        note = correction_note(diff)
        if note is not None:
            self._correct(page_id, diff, note, when)

    def _next_version(self, report_id: str, *, is_new: bool) -> int:
        row = self._db.row(
            "SELECT MAX(version) AS v FROM report_versions WHERE report_id=?", (report_id,)
        )
        latest = row["v"] if row else None
        if latest is None and not is_new:
            raise NotFoundError(f"No report page has the id {report_id!r}.")
        return int(latest or 0) + 1

    def summary(self, report_id: str) -> ReportSummary:
        row = self._db.row(f"SELECT {_SUMMARY} FROM reports WHERE id=?", (report_id,))
        if row is None:
            raise NotFoundError(f"No report page has the id {report_id!r}.")
        return _summary(row)

    def versions(self, report_id: str) -> list[VersionInfo]:
        rows = self._db.rows(
            "SELECT version, check_id, created_at FROM report_versions WHERE report_id=? "
            "ORDER BY version",
            (report_id,),
        )
        return [VersionInfo.model_validate(fields(row)) for row in rows]

    def version_of(self, check_id: str) -> tuple[str, int] | None:
        row = self._db.row(
            "SELECT report_id, version FROM report_versions WHERE check_id=?", (check_id,)
        )
        return None if row is None else (str(row["report_id"]), int(row["version"]))

    def report(self, report_id: str, version: int | None = None) -> tuple[VersionInfo, Report]:
        versions = self.versions(report_id)
        if not versions:
            raise NotFoundError(f"No report page has the id {report_id!r}.")
        chosen = (
            versions[-1]
            if version is None
            else next((v for v in versions if v.version == version), None)
        )
        if chosen is None:
            raise NotFoundError(
                f"Report {report_id} has versions 1 to {len(versions)}, not {version}."
            )
        return chosen, self._load_report(chosen.check_id)

    def search(
        self, q: str = "", category: str | None = None, page: int = 1, per_page: int = 20
    ) -> CheckPage:
        """Reports matching `q` (best first) or all of them (newest first), a page at a time."""
        where: list[str] = []
        args: list[object] = []
        order_args: tuple[object, ...] = ()
        source, order = "reports r", "r.checked_at DESC"
        if q.strip():
            match = fts_query(q)
            if not match:
                return CheckPage(items=[], total=0, page=page, per_page=per_page, pages=0)
            source, matching, order = _text_search(self._db.engine)
            where.append(matching)
            args.append(match)
            order_args = (match,) * order.count("?")
        if category:
            where.append("r.category = ?")
            args.append(category)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        counted = self._db.row(f"SELECT COUNT(*) AS n FROM {source}{clause}", tuple(args))
        total = int(counted["n"]) if counted else 0
        columns = ", ".join(f"r.{c.strip()}" for c in _SUMMARY.split(","))
        rows = self._db.rows(
            f"SELECT {columns} FROM {source}{clause} ORDER BY {order} LIMIT ? OFFSET ?",
            (*args, *order_args, per_page, (page - 1) * per_page),
        )
        return CheckPage(
            items=[_summary(row) for row in rows],
            total=total,
            page=page,
            per_page=per_page,
            pages=math.ceil(total / per_page),
        )

    def categories(self) -> dict[str, int]:
        rows = self._db.rows(
            "SELECT category, COUNT(*) AS n FROM reports GROUP BY category "
            "ORDER BY n DESC, category"
        )
        return {str(row["category"]): int(row["n"]) for row in rows}


def _summary(row: Any) -> ReportSummary:
    data = fields(row)
    data["url"] = report_path(data["category"], data["title"], data["id"])
    return ReportSummary.model_validate(data)
