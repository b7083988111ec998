"""What a store keeps around published reports: archived copies of cited passages,
correction notes, readers' suggestions and the embeddings of checked questions, in
statements SQLite and PostgreSQL both run.

Corrections are written by the catalogue when it publishes a version (see
`catalog.SQLCatalog.publish`); everything else is written through these parts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from factdesk.errors import NotFoundError
from factdesk.published import Correction, CorrectionPage, Suggestion, SuggestionKind
from factdesk.records import ArchivedCopy, utcnow
from factdesk.sqlitedb import fields
from factdesk.store.catalog import report_path
from factdesk.store.diff import ReportDiff
from factdesk.store.sql import SQLDatabase


class SQLArchive:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def keep(self, copies: Sequence[ArchivedCopy]) -> None:
        stored_at = utcnow().isoformat()
        with self._db.transaction():
            for copy in copies:
                self._db.execute(
                    "INSERT INTO archive(sha256, url, title, outlet, text, retrieved_at, "
                    "page_sha256, stored_at) VALUES (?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (sha256) DO NOTHING",
                    (
                        copy.sha256,
                        copy.url,
                        copy.title,
                        copy.outlet,
                        copy.text,
                        copy.retrieved_at.isoformat(),
                        copy.page_sha256,
                        stored_at,
                    ),
                )

    def get(self, sha256: str) -> ArchivedCopy:
        row = self._db.row(
            "SELECT sha256, url, title, outlet, text, retrieved_at, page_sha256 FROM archive "
            "WHERE sha256=?",
            (sha256.lower(),),
        )
        if row is None:
            raise NotFoundError(f"The archive holds no copy with the SHA-256 {sha256!r}.")
        return ArchivedCopy.model_validate(fields(row))


_CORRECTION = (
    "c.report_id, c.version, c.created_at, c.verdict_before, c.verdict_after, "
    "c.dropped_sources, c.new_sources, c.note, r.title, r.category"
)


class SQLCorrections:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def record(self, report_id: str, diff: ReportDiff, note: str, created_at: str) -> None:
        """Keep a correction note; call inside the transaction that publishes the version."""
        self._db.execute(
            "INSERT INTO corrections(report_id, version, created_at, verdict_before, "
            "verdict_after, dropped_sources, new_sources, note) VALUES (?,?,?,?,?,?,?,?) "
            "ON CONFLICT (report_id, version) DO NOTHING",
            (
                report_id,
                diff.head_version,
                created_at,
                diff.verdict_before,
                diff.verdict_after,
                json.dumps([s.title for s in diff.dropped_sources]),
                json.dumps([s.title for s in diff.new_sources]),
                note,
            ),
        )

    def for_report(self, report_id: str) -> list[Correction]:
        rows = self._db.rows(
            f"SELECT {_CORRECTION} FROM corrections c JOIN reports r ON r.id = c.report_id "
            "WHERE c.report_id=? ORDER BY c.version DESC",
            (report_id,),
        )
        return [_correction(row) for row in rows]

    def recent(self, page: int = 1, per_page: int = 20) -> CorrectionPage:
        counted = self._db.row("SELECT COUNT(*) AS n FROM corrections")
        rows = self._db.rows(
            f"SELECT {_CORRECTION} FROM corrections c JOIN reports r ON r.id = c.report_id "
            "ORDER BY c.created_at DESC LIMIT ? OFFSET ?",
            (per_page, (page - 1) * per_page),
        )
        return CorrectionPage(
            items=[_correction(row) for row in rows],
            total=int(counted["n"]) if counted else 0,
            page=page,
            per_page=per_page,
        )


def _correction(row: Any) -> Correction:
    data = fields(row)
    data["url"] = report_path(data.pop("category"), data["title"], data["report_id"])
    data["dropped_sources"] = json.loads(data["dropped_sources"])
    data["new_sources"] = json.loads(data["new_sources"])
    return Correction.model_validate(data)


class SQLInbox:
    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def add(self, suggestion: Suggestion) -> None:
        self._db.execute(
            "INSERT INTO inbox(id, kind, report_id, text, source_url, contact, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                suggestion.id,
                suggestion.kind,
                suggestion.report_id,
                suggestion.text,
                suggestion.source_url,
                suggestion.contact,
                suggestion.created_at.isoformat(),
            ),
        )

    def recent(self, limit: int = 50, kind: SuggestionKind | None = None) -> list[Suggestion]:
        where, args = ("WHERE kind=? ", (kind,)) if kind else ("", ())
        rows = self._db.rows(
            f"SELECT * FROM inbox {where}ORDER BY created_at DESC LIMIT ?", (*args, limit)
        )
        return [Suggestion.model_validate(fields(row)) for row in rows]


class SQLEarlierChecks:
    """Question vectors of published checks, compared by brute force: a desk holds
    thousands of checks, not millions, and one matrix product over them takes
    milliseconds."""

    def __init__(self, db: SQLDatabase) -> None:
        self._db = db

    def remember(
        self, check_id: str, language: str, embedder: str, vector: npt.NDArray[np.float32]
    ) -> None:
        self._db.execute(
            "INSERT INTO check_vectors(check_id, embedder, language, vector) VALUES (?,?,?,?) "
            "ON CONFLICT (check_id, embedder) DO UPDATE SET language=excluded.language, "
            "vector=excluded.vector",
            (check_id, embedder, language, np.asarray(vector, dtype=np.float32).tobytes()),
        )

    def nearest(
        self, vector: npt.NDArray[np.float32], language: str | None, embedder: str, limit: int = 5
    ) -> list[tuple[str, float]]:
        query = (
            "SELECT v.vector, rv.report_id FROM check_vectors v "
            "JOIN report_versions rv ON rv.check_id = v.check_id WHERE v.embedder=?"
        )
        if language is None:
            rows = self._db.rows(query, (embedder,))
        else:
            rows = self._db.rows(query + " AND v.language=?", (embedder, language))
        if not rows:
            return []
        matrix = np.stack([np.frombuffer(row["vector"], dtype=np.float32) for row in rows])
        scores = matrix @ np.asarray(vector, dtype=np.float32)
        best: dict[str, float] = {}
        for row, score in zip(rows, scores, strict=True):
            report_id = str(row["report_id"])
            value = float(score)
            if not math.isnan(value) and value > best.get(report_id, -math.inf):
                best[report_id] = value
        return sorted(best.items(), key=lambda item: -item[1])[:limit]

    def unremembered(self, embedder: str, limit: int = 500) -> list[tuple[str, str, str]]:
        language = (
            "c.record::jsonb #>> '{report,language}'"
            if self._db.engine == "postgres"
            else "json_extract(c.record, '$.report.language')"
        )
        rows = self._db.rows(
            f"SELECT c.id, c.question, COALESCE({language}, 'en') AS language "
            "FROM checks c JOIN report_versions rv ON rv.check_id = c.id "
            "WHERE NOT EXISTS (SELECT 1 FROM check_vectors v "
            "WHERE v.check_id = c.id AND v.embedder = ?) ORDER BY c.created_at LIMIT ?",
            (embedder, limit),
        )
        return [(str(r["id"]), str(r["question"]), str(r["language"])) for r in rows]
