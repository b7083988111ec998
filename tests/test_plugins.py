"""Backends as plugins: the registry, each backend's own settings, and a real plugin package."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_cli import factdesk

from factdesk.errors import ConfigError
from factdesk.plugins import (
    REGISTRY,
    Backend,
    BuildContext,
    build,
    build_llm,
    search_backend_names,
    statuses,
)
from factdesk.settings import Settings

PLUGIN = Path(__file__).parent / "fixtures" / "plugin_demo"
QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"


def test_every_builtin_registers_through_the_entry_point(settings):
    from importlib import metadata

    names = {entry.name for entry in metadata.entry_points(group="factdesk.plugins")}
    assert {"llama_cpp", "openai", "minilm", "local", "ddgs", "sqlite_store"} <= names
    REGISTRY.load()
    kinds = {(spec.kind, spec.name) for spec in REGISTRY.specs.values()}
    assert {
        ("llm", "llama_cpp"),
        ("llm", "scripted"),
        ("embedder", "minilm"),
        ("search", "local"),
        ("search", "brave"),
        ("fetch", "http"),
        ("store", "sqlite"),
        ("queue", "inprocess"),
    } <= kinds


def test_unknown_backends_are_named_with_the_known_ones(settings):
    with pytest.raises(ConfigError, match="Unknown llm backend 'nope'; known: .*scripted"):
        build("llm", "nope", BuildContext(settings))


def test_a_backend_rejects_settings_it_does_not_have(settings):
    typo = Settings(home=settings.home, llm={"backend": "scripted", "modle_name": "x"})
    with pytest.raises(ConfigError, match="modle_name of the scripted backend"):
        build_llm("llm", BuildContext(typo))


def test_a_registered_backend_is_used_like_a_builtin(settings):
    class Echo:
        name, is_web = "echo", False

        def search(self, query, limit):
            return []

    REGISTRY.register(
        Backend(kind="search", name="echo", summary="echo", factory=lambda c, o: Echo())
    )
    try:
        echo = Settings(home=settings.home, search={"backends": ["echo", "local"]})
        assert search_backend_names(echo) == ["echo", "local"]
        assert isinstance(build("search", "echo", BuildContext(echo)), Echo)
    finally:
        del REGISTRY.specs[("search", "echo")]


def test_a_backend_name_cannot_serve_two_kinds(settings):
    with pytest.raises(ConfigError, match="already a llm backend"):
        REGISTRY.register(
            Backend(kind="search", name="scripted", summary="x", factory=lambda c, o: None)
        )


def test_statuses_say_what_each_backend_still_needs(settings):
    found = {s.spec.name: s for s in statuses(settings)}
    assert found["scripted"].in_use and found["scripted"].ready
    assert not found["brave"].in_use
    assert "FACTDESK_BACKENDS__BRAVE__API_KEY" in (found["brave"].problem or "")
    missing_models = Settings(home=settings.home, models={"dir": settings.home / "none"})
    llama = next(s for s in statuses(missing_models) if s.spec.name == "llama_cpp")
    assert "factdesk models install" in (llama.problem or "")


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    """The demo plugin package, installed with pip into its own folder (no index, no
    network): what `pip install factdesk-demo-search` would do."""
    target = tmp_path_factory.mktemp("site")
    build_dir = tmp_path_factory.mktemp("plugin-src")
    subprocess.run(["cp", "-r", f"{PLUGIN}/.", str(build_dir)], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            str(build_dir),
        ],
        check=True,
    )
    return target


def _factdesk(env, site, *args):
    return factdesk(dict(env, PYTHONPATH=str(site)), *args)


def test_an_installed_plugin_package_adds_a_search_backend(installed_plugin, cli_env):
    listed = _factdesk(cli_env, installed_plugin, "backends")
    assert listed.returncode == 0, listed.stderr
    assert "almanac" in listed.stdout and "FACTDESK_BACKENDS__ALMANAC__EDITION" in listed.stdout
    env = dict(
        cli_env,
        FACTDESK_SEARCH__BACKENDS='["almanac"]',
        FACTDESK_BACKENDS__ALMANAC__EDITION="2026",
    )
    checked = _factdesk(env, installed_plugin, "check", QUESTION, "--format", "json")
    assert checked.returncode == 0, checked.stderr
    assert '"url": "https://almanac.example/eiffel-tower"' in checked.stdout
    assert '"backends": [\n      "almanac"\n    ]' in checked.stdout
    assert "Almanac 2026: Eiffel Tower" in checked.stdout


def test_a_plugin_without_its_settings_is_a_one_sentence_error(installed_plugin, cli_env):
    env = dict(cli_env, FACTDESK_SEARCH__BACKENDS='["almanac"]')
    result = _factdesk(env, installed_plugin, "check", QUESTION)
    assert result.returncode == 2
    assert "The almanac backend needs edition: set FACTDESK_BACKENDS__ALMANAC__EDITION" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert os.path.isdir(installed_plugin / "factdesk_demo_search")
