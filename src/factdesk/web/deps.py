"""What every route depends on: the app's state, the client's address, the guards, pages.

Routes reach the desk, the jobs and the guards through `request.app.state.web`;
nothing is global, so tests run many apps side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from factdesk.jobs.service import JobService
from factdesk.pipeline import Desk
from factdesk.protocols import ReportCatalog
from factdesk.render import environment
from factdesk.settings import ServerSettings
from factdesk.web.guards import Guards


@dataclass
class WebState:
    """Everything a route needs, built once per app."""

    desk: Desk
    jobs: JobService
    guards: Guards

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


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def read_guard(request: Request) -> None:
    """Every page and API call spends one request of the client's read allowance."""
    web(request).guards.reads.take(client_of(request))


def write_guard(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """API writes spend the write allowance and need the token, when one is set."""
    guards = web(request).guards
    guards.writes.take(client_of(request))
    guards.check_token(credentials.credentials if credentials else None)


def render_page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from templates/web/, autoescaped by the report renderer's environment."""
    html = environment().get_template(f"web/{name}").render(**context)
    return HTMLResponse(html, status_code=status_code)
