"""Server-rendered pages: the question box, live progress, report pages, browsing, search.

Forms post to plain routes that answer with redirects, so every page works without
JavaScript; with it, the progress page follows the job's event stream and the search
box updates its results as the reader types.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from factdesk.errors import InputError, NotFoundError
from factdesk.jobs.textjobs import TEXT_KINDS
from factdesk.pipeline import STAGES
from factdesk.published import Job
from factdesk.records import CATEGORIES, utcnow
from factdesk.render import Wording, to_json, to_markdown
from factdesk.render_overview import overview_context
from factdesk.render_overview import to_json as overview_json
from factdesk.render_overview import to_markdown as overview_markdown
from factdesk.web.deps import State, WebState, client_of, read_guard, render_page
from factdesk.web.guards import TOKEN_COOKIE
from factdesk.web.publishing import review_of, site_base, text_reviews
from factdesk.web.views import Published, changes, published

router = APIRouter(include_in_schema=False, dependencies=[Depends(read_guard)])
EXPORTS = (".md", ".json")


def _token_needed(state: WebState, request: Request) -> bool:
    return not state.guards.token_ok(request.cookies.get(TOKEN_COOKIE))


def _write(state: WebState, request: Request, token: str) -> str | None:
    """Apply the write limit and token to a form; return a token to remember, if any."""
    state.guards.writes.take(client_of(request))
    remembered = request.cookies.get(TOKEN_COOKIE)
    state.guards.check_token(token or remembered)
    return token if token and token != remembered and state.guards.token else None


def _see_other(url: str, remember: str | None = None) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if remember:
        response.set_cookie(TOKEN_COOKIE, remember, httponly=True, samesite="strict")
    return response


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, state: State, q: Annotated[str, Query(max_length=2000)] = ""
) -> Response:
    """The question box (`?q=` fills it in), recent checks and categories."""
    return render_page(
        "home.html",
        question=q,
        recent=state.reports.search(per_page=8).items,
        categories=state.reports.categories(),
        token_needed=_token_needed(state, request),
        max_chars=state.desk.settings.pipeline.max_question_chars,
        max_text_chars=state.desk.settings.texts.max_chars,
    )


@router.post("/checks")
def start_check(
    request: Request,
    state: State,
    question: Annotated[str, Form()],
    token: Annotated[str, Form()] = "",
) -> Response:
    remember = _write(state, request, token)
    submitted = state.jobs.ask(question, client_of(request))
    if submitted.job is None and submitted.earlier is not None:  # checked recently: show it
        return _see_other(f"{submitted.earlier.url}?{urlencode({'asked': question})}", remember)
    assert submitted.job is not None
    return _see_other(f"/jobs/{submitted.job.id}", remember)


@router.post("/texts")
def start_text_check(
    request: Request,
    state: State,
    text: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    token: Annotated[str, Form()] = "",
) -> Response:
    """The home page's "Paste a text / a link" form: a text, or else a link."""
    remember = _write(state, request, token)
    if bool(text.strip()) == bool(url.strip()):
        raise InputError("Paste a text or give a link (one of them) to check.")
    job = state.jobs.submit_text(
        text=text if text.strip() else None, url=url.strip() or None, client=client_of(request)
    )
    return _see_other(f"/jobs/{job.id}", remember)


def _stage_names(job: Job) -> list[str]:
    """The stages a job's page lists: the pipeline's, or a text's steps as they come."""
    if job.kind not in TEXT_KINDS:
        return list(STAGES)
    first = "extract" if job.kind == "text" else f"claim {job.claim}"
    return list(dict.fromkeys([first, *(e.stage for e in job.events)]))


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, state: State) -> Response:
    job = state.jobs.get(job_id)
    if job.status == "done" and job.report_id:
        return _see_other(state.reports.summary(job.report_id).url)
    if job.status == "done" and job.kind in TEXT_KINDS:
        anchor = f"#claim-{job.claim}" if job.claim else ""
        return _see_other(f"/texts/{job.check_id}{anchor}")
    finished = {e.stage: e for e in job.events if e.state == "finished"}
    started = {e.stage for e in job.events}
    refreshing = job.report_id if job.kind == "refresh" else None
    refreshed = state.reports.summary(refreshing) if refreshing else None
    return render_page(
        "job.html",
        job=job,
        refreshed=refreshed,
        stages=[(s, finished.get(s), s in started) for s in _stage_names(job)],
        token_needed=_token_needed(state, request),
    )


@router.get("/texts/{name}")
def text_page(name: str, request: Request, state: State) -> Response:
    """A checked text's overview (`id`), or its export (`id.md`, `id.json`)."""
    text_id, dot, ext = name.partition(".")
    record = state.desk.store.texts.load(text_id)
    if record.overview is None:
        raise NotFoundError(f"Text {text_id} has no overview yet ({record.status}).")
    overview = record.overview
    if dot and ext == "md":
        return PlainTextResponse(
            overview_markdown(overview), media_type="text/markdown; charset=utf-8"
        )
    if dot and ext == "json":
        return Response(overview_json(overview), media_type="application/json")
    if dot:
        raise NotFoundError(f"There is no {ext!r} export of a text.")
    return render_page(
        "overview.html",
        overview=overview,
        refresh_url=f"/texts/{text_id}/refresh",
        token_needed=_token_needed(state, request),
        claim_reviews=text_reviews(
            record, state.desk.settings.publisher, site_base(request, state.desk.settings.publisher)
        ),
        **overview_context(overview),
    )


@router.post("/texts/{text_id}/refresh/{n}")
def refresh_text_claim(
    text_id: str, n: int, request: Request, state: State, token: Annotated[str, Form()] = ""
) -> Response:
    remember = _write(state, request, token)
    job = state.jobs.refresh_claim(text_id, n, client_of(request))
    return _see_other(f"/jobs/{job.id}", remember)


@router.post("/jobs/{job_id}/retry")
def retry_job(
    job_id: str, request: Request, state: State, token: Annotated[str, Form()] = ""
) -> Response:
    remember = _write(state, request, token)
    state.jobs.retry(job_id, client_of(request))
    return _see_other(f"/jobs/{job_id}", remember)


@router.post("/refresh/{report_id}")
def refresh_report(
    report_id: str, request: Request, state: State, token: Annotated[str, Form()] = ""
) -> Response:
    remember = _write(state, request, token)
    job = state.jobs.refresh(report_id, client_of(request))
    return _see_other(f"/jobs/{job.id}", remember)


def _known(category: str) -> None:
    if category not in CATEGORIES:
        raise NotFoundError(f"There is no category {category!r}.")


def _listing(request: Request, state: State, q: str, category: str | None, page: int) -> Response:
    found = state.reports.search(q, category, page, state.settings.page_size)

    def page_url(number: int) -> str:
        params = {k: v for k, v in {"q": q, "page": str(number)}.items() if v}
        return f"{request.url.path}?{urlencode(params)}"

    return render_page(
        "list.html",
        found=found,
        q=q,
        category=category,
        categories=state.reports.categories(),
        all_categories=CATEGORIES,
        page_url=page_url,
    )


@router.get("/fact-checks", response_class=HTMLResponse)
def all_checks(
    request: Request,
    state: State,
    q: Annotated[str, Query(max_length=200)] = "",
    category: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    if category:  # the search form's category select lands on the category's own page
        _known(category)
        query = f"?{urlencode({'q': q})}" if q else ""
        return RedirectResponse(f"/fact-checks/{category}{query}", status_code=303)
    return _listing(request, state, q, None, page)


@router.get("/fact-checks/{category}", response_class=HTMLResponse)
def category_checks(
    category: str,
    request: Request,
    state: State,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    _known(category)
    return _listing(request, state, q, category, page)


@router.get("/fact-checks/{category}/{name}")
def report_page(
    category: str,
    name: str,
    request: Request,
    state: State,
    version: Annotated[int | None, Query(ge=1)] = None,
    asked: Annotated[str, Query(max_length=2000)] = "",
    suggested: bool = False,
) -> Response:
    """The report (`slug-id`), or its export (`slug-id.md`, `slug-id.json`). `asked` is a
    question this earlier check was shown for; `suggested` thanks a reader's suggestion."""
    stem, dot, ext = name.rpartition(".")
    suffix = f".{ext}" if dot and f".{ext}" in EXPORTS else ""
    stem = stem if suffix else name
    report_id = stem.rpartition("-")[2]
    page = published(state.reports, report_id, version)
    canonical = page.summary.url + suffix
    if request.url.path != canonical:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(canonical + query, status_code=308)
    if suffix == ".md":
        return PlainTextResponse(
            to_markdown(page.report), media_type="text/markdown; charset=utf-8"
        )
    if suffix == ".json":
        return Response(to_json(page.report), media_type="application/json")
    context = _report_context(state, request, page)
    return render_page("report.html", asked=asked, suggested=suggested, **context)


def _report_context(state: WebState, request: Request, page: Published) -> dict[str, Any]:
    current = page.versions[page.version - 1]
    age_days = (utcnow() - current.created_at).total_seconds() / 86400
    publisher = state.desk.settings.publisher
    return {
        "claim_review": review_of(page, publisher, site_base(request, publisher)),
        "corrections": state.desk.store.corrections.for_report(page.summary.id),
        "published": page,
        "report": page.report,
        "w": Wording(page.report.language),
        "changes": changes(state.reports, page),
        "stale": page.latest and age_days >= state.settings.stale_after_days,
        "age_days": int(age_days),
        "token_needed": _token_needed(state, request),
    }
