"""What changed between two versions of a report, for readers of a refreshed check.

Sources are matched by URL (by title when there is none) and sections by heading;
citation numbers are ignored because renumbering alone is not a change of content.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from factdesk import i18n
from factdesk.citations import strip_citations
from factdesk.records import Report, Source, VerdictLabel


class SourceRef(BaseModel):
    title: str
    url: str = ""
    outlet: str = ""


class ReportDiff(BaseModel):
    base_version: int
    head_version: int
    verdict_before: VerdictLabel
    verdict_after: VerdictLabel
    confidence_before: float
    confidence_after: float
    new_sources: list[SourceRef] = Field(default_factory=list)
    dropped_sources: list[SourceRef] = Field(default_factory=list)
    sections_added: list[str] = Field(default_factory=list)
    sections_dropped: list[str] = Field(default_factory=list)
    sections_changed: list[str] = Field(default_factory=list)
    summary_changed: bool = False
    bottom_line_changed: bool = False

    @property
    def verdict_changed(self) -> bool:
        return self.verdict_before != self.verdict_after

    @property
    def unchanged(self) -> bool:
        return not (
            self.verdict_changed
            or abs(self.confidence_after - self.confidence_before) >= 0.01
            or self.new_sources
            or self.dropped_sources
            or self.sections_added
            or self.sections_dropped
            or self.sections_changed
            or self.summary_changed
            or self.bottom_line_changed
        )


def _key(source: Source) -> str:
    return source.url.strip().lower() or source.title.strip().lower()


def _ref(source: Source) -> SourceRef:
    return SourceRef(title=source.title, url=source.url, outlet=source.outlet or source.domain)


def _text(text: str) -> str:
    return re.sub(r"\s+", " ", strip_citations(text)).strip().lower()


def diff_reports(base: Report, head: Report, base_version: int, head_version: int) -> ReportDiff:
    """Compare an earlier version (`base`) with a later one (`head`)."""
    before = {_key(s): s for s in base.sources}
    after = {_key(s): s for s in head.sources}
    old_sections = {s.heading.strip().lower(): s for s in base.sections}
    new_sections = {s.heading.strip().lower(): s for s in head.sections}
    return ReportDiff(
        base_version=base_version,
        head_version=head_version,
        verdict_before=base.verdict.label,
        verdict_after=head.verdict.label,
        confidence_before=base.verdict.confidence,
        confidence_after=head.verdict.confidence,
        new_sources=[_ref(s) for k, s in after.items() if k not in before],
        dropped_sources=[_ref(s) for k, s in before.items() if k not in after],
        sections_added=[s.heading for k, s in new_sections.items() if k not in old_sections],
        sections_dropped=[s.heading for k, s in old_sections.items() if k not in new_sections],
        sections_changed=[
            s.heading
            for k, s in new_sections.items()
            if k in old_sections and _text(old_sections[k].body) != _text(s.body)
        ],
        summary_changed=_text(base.executive_summary) != _text(head.executive_summary),
        bottom_line_changed=_text(base.bottom_line) != _text(head.bottom_line),
    )


def _titles(refs: list[SourceRef]) -> str:
    return "; ".join(f"{r.title} ({r.outlet})" if r.outlet else r.title for r in refs)


def correction_note(diff: ReportDiff) -> str | None:
    """What a refresh corrected and why, when it changed the verdict or stopped citing a
    source; None for updates that only add to a report (new sources, rewritten text)."""
    if not (diff.verdict_changed or diff.dropped_sources):
        return None
    before = i18n.text("en", f"label_{diff.verdict_before}")
    after = i18n.text("en", f"label_{diff.verdict_after}")
    parts = [
        f"Version {diff.head_version} changed the verdict from {before} to {after}."
        if diff.verdict_changed
        else f"Version {diff.head_version} kept the verdict ({after}) but changed its sources."
    ]
    if diff.new_sources:
        parts.append(f"The check was run again and found new sources: {_titles(diff.new_sources)}.")
    if diff.dropped_sources:
        parts.append(
            "Sources the earlier version cited are no longer cited (not found again, or no "
            f"longer among the most relevant): {_titles(diff.dropped_sources)}."
        )
    if diff.verdict_changed and not (diff.new_sources or diff.dropped_sources):
        parts.append("The same sources were judged again and weighed differently.")
    return " ".join(parts)
