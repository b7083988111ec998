"""A report page as the web shows it: a version, the versions around it, what changed.

Sources the server read from its own disk keep their title on the web but not their
address: a `file:` URL would publish where the server keeps its files.
"""

from __future__ import annotations

from dataclasses import dataclass

from factdesk.protocols import ReportCatalog
from factdesk.published import ReportSummary, VersionInfo
from factdesk.records import PassageRef, Report
from factdesk.render import linkable
from factdesk.store.diff import ReportDiff, diff_reports


@dataclass(frozen=True)
class Published:
    """One version of a report page, with what a reader needs around it."""

    summary: ReportSummary
    version: int
    versions: list[VersionInfo]
    report: Report

    @property
    def latest(self) -> bool:
        return self.version == self.versions[-1].version

    @property
    def url(self) -> str:
        """This version's page: the report's URL, with `?version=` unless it is the latest."""
        return self.summary.url + ("" if self.latest else f"?version={self.version}")


def published(reports: ReportCatalog, report_id: str, version: int | None = None) -> Published:
    """A version of a page (the latest by default), with its stored report as published."""
    summary = reports.summary(report_id)
    chosen, report = reports.report(report_id, version)
    return Published(summary, chosen.version, reports.versions(report_id), public(report))


def public(report: Report) -> Report:
    """The report without the addresses of local sources (only web URLs stay)."""

    def refs(found: list[PassageRef]) -> list[PassageRef]:
        return [r if linkable(r.url) else r.model_copy(update={"url": ""}) for r in found]

    sources = [s if linkable(s.url) else s.model_copy(update={"url": ""}) for s in report.sources]
    method = report.method.model_copy(
        update={
            "passages_considered": refs(report.method.passages_considered),
            "passages_used": refs(report.method.passages_used),
        }
    )
    return report.model_copy(update={"sources": sources, "method": method})


def changes(reports: ReportCatalog, page: Published) -> ReportDiff | None:
    """What this version changed since the one before it; None for a first version."""
    if page.version == 1:
        return None
    before = published(reports, page.summary.id, page.version - 1)
    return diff_reports(before.report, page.report, before.version, page.version)
