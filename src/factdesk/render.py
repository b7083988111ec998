"""Reports as Markdown, JSON and HTML; all three carry the same content."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from factdesk.citations import CITATION_GROUP, parse_group
from factdesk.records import PageRecord, Report

LABELS = {
    "supported": "Supported",
    "refuted": "Refuted",
    "conflicting": "Conflicting",
    "not_enough_evidence": "Not enough evidence",
}
STANCES = {"supports": "supports", "refutes": "refutes", "context": "context only"}
FORMATS = ("md", "json", "html")


def long_date(day: date) -> str:
    """ "January 25, 2026": the form reports use for dates."""
    return f"{day:%B} {day.day}, {day.year}"


def checked_on(report: Report) -> str:
    return long_date(report.checked_on)


def _source_line(report: Report, n: int) -> str:
    source = next(s for s in report.sources if s.n == n)
    parts = [
        source.outlet or source.domain or "local",
        source.published.isoformat() if source.published else "undated",
    ]
    return ", ".join(p for p in parts if p)


def _page_line(page: PageRecord) -> str:
    """What happened to one URL: when it was read and the hash of what was read, or why not."""
    if page.retrieved_at is None:
        return f"{page.url}: {page.status} ({page.error})"
    cut = ", cut at the size limit" if page.truncated else ""
    if page.removed:
        cut += f", {len(page.removed)} sentence(s) addressed to AI systems removed"
    return (
        f"{page.final_url or page.url}: {page.status}, retrieved "
        f"{page.retrieved_at:%Y-%m-%d %H:%M} UTC, sha256 {page.sha256[:12]}{cut}"
    )


def usage_line(report: Report) -> str:
    """Model calls and tokens per stage, for the stages that asked the model anything."""
    return ", ".join(
        f"{stage} {u.calls} call{'s' if u.calls != 1 else ''}, "
        f"{u.prompt_tokens} in / {u.completion_tokens} out"
        for stage, u in report.method.usage.items()
        if u.calls
    )


def to_markdown(report: Report) -> str:
    v = report.verdict
    lines = [
        f"# {report.title}",
        "",
        f"Checked on {checked_on(report)} · Category: {report.category}",
        "",
        f"> {report.disclaimer}",
        "",
        f"**Verdict: {LABELS[v.label]}** (confidence {v.confidence:.0%}). {v.summary}",
        "",
        "## Executive summary",
        "",
        report.executive_summary,
        "",
    ]
    for number, section in enumerate(report.sections, start=1):
        lines += [f"## {number}. {section.heading}", "", section.body, ""]
    lines += ["## Bottom line", "", report.bottom_line, "", "## Sources", ""]
    for s in report.sources:
        lines.append(
            f"{s.n}. **{s.title}**, {_source_line(report, s.n)}. <{s.url}> "
            f"({s.source_type}; {STANCES[s.stance]})"
        )
    lines += ["", "## Want to dive deeper?", ""]
    lines += [f"- {q}" for q in report.followups]
    m, g = report.method, report.grounding
    lines += [
        "",
        "## Method",
        "",
        "- Queries: " + "; ".join(f"{q.text} ({q.angle})" for q in m.queries),
        f"- Search backends: {', '.join(m.backends)}"
        + (f" (failed: {'; '.join(m.backend_errors)})" if m.backend_errors else ""),
        *(["- Pages read:"] + [f"  - {_page_line(p)}" for p in m.pages] if m.pages else []),
        f"- Passages considered: {len(m.passages_considered)}; used: {len(m.passages_used)}",
        f"- Model: {m.model}; preset: {m.preset}; settings hash: {m.settings_hash}",
        "- Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in m.timings.items()),
        *([f"- Model tokens: {usage_line(report)}"] if usage_line(report) else []),
        f"- Grounding: {g.sentences} sentences checked, {g.verified} verified, "
        f"{g.recited} re-cited, {g.removed} removed",
        "",
    ]
    return "\n".join(lines)


def to_json(report: Report) -> str:
    return report.model_dump_json(indent=2)


def link_citations(text: str) -> Markup:
    """Escape text, then turn each [n] into a link to source n."""
    escaped = str(escape(text))

    def link(match: re.Match[str]) -> str:
        return " ".join(
            f'<a class="cite" href="#source-{n}">[{n}]</a>' for n in parse_group(match.group(1))
        )

    return Markup(CITATION_GROUP.sub(link, escaped))


SAFE_SCHEMES = ("http://", "https://", "file://")


def safe_url(url: str) -> str:
    """The URL if its scheme is harmless in a link, else "#" (no javascript: links)."""
    return url if url.strip().lower().startswith(SAFE_SCHEMES) else "#"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("factdesk", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cite"] = link_citations
    env.filters["safe_url"] = safe_url
    env.filters["page_line"] = _page_line
    env.filters["long_date"] = long_date
    env.filters["usage_line"] = usage_line
    env.globals.update(LABELS=LABELS, STANCES=STANCES)
    return env


def to_html(report: Report) -> str:
    return (
        environment()
        .get_template("report.html")
        .render(report=report, checked_on=checked_on(report))
    )


def render(report: Report, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(fmt)
