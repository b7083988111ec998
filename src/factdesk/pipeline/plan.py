"""Stage 2: search queries: the claim, its keywords, its point, and on the web other angles."""

from __future__ import annotations

from pydantic import BaseModel

from factdesk.pipeline.answers import parse_json
from factdesk.prompts import PLAN
from factdesk.protocols import LLM
from factdesk.records import QueryAngle, SearchQuery, Understanding
from factdesk.text import keywords

_ANGLES: tuple[QueryAngle, ...] = ("official", "critics", "data", "fact_check", "background")


class _Planned(BaseModel):
    angle: str
    query: str


class _Plan(BaseModel):
    queries: list[_Planned]


def plan(
    llm: LLM, understanding: Understanding, max_queries: int, *, angles: bool
) -> list[SearchQuery]:
    """The claim, its keywords and its point's question; with `angles` (web research,
    where sources take sides), model-written queries from other angles too: what
    officials, critics, data and fact-checkers say. A reference index needs no angles."""
    main = understanding.claims[0].text
    queries = [
        *(SearchQuery(text=claim.text, angle="claim") for claim in understanding.claims),
        SearchQuery(text=keywords(main), angle="keywords"),
    ]
    if understanding.point is not None:
        queries.append(SearchQuery(text=understanding.point.question, angle="background"))
    if understanding.restatement:
        queries.insert(1, SearchQuery(text=understanding.restatement, angle="claim"))
    room = max_queries - len(queries)
    if angles and room > 0:
        request = PLAN.render(claim=main, count=str(room))
        planned = parse_json(llm.name, llm.complete(request), _Plan)
        for item in planned.queries:
            angle: QueryAngle = next((a for a in _ANGLES if a == item.angle), "background")
            queries.append(SearchQuery(text=item.query.strip(), angle=angle))
    unique: list[SearchQuery] = []
    seen: set[str] = set()
    for query in queries:
        key = " ".join(query.text.lower().split())
        if key and key not in seen:
            seen.add(key)
            unique.append(query)
    return unique[:max_queries]
