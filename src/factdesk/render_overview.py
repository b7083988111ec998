"""The overview of a whole text as Markdown, JSON and HTML.

The original text is shown with every claim's words highlighted, coloured by verdict
(or as not checked), each highlight a link to that claim's part of the report. The
text is the reader's input and may hold markup meant to run: in HTML every piece of it
is escaped before the highlights are put around it, and in Markdown the characters
that would become markup or raw HTML are escaped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from markupsafe import Markup, escape

from factdesk.records import Overview, Span, TextClaim
from factdesk.render import Wording, environment, page_line

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|!])")


def clock(seconds: float) -> str:
    """`1:02:03` or `2:03`: a transcript time as players show it."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def verdict_class(claim: TextClaim) -> str:
    """The CSS class a highlight is coloured by."""
    if not claim.checked:
        return "unchecked"
    return claim.label or "failed"


def status(claim: TextClaim, w: Wording, max_claims: int) -> str:
    """A claim's verdict with its confidence, or why it was not checked."""
    if claim.checked and claim.label is not None:
        return f"{w.label(claim.label)} ({w.confidence(claim.confidence or 0.0)})"
    if claim.checked:
        return w("text_failed")
    reason = (
        w(f"worth_{claim.category}")
        if claim.category != "factual"
        else w("text_ranked_below", count=max_claims)
    )
    return w("text_not_checked", reason=reason)


def pieces(overview: Overview) -> Iterator[tuple[str, TextClaim | None]]:
    """The text in reading order as runs of plain text and of a claim's words (an
    overlapping span starts where the one before it ended)."""
    text = overview.source.text
    marks: list[tuple[Span, TextClaim]] = sorted(
        ((span, claim) for claim in overview.claims for span in claim.spans),
        key=lambda item: item[0],
    )
    cursor = 0
    for (start, end), claim in marks:
        start = max(start, cursor)
        if start >= end:
            continue
        if start > cursor:
            yield text[cursor:start], None
        yield text[start:end], claim
        cursor = end
    if cursor < len(text):
        yield text[cursor:], None


def annotated_html(overview: Overview) -> Markup:
    """The original text, escaped, with a linked highlight per claim span."""
    w = Wording(overview.language)
    max_claims = overview.method.checked
    out: list[str] = []
    for run, claim in pieces(overview):
        if claim is None:
            out.append(str(escape(run)))
            continue
        title = escape(f"{claim.n}. {status(claim, w, max_claims)}")
        out.append(
            f'<a class="claim-mark {verdict_class(claim)}" href="#claim-{claim.n}" '
            f'data-claim="{claim.n}" title="{title}">{escape(run)}</a>'
        )
    return Markup("".join(out))


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: no emphasis, links or raw HTML."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _annotated_markdown(overview: Overview) -> str:
    w = Wording(overview.language)
    out: list[str] = []
    for run, claim in pieces(overview):
        if claim is None:
            out.append(markdown_escape(run))
            continue
        label = status(claim, w, overview.method.checked)
        out.append(f'[{markdown_escape(run)}](#claim-{claim.n} "{claim.n}: {label}")')
    return "".join(out).replace("\n", "  \n")


def to_markdown(overview: Overview) -> str:
    w = Wording(overview.language)
    m = overview.method
    lines = [
        f"# {markdown_escape(overview.title)}",
        "",
        w("checked_on", date=w.date(overview.checked_on)),
        "",
        f"> {overview.disclaimer}",
        "",
        f"## {w('executive_summary')}",
        "",
        overview.executive_summary,
        "",
        f"## {w('text_claims')}",
        "",
        f"| # | {w('text_claim')} | {w('verdict')} | {w('sources')} |",
        "|---|---|---|---|",
    ]
    for c in overview.claims:
        cited = " ".join(f"[{n}]" for n in c.sources)
        number = f"[{c.n}](#claim-{c.n})" if c.checked else str(c.n)
        said = markdown_escape(c.text).replace("\n", " ")
        lines.append(f"| {number} | {said} | {status(c, w, m.checked)} | {cited} |")
    lines += ["", f"## {w('text_the_text')}", "", _annotated_markdown(overview), ""]
    for c in (c for c in overview.claims if c.checked):
        lines += [f'## <a id="claim-{c.n}"></a>{c.n}. {markdown_escape(c.text)}', ""]
        when = f" · {w('text_said_at', time=clock(c.times[0]))}" if c.times else ""
        lines += [f"**{w('verdict')}: {status(c, w, m.checked)}**{when}", ""]
        lines += [c.paragraph or c.error or w("text_failed"), ""]
    for section in (s for s in overview.sections if s.kind == "limits"):
        lines += [f"## {section.heading}", "", section.body, ""]
    lines += [f"## {w('bottom_line')}", "", markdown_escape(overview.bottom_line), ""]
    lines += [f"## {w('sources')}", ""]
    for s in overview.sources:
        link = f" <{s.url}>" if s.url else ""
        lines.append(f"{s.n}. **{markdown_escape(s.title)}**, {w.source_line(s)}.{link}")
    if overview.followups:
        lines += ["", f"## {w('dive_deeper')}", "", *(f"- {q}" for q in overview.followups)]
    return "\n".join([*lines, "", f"## {w('method')}", "", *method_lines(overview, w), ""])


def method_lines(overview: Overview, w: Wording) -> list[str]:
    m, g = overview.method, overview.grounding
    counts = {"statements": m.statements, "sentences": m.sentences, "worthy": m.check_worthy}
    used = ", ".join(
        f"{stage} {u.calls} calls, {u.prompt_tokens} in / {u.completion_tokens} out"
        for stage, u in m.usage.items()
        if u.calls
    )
    grounded = g.model_dump(include={"sentences", "verified", "recited", "removed"})
    page = overview.source.page
    read = [f"- {w('pages_read')}: {page_line(page)}"] if page is not None else []
    return [
        "- " + w("text_method", **counts, checked=m.checked, extraction=m.extraction),
        *read,
        f"- {w('model')}: {m.model}; preset: {m.preset}; settings hash: {m.settings_hash}",
        f"- {w('timings')}: " + ", ".join(f"{k} {v:.1f} s" for k, v in m.timings.items()),
        *([f"- {w('model_tokens')}: {used}"] if used else []),
        f"- {w('grounding', **grounded)}",
    ]


def to_json(overview: Overview) -> str:
    """The overview without each claim's full report; every claim has its `span`."""
    data = overview.model_dump(mode="json", exclude={"claims"})
    data["claims"] = [
        {
            "n": c.n,
            "text": c.text,
            "quote": c.quote,
            "span": list(c.span),
            "spans": [list(s) for s in c.spans],
            "category": c.category,
            "checked": c.checked,
            "reason": c.reason,
            "label": c.label,
            "confidence": c.confidence,
            "sources": c.sources,
            "paragraph": c.paragraph,
            "times": list(c.times) if c.times else None,
            "error": c.error,
        }
        for c in overview.claims
    ]
    return json.dumps(data, indent=2, ensure_ascii=False)


def to_html(overview: Overview) -> str:
    return (
        environment()
        .get_template("overview.html")
        .render(overview=overview, **overview_context(overview))
    )


def overview_context(overview: Overview) -> dict[str, Any]:
    """What both overview templates (the export and the web page) need."""
    w = Wording(overview.language)
    return {
        "w": w,
        "annotated": annotated_html(overview),
        "status": lambda claim: status(claim, w, overview.method.checked),
        "verdict_class": verdict_class,
        "clock": clock,
        "limits": [s for s in overview.sections if s.kind == "limits"],
        "method_lines": [line.removeprefix("- ") for line in method_lines(overview, w)],
    }


def render_overview(overview: Overview, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(overview)
    if fmt == "json":
        return to_json(overview)
    if fmt == "html":
        return to_html(overview)
    raise ValueError(fmt)
