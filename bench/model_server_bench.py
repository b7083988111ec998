"""The real local model: one shared model server with 2 workers against one embedded
worker, on the same questions over the bundled Wikipedia sample.

    .venv/bin/python bench/model_server_bench.py [--checks 10] [--threads 2]

embedded: `factdesk batch` on the default stack (SQLite, the model in the process, one
    worker thread), in a fresh home holding a copy of the sample index.
shared: a PostgreSQL started here, `factdesk models serve` (the same GGUF file, the same
    threads), 2 `factdesk worker` processes on the `openai` backend pointed at it, and
    `factdesk batch` queueing the same questions and waiting for them.
Each side is timed from the batch command's start to its end (model loading included:
the server is started, and waited for, before its clock starts). Results go to
bench/results/model_server_bench.json with the load average: the CPU is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import save  # noqa: E402
from tests.pg import PostgresServer, free_port  # noqa: E402
from tests.scale_tools import Fleet, wait_until  # noqa: E402

from factdesk.jobs.procrastinate import ensure_schema  # noqa: E402
from factdesk.settings import Settings  # noqa: E402

QUESTIONS = [
    "Was the Eiffel Tower built for the 1889 World's Fair?",
    "Is Mount Everest the highest mountain above sea level?",
    "Did the Apollo 11 mission land humans on the Moon in 1969?",
    "Is the Amazon the longest river in the world?",
    "Was Albert Einstein awarded the Nobel Prize for the theory of relativity?",
    "Is the Great Wall of China visible from space with the naked eye?",
    "Did the Titanic sink on its maiden voyage?",
    "Is Canberra the capital of Australia?",
    "Was Shakespeare born in Stratford-upon-Avon?",
    "Is the blue whale the largest animal ever known to have lived?",
]


def _env(home: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    env.update(FACTDESK_HOME=str(home), **values)
    return env


def _home(root: Path, name: str, source: Settings) -> Path:
    home = root / name
    home.mkdir()
    shutil.copy(source.index_path, home / "index.sqlite3")
    return home


def _batch(
    env: dict[str, str], questions: Path, out: Path
) -> tuple[float, list[dict[str, object]]]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "factdesk.cli", "batch", str(questions), "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=6 * 3600,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if not out.is_file():
        raise SystemExit(f"factdesk batch failed: {done.stderr[-2000:]}")
    return seconds, [json.loads(line) for line in out.read_text().splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    source = Settings()  # the installed models and the sample index built by `./dev check`
    questions = QUESTIONS[: args.checks]
    loads: list[float] = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="factdesk-models-") as tmp:
        root = Path(tmp)
        csv = root / "questions.csv"
        csv.write_text("question\n" + "".join(f'"{q}"\n' for q in questions))
        models = {"FACTDESK_MODELS__DIR": str(source.models_dir)}
        threads = {"FACTDESK_BACKENDS__LLAMA_CPP__N_THREADS": str(args.threads)}
        embedded_env = _env(_home(root, "embedded", source), **models, **threads)
        embedded_s, embedded = _batch(embedded_env, csv, root / "embedded.jsonl")
        loads.append(os.getloadavg()[0])
        print(f"embedded: {embedded_s:.0f} s")
        server = PostgresServer().start()
        url = server.database("models")
        port = free_port()
        home = _home(root, "shared", source)
        model_server = subprocess.Popen(
            [sys.executable, "-m", "factdesk.cli", "models", "serve", "--port", str(port),
             "--threads", str(args.threads)],
            env=_env(home, **models, **threads), stdout=(root / "models.log").open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        shared_env = _env(
            home,
            **models,
            FACTDESK_DATABASE_URL=url,
            FACTDESK_LLM__BACKEND="openai",
            FACTDESK_LLM__BASE_URL=f"http://127.0.0.1:{port}/v1",
            FACTDESK_LLM__MODEL_NAME="factdesk",
            FACTDESK_LLM__JSON_MODE="json_object",
            FACTDESK_LLM__TIMEOUT_S="1800",
        )
        fleet = Fleet(url, shared_env, root)
        try:
            wait_until(lambda: _up(port), 600, "the model server", 1.0)
            ensure_schema(url)
            fleet.start("w0", timeout=900)
            fleet.start("w1", timeout=900)
            shared_s, shared = _batch(shared_env, csv, root / "shared.jsonl")
        finally:
            fleet.stop()
            model_server.terminate()
            model_server.wait(60)
            server.stop()
        loads.append(os.getloadavg()[0])
        print(f"shared server, 2 workers: {shared_s:.0f} s")
    save(
        "model_server_bench",
        {
            "checks": len(questions),
            "threads": args.threads,
            "embedded_one_worker": _side(embedded_s, embedded),
            "shared_server_two_workers": _side(shared_s, shared),
            "ratio_embedded_over_shared": round(embedded_s / shared_s, 2),
            "load_average_1m_before_between_after": [round(x, 2) for x in loads],
        },
    )


def _side(seconds: float, results: list[dict[str, object]]) -> dict[str, object]:
    return {
        "seconds": round(seconds, 1),
        "seconds_per_check": round(seconds / max(1, len(results)), 1),
        "done": sum(r["status"] == "done" for r in results),
        "verdicts": [r.get("verdict") for r in results],
        "errors": [r.get("error") for r in results if r.get("error")],
    }


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    main()
