"""Readers write to the desk: a suggested correction on a report, or a claim to check.

Forms and the API store them in the inbox (`factdesk inbox` lists them). They need no
API token, so each client gets its own small allowance per minute; every value is
length-checked here and escaped wherever it is shown.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from factdesk.errors import InputError
from factdesk.published import Suggestion, SuggestionKind
from factdesk.records import utcnow
from factdesk.web.deps import State, WebState, client_of, read_guard, render_page
from factdesk.web.routes_api import ERROR_RESPONSES

MAX_URL_CHARS = 500
MAX_CONTACT_CHARS = 200

pages = APIRouter(include_in_schema=False, dependencies=[Depends(read_guard)])
api = APIRouter(
    prefix="/api", tags=["inbox"], dependencies=[Depends(read_guard)], responses=ERROR_RESPONSES
)


class SuggestionRequest(BaseModel):
    """Body of `POST /api/suggestions`."""

    model_config = ConfigDict(extra="forbid")

    kind: SuggestionKind = Field(
        description="`correction` (of a report: give `report_id`) or `claim` (to check)."
    )
    text: str = Field(description="What is wrong and why, or the claim to check.")
    report_id: str | None = None
    source_url: str = Field(default="", description="Where the reader saw it, or evidence.")
    contact: str = Field(default="", description="How to reach the reader, if they want.")


def take_suggestion(state: WebState, request: Request, given: SuggestionRequest) -> Suggestion:
    """Check a suggestion against the limits and store it."""
    state.guards.suggestions.take(client_of(request))
    text = " ".join(given.text.split())
    limit = state.settings.max_suggestion_chars
    if not text:
        raise InputError("The suggestion is empty; say what should be corrected or checked.")
    if len(text) > limit:
        raise InputError(f"The suggestion is {len(text)} characters long; the limit is {limit}.")
    url = given.source_url.strip()
    if url and (not url.startswith(("http://", "https://")) or len(url) > MAX_URL_CHARS):
        raise InputError(f"The link must be an http(s) URL of at most {MAX_URL_CHARS} characters.")
    if len(given.contact) > MAX_CONTACT_CHARS:
        raise InputError(f"The contact is longer than {MAX_CONTACT_CHARS} characters.")
    report_id = None
    if given.kind == "correction":
        if not given.report_id:
            raise InputError("A suggested correction names the report it corrects (report_id).")
        report_id = state.reports.summary(given.report_id).id  # NotFoundError if unknown
    suggestion = Suggestion(
        id=secrets.token_hex(6),
        kind=given.kind,
        report_id=report_id,
        text=text,
        source_url=url,
        contact=given.contact.strip(),
        created_at=utcnow(),
    )
    state.desk.store.inbox.add(suggestion)
    return suggestion


@dataclass(frozen=True)
class SuggestionForm:
    """The fields both forms share."""

    text: str
    source_url: str
    contact: str


def suggestion_form(
    text: Annotated[str, Form()],
    source_url: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
) -> SuggestionForm:
    return SuggestionForm(text, source_url, contact)


FormFields = Annotated[SuggestionForm, Depends(suggestion_form)]


@pages.post("/suggestions/{report_id}")
def suggest_correction(
    report_id: str, request: Request, state: State, form: FormFields
) -> Response:
    given = SuggestionRequest(kind="correction", report_id=report_id, **asdict(form))
    take_suggestion(state, request, given)
    url = state.reports.summary(report_id).url
    return RedirectResponse(f"{url}?suggested=1#suggest", status_code=303)


@pages.get("/submit", response_class=HTMLResponse)
def submit_page(sent: bool = False) -> Response:
    return render_page("submit.html", sent=sent)


@pages.post("/submit")
def submit_claim(request: Request, state: State, form: FormFields) -> Response:
    given = SuggestionRequest(kind="claim", **asdict(form))
    take_suggestion(state, request, given)
    return RedirectResponse("/submit?sent=true", status_code=303)


@api.post(
    "/suggestions",
    status_code=201,
    summary="Suggest a correction or a claim to check",
    responses={413: {"description": "The request body is too large."}},
)
def post_suggestion(body: SuggestionRequest, request: Request, state: State) -> Suggestion:
    """Stored for the desk's editors (`factdesk inbox`); no API token needed."""
    return take_suggestion(state, request, body)
