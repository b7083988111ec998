"""What the desk publishes around its reports: the Atom feed, archived copies of cited
passages, the corrections page, the methods page, and their JSON counterparts.

Archived copies are served as escaped text in a page, or as `text/plain` (whose bytes
hash to the copy's SHA-256), both under the same Content-Security-Policy as every page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from factdesk.claimreview import data_feed
from factdesk.published import CorrectionPage
from factdesk.records import ArchivedCopy, utcnow
from factdesk.sourcemeta import is_web_url, tier_descriptions
from factdesk.web.deps import State, read_guard, render_page
from factdesk.web.methods import earlier_figures, method_facts, quality_runs, results_folder
from factdesk.web.publishing import atom_feed, review_of, site_base
from factdesk.web.routes_api import ERROR_RESPONSES
from factdesk.web.views import published

SHA256 = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the text.")]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
FEED_ENTRIES = 50

pages = APIRouter(include_in_schema=False, dependencies=[Depends(read_guard)])
api = APIRouter(
    prefix="/api",
    tags=["publishing"],
    dependencies=[Depends(read_guard)],
    responses=ERROR_RESPONSES,
)


@pages.get("/feed.xml")
def feed(request: Request, state: State) -> Response:
    """New and updated checks as Atom, each entry carrying its ClaimReview."""
    publisher = state.desk.settings.publisher
    body = atom_feed(state.reports, publisher, site_base(request, publisher), FEED_ENTRIES)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@pages.get("/archive/{sha256}.txt")
def archived_text(sha256: SHA256, state: State) -> Response:
    return PlainTextResponse(state.desk.store.archive.get(sha256).text)


@pages.get("/archive/{sha256}", response_class=HTMLResponse)
def archived_page(sha256: SHA256, state: State) -> Response:
    return render_page("archive.html", copy=state.desk.store.archive.get(sha256))


@pages.get("/corrections", response_class=HTMLResponse)
def corrections_page(state: State, page: PageNumber = 1) -> Response:
    found = state.desk.store.corrections.recent(page, state.settings.page_size)
    return render_page("corrections.html", found=found)


@pages.get("/methods", response_class=HTMLResponse)
def methods_page(state: State) -> Response:
    folder = results_folder(state.desk.settings.publisher)
    return render_page(
        "methods.html",
        facts=method_facts(state.desk),
        runs=quality_runs(folder),
        earlier=earlier_figures(folder),
        tiers=tier_descriptions(),
        publisher=state.desk.settings.publisher,
    )


@api.get("/corrections", summary="Correction notes, newest first")
def list_corrections(state: State, page: PageNumber = 1) -> CorrectionPage:
    return state.desk.store.corrections.recent(page, state.settings.page_size)


@api.get("/archive/{sha256}", summary="An archived copy of cited passages")
def get_archived(sha256: SHA256, state: State) -> ArchivedCopy:
    """The copy as stored; a local file's path stays on the server, as in reports."""
    copy = state.desk.store.archive.get(sha256)
    return copy if is_web_url(copy.url) else copy.model_copy(update={"url": ""})


@api.get("/claim-reviews", summary="Every report's ClaimReview, as a schema.org DataFeed")
def claim_reviews(
    request: Request,
    state: State,
    page: PageNumber = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 100,
) -> dict[str, Any]:
    """The newest reports' ClaimReviews, the form fact-checkers exchange in bulk (and
    what `factdesk factchecks import` reads)."""
    publisher = state.desk.settings.publisher
    base = site_base(request, publisher)
    items = state.reports.search(page=page, per_page=per_page).items
    reviews = [review_of(published(state.reports, i.id), publisher, base) for i in items]
    return data_feed(reviews, name=f"{publisher.name}: fact-checks", modified=utcnow())
