"""A report page as the web shows it: a version, the versions around it, what changed."""

from __future__ import annotations

from dataclasses import dataclass

from factdesk.protocols import ReportCatalog
from factdesk.published import ReportSummary, VersionInfo
from factdesk.records import Report
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
    """A version of a page (the latest by default), with its stored report."""
    summary = reports.summary(report_id)
    chosen, report = reports.report(report_id, version)
    return Published(summary, chosen.version, reports.versions(report_id), report)


def changes(reports: ReportCatalog, page: Published) -> ReportDiff | None:
    """What this version changed since the one before it; None for a first version."""
    if page.version == 1:
        return None
    before = published(reports, page.summary.id, page.version - 1)
    return diff_reports(before.report, page.report, before.version, page.version)
