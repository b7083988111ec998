"""Web app benchmark: report page latency over many stored reports, and job throughput.

    .venv/bin/python bench/api_bench.py [--reports 1000] [--requests 2000] [--jobs 200]

Both parts run `factdesk serve` in its own process (scripted LLM, hashing embedder,
so no model time is measured) and drive it over HTTP from this one. That server's
per-client limits are off (rates, and `FACTDESK_SERVER__JOBS_PER_CLIENT=0` for the cap
on open jobs): every request comes from this one address, and a round POSTs `--jobs`
checks at once, which the default cap of 10 would refuse with 429 after the tenth.

1. Latency: one real check through the pipeline, then `--reports` stored reports
   synthesised from it (varied titles and categories, one in ten refreshed once, so
   their pages also compute a diff). Then `--requests` sequential GETs of random report
   pages over one keep-alive connection, plus smaller samples of other pages.
2. Throughput: `--batches` rounds of `--jobs` checks POSTed at once to a server with 2
   workers (and, for comparison, 1), each timed from its first POST until its last job
   is done; the median round is reported. The scripted pipeline is pure Python, so this
   measures the server's own overhead, bounded by one core's worth of Python (the GIL).

Figures are printed and saved to bench/results/api_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import CORPUS  # noqa: E402

from factdesk.backends.embed.hashing import HashingEmbedder  # noqa: E402
from factdesk.backends.llm.scripted import ScriptedLLM  # noqa: E402
from factdesk.backends.search.local import LocalIndex  # noqa: E402
from factdesk.pipeline import Desk, run_check  # noqa: E402
from factdesk.records import CATEGORIES, CheckRecord, new_id  # noqa: E402
from factdesk.settings import Settings  # noqa: E402
from factdesk.store.sqlite import SQLiteStore  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "api_bench.json"
QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"
TOPICS = ["tower", "bridge", "canal", "museum", "railway", "harbour", "cathedral", "stadium"]


def _env(home: Path, workers: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTDESK_")}
    env.update(
        FACTDESK_HOME=str(home),
        FACTDESK_LLM__BACKEND="scripted",
        FACTDESK_EMBEDDER__BACKEND="hashing",
        FACTDESK_MODELS__DIR=str(home / "no-models"),
        FACTDESK_SERVER__WORKERS=str(workers),
        FACTDESK_SERVER__READ_RATE_PER_MINUTE="0",
        FACTDESK_SERVER__WRITE_RATE_PER_MINUTE="0",
        FACTDESK_SERVER__JOBS_PER_CLIENT="0",
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(home: Path, workers: int) -> Iterator[str]:
    """`factdesk serve` in a subprocess; yields its base URL."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "factdesk.cli", "serve", "--port", str(port), "--no-auto-ingest"],
        env=_env(home, workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/openapi.json", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _desk(home: Path) -> Desk:
    settings = Settings(home=home, llm={"backend": "scripted"}, embedder={"backend": "hashing"})
    index = LocalIndex(settings.index_path, HashingEmbedder())
    if index.count() == 0:
        index.add(CORPUS)
    return Desk(settings, ScriptedLLM(), index.embedder, [index], SQLiteStore(settings.db_path))


def synthesise(home: Path, count: int) -> list[str]:
    """`count` published report pages made from one real check; return their URLs."""
    desk = _desk(home)
    template = run_check(desk, QUESTION)
    assert template.report is not None
    rng = random.Random(7)
    start = datetime.now(UTC) - timedelta(days=60)
    urls = []
    for n in range(count):
        topic = rng.choice(TOPICS)
        question = f"Was the {topic} number {n} built for the {1800 + n % 200} fair?"
        report_id = None
        for version in (1, 2) if n % 10 == 0 else (1,):
            check_id = new_id()
            moment = start + timedelta(minutes=n * 5 + version)
            report = template.report.model_copy(
                update={
                    "id": check_id,
                    "question": question,
                    "title": question,
                    "category": CATEGORIES[n % len(CATEGORIES)],
                    "sources": template.report.sources[: 3 - version + 1],
                }
            )
            record = CheckRecord(
                id=check_id,
                question=question,
                status="done",
                created_at=moment,
                updated_at=moment,
                category=report.category,
                verdict=report.verdict.label,
                page_id=report_id,
                report=report,
            )
            desk.store.checks.save(record)  # publishes the page, or its next version
            report_id = report_id or check_id
        assert report_id is not None
        urls.append(desk.store.reports.summary(report_id).url)
    return urls


def _percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "n": len(ordered),
        "p50_ms": round(pick(0.50), 2),
        "p95_ms": round(pick(0.95), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def _time_gets(client: httpx.Client, paths: list[str]) -> dict[str, float]:
    samples = []
    for path in paths:
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
    return _percentiles(samples)


def latency(reports: int, requests: int) -> dict[str, object]:
    home = Path(tempfile.mkdtemp(prefix="factdesk-bench-"))
    began = time.perf_counter()
    urls = synthesise(home, reports)
    made_s = time.perf_counter() - began
    rng = random.Random(11)
    with server(home, workers=1) as site, httpx.Client(base_url=site, timeout=30) as client:
        _time_gets(client, [rng.choice(urls) for _ in range(50)])  # warm-up
        pages = _time_gets(client, [rng.choice(urls) for _ in range(requests)])
        sample = max(requests // 4, 50)
        api = _time_gets(
            client, [f"/api/checks/{rng.choice(urls).rsplit('-', 1)[1]}" for _ in range(sample)]
        )
        search = _time_gets(
            client, [f"/fact-checks?q={rng.choice(TOPICS)}+fair" for _ in range(sample)]
        )
        listing = _time_gets(
            client, [f"/fact-checks?page={rng.randint(1, reports // 20)}" for _ in range(sample)]
        )
        home_page = _time_gets(client, ["/"] * sample)
    return {
        "stored_reports": reports,
        "report_versions": reports + (reports + 9) // 10,
        "synthesise_s": round(made_s, 1),
        "report_page": pages,
        "api_check_json": api,
        "search_page": search,
        "list_page": listing,
        "home_page": home_page,
    }


def _submit(client: httpx.Client, question: str, *, fresh: bool = False) -> str:
    """Queue a check; a refusal (a limit left on, say) stops the bench rather than
    measuring fewer jobs than it says. `fresh`: a new check even when a near-identical
    question was checked before (it would otherwise be answered without a job)."""
    response = client.post("/api/checks", json={"question": question, "fresh": fresh})
    if response.status_code != 202:
        raise SystemExit(f"POST /api/checks answered {response.status_code}: {response.text}")
    return str(response.json()["id"])


def throughput(jobs: int, workers: int, batches: int) -> dict[str, object]:
    """`batches` rounds of `jobs` POSTs on one server; jobs/min per round and their median."""
    home = Path(tempfile.mkdtemp(prefix="factdesk-bench-jobs-"))
    _desk(home)  # the index with the small corpus
    rounds = []
    with server(home, workers) as site, httpx.Client(base_url=site, timeout=60) as client:
        _wait(client, [_submit(client, QUESTION)])
        for batch in range(batches):
            began = time.perf_counter()
            # fresh: every job is a new check (near-identical questions would otherwise be
            # answered with the earlier check, without a job)
            ids = [_submit(client, f"{QUESTION} ({batch}.{n})", fresh=True) for n in range(jobs)]
            views = _wait(client, ids)
            elapsed = time.perf_counter() - began
            if {v["status"] for v in views} != {"done"}:
                raise SystemExit("some jobs did not finish as done")
            rounds.append(round(jobs / elapsed * 60, 1))
    return {
        "workers": workers,
        "jobs_per_round": jobs,
        "rounds_jobs_per_minute": rounds,
        "jobs_per_minute": statistics.median(rounds),
    }


def _wait(client: httpx.Client, ids: list[str]) -> list[dict[str, object]]:
    pending, done = set(ids), {}
    deadline = time.monotonic() + 900
    while pending and time.monotonic() < deadline:
        for job_id in sorted(pending):
            view = client.get(f"/api/checks/{job_id}").json()
            if view["status"] in ("done", "failed", "interrupted"):
                done[job_id] = view
                pending.discard(job_id)
        time.sleep(0.05)
    if pending:
        raise SystemExit(f"{len(pending)} job(s) did not finish")
    return [done[i] for i in ids]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()
    results = {
        "command": " ".join(["python bench/api_bench.py", *sys.argv[1:]]),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "latency": latency(args.reports, args.requests),
        "throughput": [throughput(args.jobs, w, args.batches) for w in (2, 1)],
    }
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    lat = results["latency"]
    page = lat["report_page"]
    print(f"report pages ({lat['stored_reports']} stored): p50 {page['p50_ms']} ms, "
          f"p95 {page['p95_ms']} ms, p99 {page['p99_ms']} ms over {page['n']} GETs")  # fmt: skip
    for name in ("api_check_json", "search_page", "list_page", "home_page"):
        figures = lat[name]
        print(f"{name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    for run in results["throughput"]:
        print(f"{run['workers']} worker(s): median {run['jobs_per_minute']} jobs/min "
              f"(rounds of {run['jobs_per_round']}: {run['rounds_jobs_per_minute']})")  # fmt: skip
    print(f"saved {RESULTS}")


if __name__ == "__main__":
    main()
