"""The JSON API under /api: start checks, follow them, read and search reports.

`{id}` is a job id (what `POST /api/checks` returns) or a report id (what listings
return); both answer with a `CheckView`.
"""

from __future__ import annotations

import json
import re
import time
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from factdesk.errors import NotFoundError
from factdesk.jobs.textjobs import TEXT_KINDS
from factdesk.published import CheckPage, Job, WebhookDelivery
from factdesk.records import Category
from factdesk.web.deps import (
    Bearer,
    State,
    WebState,
    client_of,
    created_with,
    job_client,
    read_guard,
    spend_checks,
    write_guard,
)
from factdesk.web.publishing import review_of, site_base
from factdesk.web.schemas import CheckRequest, CheckView, ErrorBody, VersionsView
from factdesk.web.views import Published, changes, published

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in {
        404: "No job or report has this id.",
        422: "The input breaks a rule (empty or too long question, bad parameter).",
        429: "Too many requests from this address (see Retry-After).",
    }.items()
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "The server's API token is missing or wrong."},
    413: {"model": ErrorBody, "description": "The request body is too large."},
}
Route = TypeVar("Route", bound=Callable[..., Any])
router = APIRouter(
    prefix="/api", tags=["checks"], dependencies=[Depends(read_guard)], responses=ERROR_RESPONSES
)


def job_view(state: WebState, job: Job, base: str) -> CheckView:
    """A job's view; `base` is the desk's address, for the ClaimReview's links."""
    view = CheckView(
        id=job.id,
        status=job.status,
        question=job.question,
        job_id=job.id,
        report_id=job.report_id,
        events_url=f"/api/checks/{job.id}/events",
        stages=job.events,
        error=job.error,
        attempts=job.attempts,
        cancel_requested=job.cancel_requested,
        batch_id=job.batch_id,
    )
    if job.kind in TEXT_KINDS:
        if job.status == "done" and job.check_id:
            view.url = f"/texts/{job.check_id}"
            view.overview = state.desk.store.texts.load(job.check_id).overview
        return view
    placed = (
        state.reports.version_of(job.check_id) if job.status == "done" and job.check_id else None
    )
    if placed is not None:
        _fill(state, view, published(state.reports, *placed), base)
    return view


def _text_view(state: WebState, text_id: str) -> CheckView:
    """A checked text by its id, as the API shows it."""
    try:
        record = state.desk.store.texts.load(text_id)
    except NotFoundError:
        raise NotFoundError(f"No job, report or text has the id {text_id!r}.") from None
    title = record.overview.title if record.overview else record.source.title
    view = CheckView(id=text_id, status=record.status, question=title, error=record.error)
    if record.overview is not None:
        view.overview, view.url = record.overview, f"/texts/{text_id}"
    return view


def _fill(state: WebState, view: CheckView, page: Published, base: str) -> None:
    view.report_id = page.summary.id
    view.version = page.version
    view.report = page.report
    view.url = page.url
    view.claim_review = review_of(page, state.desk.settings.publisher, base)


def published_or_job(
    state: WebState, some_id: str, base: str, version: int | None = None
) -> CheckView:
    job = state.jobs.find(some_id)
    if job is not None:
        return job_view(state, job, base)
    try:
        page = published(state.reports, some_id, version)
    except NotFoundError:
        if version is not None:  # the catalogue says which versions there are
            raise
        return _text_view(state, some_id)
    view = CheckView(id=some_id, status="done", question=page.report.question)
    _fill(state, view, page, base)
    return view


def base_of(request: Request) -> str:
    web: WebState = request.app.state.web
    return site_base(request, web.desk.settings.publisher)


def write(
    path: str, summary: str, extra: dict[int | str, dict[str, Any]] | None = None
) -> Callable[[Route], Route]:
    """A POST route that queues a job: 202, the write guard, and its documented errors."""
    return router.post(
        path,
        status_code=202,
        dependencies=[Depends(write_guard)],
        responses={**WRITE_RESPONSES, **(extra or {})},
        summary=summary,
    )


@write("/checks", "Start a check")
def start_check(
    body: CheckRequest, request: Request, state: State, response: Response
) -> CheckView:
    """Queue a check of a question (202), or of every claim of a text or web page
    (`text`, `url`); poll `GET /api/checks/{id}` or follow its events until it is done.
    Earlier checks first: when the same claim was checked recently the answer is 200
    with that report and `earlier`; an older one is refreshed (202, with `earlier`);
    `fresh: true` always checks again. A text or page that cannot be read is refused with
    422 and nothing is stored. With `webhook_url`, a signed notice is POSTed there when
    it has finished; a text spends `texts.max_claims` checks of an API token's quota."""
    client, base = job_client(request), base_of(request)
    if body.question is None:
        token_id = spend_checks(request, state.desk.settings.texts.max_claims)
        job = state.jobs.submit_text(
            text=body.text,
            url=body.url,
            client=client,
            webhook_url=body.webhook_url,
            token_id=token_id,
        )
        response.headers["Location"] = f"/api/checks/{job.id}"
        return job_view(state, job, base)
    token_id = spend_checks(request, 1)
    submitted = state.jobs.ask(
        body.question,
        client,
        webhook_url=body.webhook_url,
        token_id=token_id,
        policy=body.sources,
        fresh=body.fresh,
    )
    if submitted.job is None:
        assert submitted.earlier is not None  # a job is only skipped for an earlier check
        response.status_code = 200
        view = published_or_job(state, submitted.earlier.report_id, base)
    else:
        response.headers["Location"] = f"/api/checks/{submitted.job.id}"
        view = job_view(state, submitted.job, base)
    view.earlier = submitted.earlier
    return view


@router.get("/checks", summary="List or search reports")
def list_checks(
    state: State,
    q: Annotated[str, Query(max_length=200, description="Full-text search terms.")] = "",
    category: Category | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int | None, Query(ge=1, le=100)] = None,
) -> CheckPage:
    """Reports newest first, or best match first when `q` is given."""
    return state.reports.search(q, category, page, per_page or state.settings.page_size)


@router.get("/checks/{id}", summary="A job's status, or a report")
def get_check(
    id: str, request: Request, state: State, version: Annotated[int | None, Query(ge=1)] = None
) -> CheckView:
    """For a job: its status and stages, and its report once done. For a report id: the
    latest version (or `version`)."""
    return published_or_job(state, id, base_of(request), version)


@router.get("/checks/{id}/versions", summary="Every version of a report")
def get_versions(id: str, state: State) -> VersionsView:
    """All versions, and what the latest changed compared with the one before."""
    page = published(state.reports, id)
    return VersionsView(report_id=id, versions=page.versions, changes=changes(state.reports, page))


@write("/checks/{id}/refresh", "Re-run a report's check")
def refresh_check(id: str, request: Request, state: State) -> CheckView:
    """Queue a new version of report `id` (or return the refresh already queued)."""
    return job_view(state, state.jobs.refresh(id, job_client(request)), base_of(request))


@write(
    "/checks/{id}/claims/{n}/refresh",
    "Check one claim of a text again",
    {409: {"model": ErrorBody, "description": "The claim was not checked."}},
)
def refresh_text_claim(id: str, n: int, request: Request, state: State) -> CheckView:
    """Queue a new check of claim `n` of text `id`; its overview is updated when done."""
    return job_view(state, state.jobs.refresh_claim(id, n, job_client(request)), base_of(request))


@write(
    "/checks/{id}/retry",
    "Retry a failed, interrupted or cancelled job",
    {409: {"model": ErrorBody, "description": "The job is not failed or interrupted."}},
)
def retry_check(id: str, request: Request, state: State) -> CheckView:
    return job_view(state, state.jobs.retry(id, job_client(request)), base_of(request))


@write(
    "/checks/{id}/cancel",
    "Cancel a queued or running job",
    {409: {"model": ErrorBody, "description": "The job has already finished."}},
)
def cancel_check(id: str, request: Request, state: State) -> CheckView:
    """A queued job is cancelled at once; a running one stops after its current stage
    (its status says `running` with `cancel_requested` until then)."""
    return job_view(state, state.jobs.cancel(id), base_of(request))


@router.get("/checks/{id}/deliveries", summary="Webhook deliveries of a job or a batch")
def job_deliveries(id: str, state: State, given: Bearer) -> list[WebhookDelivery]:
    """Every delivery of the job's (or batch's) webhook: status, tries, the receiver's last
    answer or error, and the exact body that was signed. They show the webhook's URL,
    which may carry its receiver's secret, so only the API token the job or batch was
    created with may read them (the server's `api_token` for one created with it). Any
    other request gets the same 404 as an unknown id, so ids cannot be probed."""
    store = state.desk.store
    owner = store.jobs.get(id) or store.batches.get(id)
    allowed = created_with(state, owner.token_id if owner else None, given)
    if owner is None or not allowed:
        raise NotFoundError(f"No job or batch has the id {id!r}.")
    return store.deliveries.for_target(id)


@router.get(
    "/checks/{id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}},
    summary="Live progress of a job (server-sent events)",
)
async def job_events(
    id: str,
    request: Request,
    state: State,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """`status` events when the job's status changes, one `stage` event per stage start and
    finish (its `id` counts them, so a reconnecting client resumes), and a final `end`
    event with the report URL or the error. A client holds at most
    `server.streams_per_client` streams at once (429 beyond)."""
    await anyio.to_thread.run_sync(state.jobs.get, id)  # 404 before the stream starts
    close = state.guards.streams.take(client_of(request))
    body = _stream(request, state, id, resume_after(last_event_id), close)
    weakref.finalize(body, close)  # also when the stream is dropped before it starts
    return StreamingResponse(
        body,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


_EVENT_ID = re.compile(r"[0-9]{1,6}")


def resume_after(last_event_id: str | None) -> int:
    """The stage events a reconnecting client has seen: `Last-Event-ID` as this server
    sends it (a small decimal number); anything else starts from the beginning."""
    if last_event_id is None or not _EVENT_ID.fullmatch(last_event_id):
        return 0
    return int(last_event_id)


def _sse(event: str, data: str, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {data}\n\n"


async def _stream(
    request: Request,
    state: WebState,
    job_id: str,
    sent: int,
    close: Callable[[], None],
    keepalive_s: float = 15.0,
) -> AsyncIterator[str]:
    """The job's events; however the stream ends, the client's stream slot is closed."""
    try:
        async with aclosing(_events(request, state, job_id, sent, keepalive_s)) as events:
            async for chunk in events:
                yield chunk
    finally:
        close()


async def _events(
    request: Request, state: WebState, job_id: str, sent: int, keepalive_s: float
) -> AsyncGenerator[str, None]:
    yield "retry: 1000\n\n"
    status = ""
    quiet_since = time.monotonic()
    with state.progress.watch(job_id) as watch:
        while True:
            watch.seen()
            job = await anyio.to_thread.run_sync(state.jobs.get, job_id)
            sent = min(sent, len(job.events))  # a retried job starts its events again
            for number, event in enumerate(job.events[sent:], start=sent + 1):
                yield _sse("stage", event.model_dump_json(), number)
                quiet_since = time.monotonic()
            sent = len(job.events)
            if job.status != status:
                status = job.status
                yield _sse("status", json.dumps({"status": status}))
            if job.finished:
                view = await anyio.to_thread.run_sync(job_view, state, job, base_of(request))
                end = {"status": job.status, "url": view.url, "error": job.error}
                yield _sse("end", json.dumps(end))
                return
            if await request.is_disconnected():
                return
            await watch.wait()
            if time.monotonic() - quiet_since >= keepalive_s:
                yield ": still working\n\n"
                quiet_since = time.monotonic()
