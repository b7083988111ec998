"""What every route depends on: the app's state, the client's address, the guards, pages.

Routes reach the desk, the jobs and the guards through `request.app.state.web`;
nothing is global, so tests run many apps side by side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from factdesk import tokens
from factdesk.errors import AuthError
from factdesk.jobs.batches import Batches
from factdesk.jobs.service import JobService
from factdesk.pipeline import Desk
from factdesk.protocols import ReportCatalog
from factdesk.render import environment
from factdesk.settings import ServerSettings
from factdesk.web.guards import Guards
from factdesk.web.progress import ProgressHub
from factdesk.webhooks import WebhookSender


@dataclass
class WebState:
    """Everything a route needs, built once per app."""

    desk: Desk
    jobs: JobService
    guards: Guards
    batches: Batches
    progress: ProgressHub
    sender: WebhookSender

    @property
    def settings(self) -> ServerSettings:
        return self.desk.settings.server

    @property
    def reports(self) -> ReportCatalog:
        return self.desk.store.reports


def web(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


State = Annotated[WebState, Depends(web)]
bearer = HTTPBearer(auto_error=False, description="The API token, when the server sets one.")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def job_client(request: Request) -> str:
    """Whose share of open jobs (`server.jobs_per_client`) a write's jobs count against:
    the client address's, or none for a request made with an API token, which that
    token's own rate and daily quota bound."""
    return "" if getattr(request.state, "token", None) is not None else client_of(request)


def read_guard(request: Request) -> None:
    """Every page and API call spends one request of the client's read allowance."""
    web(request).guards.reads.take(client_of(request))


def write_guard(request: Request, credentials: Bearer) -> None:
    """API writes need a token when the server says so. A token made by `factdesk tokens
    create` spends its own per-minute allowance, counted in the store so that it holds
    across replicas; other writes spend the client address's allowance."""
    state = web(request)
    given = credentials.credentials if credentials else None
    if tokens.looks_like_token(given):
        token = tokens.authenticate(state.desk.store.tokens, str(given))
        if token is None:
            raise AuthError("This API token is unknown or has been revoked.")
        tokens.take_write(state.desk.store.tokens, token)
        request.state.token = token
        return
    state.guards.writes.take(client_of(request))
    if state.settings.tokens_required and not state.guards.token:
        raise AuthError(
            "This server requires an API token for writes: `Authorization: Bearer fdk_...`."
        )
    state.guards.check_token(given)


def created_with(state: WebState, token_id: str | None, given: Bearer) -> bool:
    """Whether `given` is the credential a job or batch was created with: the API token
    `token_id` (its secret compared in constant time by `tokens.authenticate`, then its
    id), or, for one created without such a token, the server's `api_token`. A job or
    batch asked for with no credential at all has no owner who can prove it."""
    presented = given.credentials if given else ""
    if token_id is None:
        return bool(state.guards.token) and state.guards.token_ok(presented)
    token = (
        tokens.authenticate(state.desk.store.tokens, presented)
        if tokens.looks_like_token(presented)
        else None
    )
    return token is not None and secrets.compare_digest(token.id.encode(), token_id.encode())


def spend_checks(request: Request, checks: int) -> str | None:
    """Spend `checks` of the request's token's daily quota; return the token's id."""
    token = getattr(request.state, "token", None)
    if token is None:
        return None
    tokens.take_checks(web(request).desk.store.tokens, token, checks)
    return str(token.id)


def render_page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from templates/web/, autoescaped by the report renderer's environment."""
    html = environment().get_template(f"web/{name}").render(**context)
    return HTMLResponse(html, status_code=status_code)
