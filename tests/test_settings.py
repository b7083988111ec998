import pytest

from factdesk.errors import ConfigError
from factdesk.protocols import LLM_BACKENDS
from factdesk.registry import Registry
from factdesk.settings import Settings, settings_hash


def test_defaults_are_the_embedded_offline_stack(settings):
    fresh = Settings()
    assert fresh.llm.backend == "llama_cpp"
    assert fresh.embedder.backend == "minilm"
    assert fresh.search.backends == ["local"]


def test_preset_applies_below_environment(monkeypatch, settings):
    monkeypatch.setenv("FACTDESK_PRESET", "fast")
    fast = Settings()
    assert fast.pipeline.evidence_k == 4
    assert fast.pipeline.ground_with_llm is False
    monkeypatch.setenv("FACTDESK_PIPELINE__EVIDENCE_K", "5")
    assert Settings().pipeline.evidence_k == 5
    assert Settings().pipeline.ground_with_llm is False  # rest of the preset still applies


def test_keyword_preset_wins_over_environment_preset(monkeypatch, settings):
    monkeypatch.setenv("FACTDESK_PRESET", "fast")
    assert Settings(preset="thorough").pipeline.evidence_k == 9


def test_unknown_preset_is_a_config_error(settings):
    with pytest.raises(ConfigError, match="Unknown preset 'nope'"):
        Settings(preset="nope")


def test_hash_ignores_paths_and_secrets_but_not_behaviour(tmp_path, settings):
    a = Settings(home=tmp_path / "a", llm={"api_key": "one"})
    b = Settings(home=tmp_path / "b", llm={"api_key": "two"})
    assert settings_hash(a) == settings_hash(b)
    c = Settings(home=tmp_path / "a", pipeline={"evidence_k": 3})
    assert settings_hash(a) != settings_hash(c)
    assert len(settings_hash(a)) == 16


def test_registry_names_unknown_backends(settings):
    with pytest.raises(ConfigError, match="Unknown LLM backend 'nope'; known: .*scripted"):
        LLM_BACKENDS.create("nope", settings)


def test_registry_accepts_new_backends_like_builtins(settings):
    registry: Registry[Settings, str] = Registry("demo")

    @registry.register("echo")
    def _echo(s: Settings) -> str:
        return s.llm.backend

    assert registry.create("echo", settings) == "scripted"
    assert "echo" in registry.names()
