"""The deployment files: the Dockerfile passes hadolint, compose.yaml validates against
the Compose Specification's schema (check-jsonschema's vendored copy; no Docker daemon
is needed), and every factdesk setting it names exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from factdesk.plugins import REGISTRY, backend_options, role_choice
from factdesk.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_the_dockerfile_passes_hadolint():
    result = _run(str(BIN / "hadolint"), "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /tmp && pip install factdesk\n")
    result = _run(str(BIN / "hadolint"), str(bad))
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_compose_file_matches_the_compose_specification(tmp_path):
    ok = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
              "compose.yaml")  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  web:\n    imagee: factdesk:latest\n")
    bad = _run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
               str(broken))  # fmt: skip
    assert bad.returncode != 0


def test_compose_runs_postgres_a_model_server_workers_and_servers_on_real_settings(
    monkeypatch,
):
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "models", "worker", "web"} <= set(services)
    assert services["worker"]["command"][:2] == ["factdesk", "worker"]
    assert services["models"]["command"][:3] == ["factdesk", "models", "serve"]
    assert services["web"]["deploy"]["replicas"] >= 2
    environment = services["worker"]["environment"]
    for name in list(__import__("os").environ):
        if name.startswith("FACTDESK_"):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, re.sub(r"\$\{[^}]*\}", "secret", str(value)))
    settings = Settings()
    assert role_choice(settings, "store")[1] == "postgres"
    assert role_choice(settings, "queue")[1] == "procrastinate"
    kind, name, overrides = role_choice(settings, "llm")
    options = backend_options(REGISTRY.get(kind, name), settings, overrides, "llm")
    assert options.json_mode == "json_object" and options.base_url == "http://models:8080/v1"
