"""Stage 2: search queries from several angles, not only the question's own words."""

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


def plan(llm: LLM, understanding: Understanding, max_queries: int) -> list[SearchQuery]:
    """The claims themselves, their keywords, then model-written queries from other angles."""
    queries: list[SearchQuery] = []
    for claim in understanding.claims:
        queries.append(SearchQuery(text=claim.text, angle="claim"))
    main = understanding.claims[0].text
    queries.append(SearchQuery(text=keywords(main), angle="keywords"))
    room = max_queries - len(queries)
    if room > 0:
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
