"""The scale-out commands on the embedded default: `factdesk batch` (and resuming it),
`tokens create|list|revoke`, `cancel`, and `models serve` without a model."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest
from tests.conftest import CORPUS
from tests.test_cli import factdesk

from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search.local import LocalIndex
from factdesk.jobs.homelock import HomeLock

QUESTIONS = [f"Was the Eiffel Tower finished in {1885 + n}?" for n in range(5)]


@pytest.fixture
def env(cli_env, tmp_path):
    index = LocalIndex(tmp_path / "home" / "index.sqlite3", HashingEmbedder())
    index.add(CORPUS)
    index.close()
    return cli_env


def test_a_batch_file_is_checked_written_in_order_and_resumed(env, tmp_path):
    source = tmp_path / "claims.csv"
    source.write_text("question\n" + "".join(f'"{q}"\n' for q in QUESTIONS))
    out, table = tmp_path / "results.jsonl", tmp_path / "results.csv"
    first = factdesk(env, "batch", str(source), "--out", str(out), "--csv", str(table), timeout=900)
    assert first.returncode == 0, first.stderr
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["question"] for r in results] == QUESTIONS
    assert {r["status"] for r in results} == {"done"}
    assert [row["job_id"] for row in csv.DictReader(table.open())] == [r["job_id"] for r in results]
    assert "5 done, 0 not done" in first.stderr
    db = tmp_path / "home" / "factdesk.sqlite3"
    with sqlite3.connect(db) as conn:  # two were interrupted, say, by a restart
        conn.execute("UPDATE jobs SET status='interrupted' WHERE batch_index IN (1, 3)")
    again = factdesk(env, "batch", str(source), "--out", str(out), timeout=900)
    assert again.returncode == 0, again.stderr
    assert "Resuming batch" in again.stderr and "2 question(s) queued again" in again.stderr
    resumed = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["status"] for r in resumed] == ["done"] * 5
    assert [r["job_id"] for r in resumed] == [r["job_id"] for r in results]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM batches").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM report_versions").fetchone()[0] == 5


def test_a_batch_is_not_run_beside_a_server_on_the_same_home(env, tmp_path):
    source = tmp_path / "claims.json"
    source.write_text(json.dumps(QUESTIONS[:2]))
    with HomeLock(tmp_path / "home"):  # what `factdesk serve` holds while it runs
        result = factdesk(env, "batch", str(source), "--out", str(tmp_path / "r.jsonl"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "Another factdesk server" in result.stderr
    with sqlite3.connect(tmp_path / "home" / "factdesk.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


def test_a_batch_file_of_an_unknown_kind_is_one_sentence(env, tmp_path):
    source = tmp_path / "claims.txt"
    source.write_text("Is Paris in France?\n")
    result = factdesk(env, "batch", str(source), "--out", str(tmp_path / "r.jsonl"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "not a .csv, .jsonl or .json file" in result.stderr


def test_tokens_are_created_listed_and_revoked(env):
    made = factdesk(env, "tokens", "create", "newsroom", "--rate-per-minute", "5")
    assert made.returncode == 0, made.stderr
    presented = made.stdout.strip()
    assert presented.startswith("fdk_") and presented not in made.stderr
    token_id = presented.split("_")[1]
    listed = factdesk(env, "tokens", "list")
    assert token_id in listed.stdout and "newsroom" in listed.stdout
    assert presented.split("_", 2)[2] not in listed.stdout  # the secret is never shown again
    assert factdesk(env, "tokens", "revoke", token_id).returncode == 0
    twice = factdesk(env, "tokens", "revoke", token_id)
    assert twice.returncode == 4 and "No active token" in twice.stderr


def test_cancel_from_the_command_line(env, tmp_path):
    from fastapi.testclient import TestClient

    from factdesk.pipeline import Desk
    from factdesk.settings import Settings
    from factdesk.web import create_app

    settings = Settings(
        home=tmp_path / "home", llm={"backend": "scripted"}, embedder={"backend": "hashing"}
    )
    app = create_app(Desk.from_settings(settings), start_workers=False)
    with TestClient(app, base_url="http://localhost") as client:  # a name the server answers to
        job = client.post("/api/checks", json={"question": QUESTIONS[0]}).json()
    cancelled = factdesk(env, "cancel", job["id"])
    assert cancelled.returncode == 0 and "cancelled" in cancelled.stderr
    again = factdesk(env, "cancel", job["id"])
    assert again.returncode == 2 and "cannot be cancelled" in again.stderr
    missing = factdesk(env, "cancel", "nosuchjob")
    assert missing.returncode == 4


def test_models_serve_without_the_model_says_how_to_install_it(env):
    result = factdesk(env, "models", "serve", "--port", "1")
    assert result.returncode == 3 and "factdesk models install" in result.stderr
    assert "Traceback" not in result.stderr
