"""The FastAPI application: pages and JSON API over the same desk and store as the CLI.

`create_app` takes a desk (tests build one with the scripted LLM) or settings (the
server builds the desk the settings name). Nothing is global: every route reaches the
desk, jobs and guards through `request.app.state.web` (see `deps`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from factdesk.errors import (
    AuthError,
    BackendError,
    ConflictError,
    FactdeskError,
    InputError,
    NotFoundError,
    RateLimitedError,
)
from factdesk.jobs.batches import Batches
from factdesk.jobs.service import JobService
from factdesk.pipeline import Desk
from factdesk.plugins import BuildContext, build_queue
from factdesk.settings import Settings
from factdesk.web import routes_api, routes_batches, routes_inbox, routes_pages, routes_publish
from factdesk.web.deps import WebState, render_page
from factdesk.web.guards import BodyLimit, Guards, HostAndOrigin, SecurityHeaders
from factdesk.web.progress import ProgressHub
from factdesk.web.schemas import ErrorBody, ErrorDetail
from factdesk.webhooks import WebhookSender

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
ERRORS: tuple[tuple[type[FactdeskError], int, str], ...] = (
    (InputError, 422, "invalid_input"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (AuthError, 401, "unauthorized"),
    (RateLimitedError, 429, "rate_limited"),
    (BackendError, 503, "backend_error"),
)
HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}
TEXT_PATHS = frozenset({"/api/checks", "/texts"})  # the bodies that may carry whole texts


def create_app(desk_or_settings: Desk | Settings, *, start_workers: bool = True) -> FastAPI:
    """The app over one desk; workers start and stop with the app's lifespan."""
    desk = (
        desk_or_settings
        if isinstance(desk_or_settings, Desk)
        else Desk.from_settings(desk_or_settings)
    )
    queue = build_queue(BuildContext(desk.settings, embedder=desk.embedder))
    jobs = JobService(desk, queue)
    server = desk.settings.server
    state = WebState(
        desk=desk,
        jobs=jobs,
        guards=Guards(server),
        batches=Batches(jobs, server.batch_max_questions),
        progress=ProgressHub(desk.store.jobs),
        sender=WebhookSender(desk.store.deliveries, desk.settings.webhooks),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settled = state.jobs.recover()
        if settled:
            log.warning("settled %d job(s) left running by the previous server", settled)
        state.progress.start()
        if start_workers:
            state.jobs.start()
            state.sender.start()
        yield
        state.sender.stop()
        state.jobs.stop()
        state.progress.stop()

    app = FastAPI(
        title="factdesk",
        version=version("factdesk"),
        summary="Research a question across sources and publish a balanced, cited report.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN, which the CSP forbids
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web = state
    _install_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=server.max_body_bytes,
        larger={
            routes_batches.UPLOAD_PATH: server.batch_max_bytes,
            **dict.fromkeys(TEXT_PATHS, max(server.max_text_body_bytes, server.max_body_bytes)),
        },
    )
    app.add_middleware(HostAndOrigin, settings=server, refuse=forbidden)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes_api.router)
    app.include_router(routes_publish.api)
    app.include_router(routes_inbox.api)
    app.include_router(routes_publish.pages)
    app.include_router(routes_inbox.pages)
    app.include_router(routes_batches.router)
    app.include_router(routes_pages.router)
    return app


def wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON error body for the API and for non-browser clients, a page for browsers."""
    if wants_html(request):
        response: Response = render_page("error.html", status, status=status, message=message)
    else:
        body = ErrorBody(error=ErrorDetail(code=code, message=message))
        response = JSONResponse(body.model_dump(), status_code=status)
    response.headers.update(headers or {})
    return response


def forbidden(request: Request, message: str) -> Response:
    return error_response(request, 403, "forbidden", message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FactdeskError)
    async def factdesk_error(request: Request, exc: Exception) -> Response:
        status, code = next(
            ((s, c) for kind, s, c in ERRORS if isinstance(exc, kind)), (500, "internal_error")
        )
        headers = {}
        if isinstance(exc, RateLimitedError):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, AuthError):
            headers["WWW-Authenticate"] = "Bearer"
        return error_response(request, status, code, str(exc), headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "request"
        return error_response(request, 422, "invalid_input", f"{where}: {first['msg']}.")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = "No page or endpoint here." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, exc.status_code, code, message, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return error_response(
            request, 500, "internal_error", "Something went wrong on the server; it is logged."
        )
