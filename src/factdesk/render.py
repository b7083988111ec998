"""Reports as Markdown, JSON and HTML; all three carry the same content, and every word
the renderer adds is in the report's own language (`Wording`, from `factdesk.i18n`)."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

import jinja2
from markupsafe import Markup, escape

from factdesk import i18n
from factdesk.citations import CITATION_GROUP, parse_group
from factdesk.records import PageRecord, Report, Source
from factdesk.sourcemeta import is_web_url

FORMATS = ("md", "json", "html")


class Wording:
    """The fixed words of one report, in the report's language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **values: str | int) -> str:
        return i18n.text(self.language, key, **values)

    def label(self, verdict: str) -> str:
        return self(f"label_{verdict}")

    def stance(self, stance: str) -> str:
        return self(f"stance_{stance}")

    def category(self, category: str) -> str:
        return self(f"category_{category}")

    def source_type(self, source_type: str) -> str:
        return self(f"type_{source_type}")

    def date(self, day: date) -> str:
        return i18n.long_date(day, self.language)

    def checked_on(self, report: Report) -> str:
        return self("checked_on", date=self.date(report.checked_on))

    def confidence(self, confidence: float) -> str:
        return self("confidence", percent=f"{confidence:.0%}")

    def source_line(self, source: Source) -> str:
        """Outlet and date of a source, as the source list shows them."""
        published = self.date(source.published) if source.published else self("undated")
        return f"{source.outlet or source.domain or 'local'}, {published}"

    def tier(self, source: Source) -> str:
        """The credibility tier of the source's domain ("unrated" when it is not listed)."""
        return self(f"tier_{source.tier or 'unrated'}")

    def policy_line(self, report: Report) -> str:
        """The check's source policy and the domains it left out, in one line."""
        method = report.method
        policy = method.source_policy
        parts = [
            self(key, domains=", ".join(domains))
            for key, domains in (
                ("policy_only", policy.allow),
                ("policy_never", policy.deny),
                ("policy_first", policy.priority),
            )
            if domains
        ]
        line = "; ".join(parts) or self("policy_any")
        if method.excluded_domains:
            line += f" ({self('policy_left_out', domains=', '.join(method.excluded_domains))})"
        return line


def long_date(day: date) -> str:
    """ "January 25, 2026": how the web app's own pages (listings, versions) write dates."""
    return i18n.long_date(day, "en")


def page_line(page: PageRecord) -> str:
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
    w = Wording(report.language)
    v = report.verdict
    lines = [
        f"# {report.title}",
        "",
        f"{w.checked_on(report)} · {w('category')}: {w.category(report.category)}",
        "",
        f"> {report.disclaimer}",
        "",
        f"**{w('verdict')}: {w.label(v.label)}** ({w.confidence(v.confidence)}). {v.summary}",
        "",
        f"## {w('executive_summary')}",
        "",
        report.executive_summary,
        "",
    ]
    for number, section in enumerate(report.sections, start=1):
        lines += [f"## {number}. {section.heading}", "", section.body, ""]
    lines += [f"## {w('bottom_line')}", "", report.bottom_line, "", f"## {w('sources')}", ""]
    for s in report.sources:
        archived = ""
        if s.sha256:
            archived = f" {w('archived_line', url=s.archived_url, sha=s.sha256[:12])}."
        lines.append(
            f"{s.n}. **{s.title}**, {w.source_line(s)}."
            + (f" <{s.url}>" if s.url else "")
            + f" ({w.source_type(s.source_type)}; {w('tier', tier=w.tier(s))}; "
            + f"{w.stance(s.stance)})"
            + (f".{archived}" if archived else "")
        )
    lines += ["", f"## {w('dive_deeper')}", ""]
    lines += [f"- {q}" for q in report.followups]
    return "\n".join([*lines, "", f"## {w('method')}", "", *_method_lines(report, w), ""])


def _method_lines(report: Report, w: Wording) -> list[str]:
    m, g = report.method, report.grounding
    failed = f" ({w('failed')}: {'; '.join(m.backend_errors)})" if m.backend_errors else ""
    pages = [f"- {w('pages_read')}:", *(f"  - {page_line(p)}" for p in m.pages)]
    used = {"considered": len(m.passages_considered), "used": len(m.passages_used)}
    counts = g.model_dump(include={"sentences", "verified", "recited", "removed"})
    usage = usage_line(report)
    reasons = [f"- {w('verdict_rule')}: {v.reason}" for v in report.verdict.per_claim if v.reason]
    return [
        *reasons,
        f"- {w('queries')}: " + "; ".join(f"{q.text} ({q.angle})" for q in m.queries),
        f"- {w('search_backends')}: {', '.join(m.backends)}{failed}",
        f"- {w('source_policy')}: {w.policy_line(report)}",
        *(pages if m.pages else []),
        f"- {w('passages', **used)}",
        f"- {w('model')}: {m.model}; preset: {m.preset}; settings hash: {m.settings_hash}",
        f"- {w('timings')}: " + ", ".join(f"{k} {v:.1f} s" for k, v in m.timings.items()),
        *([f"- {w('model_tokens')}: {usage}"] if usage else []),
        f"- {w('grounding', **counts)}",
    ]


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


def linkable(url: str) -> bool:
    """Whether a source gets a link: only http(s) URLs do. No javascript: links, and no
    file: links, which would publish where the server keeps its local sources."""
    return is_web_url(url)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("factdesk", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cite"] = link_citations
    env.tests["linkable"] = linkable
    env.filters["page_line"] = page_line
    env.filters["long_date"] = long_date
    env.filters["usage_line"] = usage_line
    env.globals["site_words"] = Wording("en")  # the web app's own pages are in English
    return env


def to_html(report: Report) -> str:
    return (
        environment().get_template("report.html").render(report=report, w=Wording(report.language))
    )


def render(report: Report, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(fmt)
