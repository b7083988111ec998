"""The batch API: up to 1,000 questions at once, their progress, and their results.

`POST /api/batches` takes JSON (`{"questions": [...], "webhook_url": ...}` or a list),
JSON lines (`application/x-ndjson`), CSV (`text/csv`, a `question` or `claim` column,
else the first), or a multipart upload of such a file (`file`, and optionally
`webhook_url`). Results come as JSON lines or CSV, in the order of the questions.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from factdesk.errors import InputError
from factdesk.jobs.batches import (
    SUFFIXES,
    BatchProgress,
    InputFormat,
    read_questions,
    results_csv,
    results_jsonl,
)
from factdesk.web.deps import State, job_client, read_guard, spend_checks, write_guard
from factdesk.web.routes_api import ERROR_RESPONSES, WRITE_RESPONSES

UPLOAD_PATH = "/api/batches"
router = APIRouter(
    prefix="/api/batches",
    tags=["batches"],
    dependencies=[Depends(read_guard)],
    responses=ERROR_RESPONSES,
)
FORMATS: dict[str, InputFormat] = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "text/csv": "csv",
}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The JSON upload is not valid JSON: {exc.msg} (line {exc.lineno})."
        ) from exc


async def _upload(request: Request) -> tuple[list[str], str | None]:
    """The questions and the webhook URL of a batch request, whatever its form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    webhook = request.query_params.get("webhook_url")
    if kind == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InputError("A multipart batch needs its questions as a file field named 'file'.")
        name = (upload.filename or "").lower()
        fmt = next((f for suffix, f in SUFFIXES.items() if name.endswith(suffix)), None)
        fmt = fmt or FORMATS.get((upload.content_type or "").lower(), "csv")
        field = form.get("webhook_url")
        return read_questions(await upload.read(), fmt), field if isinstance(
            field, str
        ) else webhook
    fmt = FORMATS.get(kind)
    if fmt is None:
        raise InputError(
            f"Send a batch as {', '.join(FORMATS)} or multipart/form-data, not {kind or 'nothing'}."
        )
    body = await request.body()
    if fmt == "json" and body.lstrip()[:1] == b"{":
        parsed = _json(body)
        webhook = parsed.get("webhook_url", webhook) if isinstance(parsed, dict) else webhook
    return read_questions(body, fmt), webhook


@router.post(
    "",
    status_code=202,
    dependencies=[Depends(write_guard)],
    responses=WRITE_RESPONSES,
    summary="Start a batch of checks",
)
async def start_batch(
    request: Request,
    state: State,
    response: Response,
    webhook_url: Annotated[
        str | None, Query(description="Where to POST a signed notice when all have finished.")
    ] = None,
) -> BatchProgress:
    """Queue every question as a job of its own; follow `GET /api/batches/{id}`."""
    questions, webhook = await _upload(request)
    token = getattr(request.state, "token", None)
    client = job_client(request)
    prepared, jobs = await anyio.to_thread.run_sync(
        lambda: state.batches.prepare(
            questions, webhook or webhook_url, token and token.id, client=client
        )
    )
    spend_checks(request, len(jobs))  # only a batch that can run spends the quota
    batch = await anyio.to_thread.run_sync(state.batches.queue, prepared, jobs)
    response.headers["Location"] = f"/api/batches/{batch.id}"
    return await anyio.to_thread.run_sync(state.batches.progress, batch.id)


@router.get("/{id}", summary="A batch's progress")
def batch_progress(id: str, state: State) -> BatchProgress:
    return state.batches.progress(id)


@router.get("/{id}/results.jsonl", response_class=PlainTextResponse, summary="Results, JSON lines")
def batch_results_jsonl(id: str, state: State) -> PlainTextResponse:
    """One line per question, in order: its job, status, verdict, confidence, report URL or
    error (questions still running say so)."""
    text = results_jsonl(state.batches.results(id))
    return PlainTextResponse(text, media_type="application/x-ndjson")


@router.get("/{id}/results.csv", response_class=PlainTextResponse, summary="Results, CSV")
def batch_results_csv(id: str, state: State) -> PlainTextResponse:
    return PlainTextResponse(results_csv(state.batches.results(id)), media_type="text/csv")


@router.post(
    "/{id}/resume",
    status_code=202,
    dependencies=[Depends(write_guard)],
    responses=WRITE_RESPONSES,
    summary="Queue a batch's failed, interrupted or cancelled questions again",
)
def resume_batch(id: str, request: Request, state: State) -> BatchProgress:
    state.batches.resume(id, job_client(request))
    return state.batches.progress(id)
