import json
import typing
from importlib import resources

import pytest

from factdesk.errors import ConfigError
from factdesk.plugins import role_choice, settings_hash
from factdesk.settings import Settings, presets


def test_defaults_are_the_embedded_offline_stack(settings):
    fresh = Settings()
    assert fresh.llm.backend == "llama_cpp"
    assert fresh.embedder.backend == "minilm"
    assert fresh.search.backends == ["factchecks", "local"]
    assert role_choice(fresh, "store")[1] == "sqlite"
    assert role_choice(fresh, "queue")[1] == "inprocess"


def test_a_database_url_moves_the_store_and_the_queue_to_postgresql(settings):
    scaled = Settings(database_url="postgresql://factdesk@db.invalid/factdesk")
    assert role_choice(scaled, "store")[1] == "postgres"
    assert role_choice(scaled, "queue")[1] == "procrastinate"
    chosen = Settings(database_url="postgresql://x@db.invalid/y", queue={"backend": "inprocess"})
    assert role_choice(chosen, "queue")[1] == "inprocess"
    assert "db.invalid" not in chosen.model_dump_json()
    assert settings_hash(scaled) == settings_hash(Settings())


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


def test_presets_are_data_and_every_one_validates_and_is_described(settings):
    raw = json.loads(resources.files("factdesk").joinpath("data/presets.json").read_text())
    assert set(raw["descriptions"]) == set(raw["presets"]) == set(presets())
    for name in presets():
        assert Settings(preset=name).preset == name


def test_every_setting_is_described(settings):
    def walk(model: type) -> list[str]:
        missing = []
        for name, info in model.model_fields.items():
            if not info.description:
                missing.append(f"{model.__name__}.{name}")
            annotation = info.annotation
            if typing.get_origin(annotation) is None and hasattr(annotation, "model_fields"):
                missing += walk(annotation)
        return missing

    assert walk(Settings) == []


def test_role_overrides_reach_the_backend_through_the_environment(monkeypatch, settings):
    monkeypatch.setenv("FACTDESK_LLM__BACKEND", "openai")
    monkeypatch.setenv("FACTDESK_LLM__MODEL_NAME", "qwen2.5:7b")
    monkeypatch.setenv("FACTDESK_WRITER__MODEL_NAME", "qwen2.5:32b")
    monkeypatch.setenv("FACTDESK_LLM__API_KEY", "sk-secret-123")
    configured = Settings()
    assert configured.llm.options() == {"model_name": "qwen2.5:7b", "api_key": "sk-secret-123"}
    assert configured.writer.options() == {"model_name": "qwen2.5:32b"}
    assert "sk-secret-123" not in configured.model_dump_json()
    assert role_choice(configured, "writer") == (
        "llm",
        "openai",
        {"model_name": "qwen2.5:32b", "api_key": "sk-secret-123"},
    )
    assert role_choice(configured, "judge")[2]["model_name"] == "qwen2.5:7b"


def test_hash_leaves_out_secrets_by_type_paths_and_threads(tmp_path, settings):
    base = {"backend": "openai", "model_name": "m", "base_url": "http://127.0.0.1:9/v1"}
    a = Settings(home=tmp_path / "a", llm={**base, "api_key": "one", "timeout_s": 5})
    b = Settings(home=tmp_path / "b", llm={**base, "api_key": "two", "timeout_s": 60})
    assert settings_hash(a) == settings_hash(b)
    brave_a = Settings(backends={"brave": {"api_key": "k1"}}, search={"backends": ["web"]})
    brave_b = Settings(backends={"brave": {"api_key": "k2"}}, search={"backends": ["web"]})
    assert settings_hash(brave_a) == settings_hash(brave_b)
    assert len(settings_hash(a)) == 16


def test_hash_changes_with_what_changes_a_report(tmp_path, settings):
    a = Settings(home=tmp_path / "a")
    assert settings_hash(a) != settings_hash(Settings(pipeline={"evidence_k": 3}))
    assert settings_hash(a) != settings_hash(Settings(writer={"backend": "scripted"}))
    model = Settings(llm={"backend": "openai", "model_name": "one"})
    other = Settings(llm={"backend": "openai", "model_name": "two"})
    assert settings_hash(model) != settings_hash(other)


def test_a_stage_role_left_empty_hashes_like_the_llm_role(settings):
    same = Settings(llm={"backend": "scripted"}, judge={"backend": "scripted"})
    assert settings_hash(Settings(llm={"backend": "scripted"})) == settings_hash(same)
