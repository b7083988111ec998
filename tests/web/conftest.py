"""Web fixtures: the app over the scripted desk and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from factdesk.pipeline import Desk
from factdesk.settings import Settings
from factdesk.web import create_app


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with the per-client limits off (guard tests set their own),
    answering to the test client's host name."""
    settings.server.write_rate_per_minute = 0
    settings.server.read_rate_per_minute = 0
    settings.server.jobs_per_client = 0
    settings.server.streams_per_client = 0
    settings.server.allowed_hosts = ["testserver"]
    return settings


@pytest.fixture
def app(desk: Desk) -> FastAPI:
    return create_app(desk)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
