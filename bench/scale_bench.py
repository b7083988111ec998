"""Scale-out benchmarks on a real PostgreSQL (started here, on 127.0.0.1), scripted LLM.

    .venv/bin/python bench/scale_bench.py throughput [--jobs 60] [--delay 0 0.05]
    .venv/bin/python bench/scale_bench.py faults [--jobs 200]
    .venv/bin/python bench/scale_bench.py batch [--questions 100]

throughput: for each scripted-model delay, 1, 2 and 4 `factdesk worker` processes
    (concurrency 1 each) run `--jobs` checks queued at once; jobs a minute from the first
    enqueue to the last finish. Then queue overhead: `--probes` checks queued one at a
    time on one idle worker, enqueue to start (the job row's created_at to started_at).
faults: `--jobs` checks, 2 workers, one of them killed with SIGKILL three times while it
    holds a job (restarted each time); counts reports, lost and duplicated ones.
batch: a batch of `--questions` through `POST /api/batches` on a `factdesk serve`
    process and one through `factdesk batch` (CLI), 2 workers, a webhook receiver on
    127.0.0.1 checking every delivery's signature.

Results go to bench/results/scale_<part>.json. The machine's load average is recorded:
other work on this 2-core machine shares the CPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile, save  # noqa: E402
from tests.conftest import CORPUS  # noqa: E402
from tests.pg import PostgresServer, free_port  # noqa: E402
from tests.scale_tools import Fleet, scale_env, wait_until, webhook_receiver  # noqa: E402

from factdesk.backends.embed.hashing import HashingEmbedder  # noqa: E402
from factdesk.backends.search.local import LocalIndex  # noqa: E402
from factdesk.jobs.procrastinate import ensure_schema  # noqa: E402
from factdesk.jobs.service import JobService  # noqa: E402
from factdesk.pipeline import Desk  # noqa: E402
from factdesk.plugins import BuildContext, build_queue  # noqa: E402
from factdesk.settings import Settings  # noqa: E402
from factdesk.webhooks import SIGNATURE_HEADER, verify  # noqa: E402

SECRET = "bench-webhook-secret"


def _home(root: Path) -> Path:
    home = root / "home"
    index = LocalIndex(home / "index.sqlite3", HashingEmbedder())
    index.add(CORPUS)
    index.close()
    return home


@contextmanager
def _service(home: Path, url: str) -> Iterator[JobService]:
    settings = Settings(
        home=home,
        llm={"backend": "scripted"},
        embedder={"backend": "hashing"},
        database_url=SecretStr(url),
    )
    desk = Desk.from_settings(settings)
    service = JobService(desk, build_queue(BuildContext(settings, embedder=desk.embedder)))
    ensure_schema(url)
    try:
        yield service
    finally:
        service.stop()
        desk.store.close()


def _questions(n: int, offset: int = 0) -> list[str]:
    return [f"Was the Eiffel Tower finished in {1000 + offset + i}?" for i in range(n)]


def _finish(service: JobService, ids: list[str], timeout: float) -> None:
    wait_until(lambda: all(service.get(i).finished for i in ids), timeout, "all finished", 0.1)


def throughput(server: PostgresServer, root: Path, args: argparse.Namespace) -> dict[str, object]:
    home = _home(root)
    rounds: list[dict[str, object]] = []
    for delay in args.delay:
        for workers in (1, 2, 4):
            url = server.database("tp")
            with _service(home, url) as service:
                fleet = Fleet(url, scale_env(home, url, delay_s=delay), root)
                try:
                    for n in range(workers):
                        fleet.start(f"w{n}")
                    started = time.perf_counter()
                    ids = [service.submit(q).id for q in _questions(args.jobs)]
                    _finish(service, ids, 1800)
                    elapsed = time.perf_counter() - started
                finally:
                    fleet.stop()
                done = sum(service.get(i).status == "done" for i in ids)
            row = {
                "scripted_delay_s": delay,
                "workers": workers,
                "jobs": args.jobs,
                "done": done,
                "seconds": round(elapsed, 2),
                "jobs_per_minute": round(args.jobs / elapsed * 60, 1),
            }
            print(row)
            rounds.append(row)
    url = server.database("lat")
    with _service(home, url) as service:
        fleet = Fleet(url, scale_env(home, url), root)
        latencies: list[float] = []
        try:
            fleet.start("idle")
            for question in _questions(args.probes):
                job = service.submit(question)
                _finish(service, [job.id], 120)
                finished = service.get(job.id)
                assert finished.started_at is not None
                latencies.append((finished.started_at - finished.created_at).total_seconds())
        finally:
            fleet.stop()
    overhead = {
        "probes": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }
    print("enqueue to start:", overhead)
    return {"throughput": rounds, "queue_overhead": overhead}


def faults(server: PostgresServer, root: Path, args: argparse.Namespace) -> dict[str, object]:
    home = _home(root)
    url = server.database("faults")
    with _service(home, url) as service:
        ids: list[str] = []

        def feed(n: int = 5) -> None:
            ids.extend(service.submit(q).id for q in _questions(n, len(ids)))

        fleet = Fleet(url, scale_env(home, url, delay_s=args.delay[0]), root)
        started = time.perf_counter()
        try:
            fleet.start("steady")
            victim = fleet.start("victim")
            feed(args.jobs // 4)
            for _kill in range(3):
                fleet.kill_when_busy(victim, feed)
                victim = fleet.start("victim")
            feed(args.jobs - len(ids))
            _finish(service, ids, 3600)
        finally:
            fleet.stop()
        elapsed = time.perf_counter() - started
        jobs = [service.get(i) for i in ids]
        count = Fleet(url, {}, root)
        result = {
            "jobs": len(ids),
            "workers": 2,
            "sigkills": 3,
            "scripted_delay_s": args.delay[0],
            "done": sum(j.status == "done" for j in jobs),
            "report_pages": count.count("SELECT COUNT(*) FROM reports"),
            "report_versions": count.count("SELECT COUNT(*) FROM report_versions"),
            "checks_stored": count.count("SELECT COUNT(*) FROM checks"),
            "distinct_report_ids": len({j.report_id for j in jobs}),
            "jobs_taken_over": sum(j.attempts > 1 for j in jobs),
            "seconds": round(elapsed, 1),
        }
        count.stop()
    result["lost"] = result["jobs"] - result["report_versions"]  # type: ignore[operator]
    result["duplicated"] = result["report_versions"] - result["distinct_report_ids"]  # type: ignore[operator]
    print(result)
    return result


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "factdesk.cli", "serve", "--port", str(port), "--no-auto-ingest"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def batch(server: PostgresServer, root: Path, args: argparse.Namespace) -> dict[str, object]:
    home = _home(root)
    url = server.database("batch")
    outcome: dict[str, object] = {}
    with webhook_receiver() as receiver:
        env = scale_env(
            home,
            url,
            delay_s=args.delay[0],
            FACTDESK_WEBHOOKS__SECRET=SECRET,
            FACTDESK_WEBHOOKS__ALLOW_HOSTS='["127.0.0.1"]',
            FACTDESK_SERVER__WRITE_RATE_PER_MINUTE="0",
            FACTDESK_SERVER__READ_RATE_PER_MINUTE="0",
            FACTDESK_SERVER__JOBS_PER_CLIENT="0",  # one address sends the whole batch
        )
        ensure_schema(url)
        fleet = Fleet(url, env, root)
        port = free_port()
        web = _serve(env, port, root / "serve.log")
        base = f"http://127.0.0.1:{port}"
        try:
            fleet.start("w0")
            fleet.start("w1")
            wait_until(lambda: _up(base), 300, "factdesk serve", 0.5)
            started = time.perf_counter()
            body = {"questions": _questions(args.questions), "webhook_url": receiver.url}
            made = httpx.post(f"{base}/api/batches", json=body, timeout=120).json()
            wait_until(
                lambda: httpx.get(f"{base}/api/batches/{made['id']}").json()["finished"],
                3600,
                "the API batch",
                0.5,
            )
            api_seconds = time.perf_counter() - started
            lines = httpx.get(f"{base}/api/batches/{made['id']}/results.jsonl").text.splitlines()
            source = root / "claims.csv"
            source.write_text("question\n" + "\n".join(_questions(args.questions, 5000)) + "\n")
            started = time.perf_counter()
            cli = subprocess.run(
                [sys.executable, "-m", "factdesk.cli", "batch", str(source),
                 "--out", str(root / "results.jsonl"), "--webhook", receiver.url],
                env=env, capture_output=True, text=True, timeout=3600,
            )  # fmt: skip
            cli_seconds = time.perf_counter() - started
            wait_until(lambda: len(receiver.received) >= 2, 120, "both batch webhooks", 0.2)
        finally:
            web.terminate()
            web.wait(30)
            fleet.stop()
        results = [json.loads(line) for line in lines]
        cli_results = [
            json.loads(line) for line in (root / "results.jsonl").read_text().splitlines()
        ]
        signed = [verify(SECRET, h[SIGNATURE_HEADER], b) for h, b in receiver.received]
        tampered = [verify(SECRET, h[SIGNATURE_HEADER], b + b" ") for h, b in receiver.received]
        wrong_key = [verify("not-the-secret", h[SIGNATURE_HEADER], b) for h, b in receiver.received]
        outcome = {
            "questions": args.questions,
            "api": {
                "done": sum(r["status"] == "done" for r in results),
                "seconds": round(api_seconds, 1),
            },
            "cli": {
                "exit_code": cli.returncode,
                "done": sum(r["status"] == "done" for r in cli_results),
                "seconds": round(cli_seconds, 1),
            },
            "webhook_deliveries": len(receiver.received),
            "events": sorted(str(b["event"]) for b in receiver.bodies()),
            "valid_signatures": sum(signed),
            "tampered_body_rejected": not any(tampered),
            "wrong_secret_rejected": not any(wrong_key),
        }
    print(outcome)
    return outcome


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/checks", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["throughput", "faults", "batch"])
    parser.add_argument("--jobs", type=int, default=60)
    parser.add_argument("--probes", type=int, default=30)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--delay", type=float, nargs="+", default=[0.0, 0.05])
    args = parser.parse_args()
    server = PostgresServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="factdesk-scale-") as tmp:
            part = {"throughput": throughput, "faults": faults, "batch": batch}[args.part]
            result = part(server, Path(tmp), args)
    finally:
        server.stop()
    save(f"scale_{args.part}", {"arguments": vars(args), **result})


if __name__ == "__main__":
    main()
