"""Shared fixtures: settings in a temporary home, a small corpus, a scripted desk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from tests import pg
from tests.pg import PostgresServer

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.llm.scripted import ScriptedLLM
from factdesk.backends.search.local import LocalIndex
from factdesk.pipeline import Desk
from factdesk.records import Document
from factdesk.settings import Settings
from factdesk.store.postgres import PostgresStore
from factdesk.store.sqlite import SQLiteStore

# Property tests check behaviour, not speed: on a loaded 2-core machine a first example
# can take longer than Hypothesis's 200 ms deadline and fail a correct test.
hypothesis_settings.register_profile("factdesk", deadline=None)
hypothesis_settings.load_profile("factdesk")

CORPUS = [
    Document(
        id="eiffel-tower",
        title="Eiffel Tower",
        text="The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in "
        "Paris. It was built from 1887 to 1889 as the centrepiece of the 1889 "
        "World's Fair, the Exposition Universelle.",
        url="https://en.wikipedia.org/wiki/Eiffel_Tower",
        domain="en.wikipedia.org",
        outlet="Wikipedia",
        source_type="encyclopedia",
    ),
    Document(
        id="gustave-eiffel",
        title="Gustave Eiffel",
        text="Gustave Eiffel was a French civil engineer whose company designed and "
        "built the Eiffel Tower for the 1889 World's Fair in Paris.",
        url="https://en.wikipedia.org/wiki/Gustave_Eiffel",
        domain="en.wikipedia.org",
        outlet="Wikipedia",
        source_type="encyclopedia",
    ),
    Document(
        id="statue-liberty",
        title="Statue of Liberty",
        text="The Statue of Liberty is a colossal sculpture on Liberty Island in New "
        "York Harbor. Its metal framework was built by Gustave Eiffel.",
        url="https://en.wikipedia.org/wiki/Statue_of_Liberty",
        domain="en.wikipedia.org",
        outlet="Wikipedia",
        source_type="encyclopedia",
    ),
    Document(
        id="photosynthesis",
        title="Photosynthesis",
        text="Photosynthesis is the process by which plants use sunlight, water and "
        "carbon dioxide to make glucose and release oxygen.",
        url="https://en.wikipedia.org/wiki/Photosynthesis",
        domain="en.wikipedia.org",
        outlet="Wikipedia",
        source_type="encyclopedia",
    ),
    Document(
        id="minneapolis",
        title="Minneapolis",
        text="Minneapolis is the largest city in Minnesota. It lies on both banks of the "
        "Mississippi River and is governed by a mayor and a city council.",
        url="https://en.wikipedia.org/wiki/Minneapolis",
        domain="en.wikipedia.org",
        outlet="Wikipedia",
        source_type="encyclopedia",
    ),
]


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("FACTDESK_"):
            monkeypatch.delenv(name)
    return Settings(
        home=tmp_path / "home", llm={"backend": "scripted"}, embedder={"backend": "hashing"}
    )


@pytest.fixture
def cli_env(tmp_path: Path, settings: Settings) -> dict[str, str]:
    """Environment for running the `factdesk` command with the scripted model."""
    values = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    values.update(
        FACTDESK_HOME=str(tmp_path / "home"),
        FACTDESK_LLM__BACKEND="scripted",
        FACTDESK_EMBEDDER__BACKEND="hashing",
        FACTDESK_MODELS__DIR=str(tmp_path / "no-models"),
    )
    return values


@pytest.fixture
def index(settings: Settings) -> Iterator[LocalIndex]:
    idx = LocalIndex(settings.index_path, HashingEmbedder())
    idx.add(CORPUS)
    yield idx
    idx.close()


@pytest.fixture
def llm() -> ScriptedLLM:
    return ScriptedLLM()


@pytest.fixture
def desk(settings: Settings, index: LocalIndex, llm: ScriptedLLM) -> Desk:
    return Desk(
        settings=settings,
        llm=llm,
        embedder=index.embedder,
        searchers=[index],
        store=SQLiteStore(settings.db_path),
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL for the whole session (skips without one, unless required)."""
    problem = pg.missing()
    if problem:
        if os.environ.get("FACTDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"FACTDESK_REQUIRE_POSTGRES=1 but {problem}")
        pytest.skip(problem)
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.database()


@pytest.fixture
def postgres_store(database_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(database_url)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def engine_desk(
    request: pytest.FixtureRequest, settings: Settings, index: LocalIndex, llm: ScriptedLLM
) -> Iterator[Desk]:
    """The scripted desk over each store engine in turn: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        store: SQLiteStore | PostgresStore = SQLiteStore(settings.db_path)
    else:
        store = request.getfixturevalue("postgres_store")
    yield Desk(settings=settings, llm=llm, embedder=index.embedder, searchers=[index], store=store)
