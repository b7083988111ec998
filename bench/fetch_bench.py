"""Fetch throughput and the share of a check spent on the web, against a loopback site.

    .venv/bin/python bench/fetch_bench.py [--repeats 5] [--pages 48] [--real-model]

1. Pages fetched and extracted per second with fetch concurrency 1 and 8: the pages
   live on 8 host names (all resolved to 127.0.0.1 and allow-listed here), robots.txt
   is read per host, politeness pause off, no cache. Measured with the server
   answering at once and with a 100 ms delay per response (a stand-in for network
   latency). Medians over repeats, and their ratio.
2. The share of a check's time spent in the search and fetch stages: a check whose
   web backend is a fake SearXNG on the same loopback server, with the scripted LLM
   (pure pipeline overhead) and, with --real-model, once with the local model.

Prints the figures and saves them to bench/results/fetch_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.websites import Site  # noqa: E402

from factdesk import modelpkgs  # noqa: E402
from factdesk.backends.fetch.http import Fetcher  # noqa: E402
from factdesk.backends.llm.scripted import ScriptedLLM  # noqa: E402
from factdesk.backends.webcache import web_cache  # noqa: E402
from factdesk.pipeline import Desk, run_check  # noqa: E402
from factdesk.plugins import BuildContext, build_llm, build_searchers  # noqa: E402
from factdesk.settings import Settings  # noqa: E402
from factdesk.store.sqlite import SQLiteStore  # noqa: E402

HOSTS = [f"site{i}.test" for i in range(8)]
QUESTION = "Was the Eiffel Tower built for the 1889 World's Fair?"
WORDS = """
    tower iron Paris engineer fair exhibition visitors built century rivets lattice
    government museum city river bridge council report data survey record history
    official critics budget design construction height metres public opened year
""".split()  # noqa: SIM905


def article(n: int, rng: random.Random) -> str:
    """A news-like page of about 25 KB: boilerplate around a dozen paragraphs."""
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(40))
    paragraphs = []
    for p in range(12):
        words = [rng.choice(WORDS) for _ in range(80)]
        lead = f"Paragraph {p} of story {n}: the Eiffel Tower was built from 1887 to 1889."
        paragraphs.append(f"<p>{lead} {' '.join(words).capitalize()}.</p>")
    return (
        f"<!DOCTYPE html><html><head><title>Story {n} about the tower</title>"
        f'<meta name="author" content="Reporter {n % 7}">'
        f'<meta property="article:published_time" content="2024-0{1 + n % 9}-1{n % 9}">'
        f"<style>{'.c{color:#333}' * 200}</style><script>{'var x=1;' * 300}</script>"
        f"</head><body><nav><ul>{nav}</ul></nav><main><article><h1>Story {n}</h1>"
        f"{''.join(paragraphs)}</article></main><footer>{nav}</footer></body></html>"
    )


def resolver_to_loopback():
    async def resolve(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    return resolve


def fetch_settings(concurrency: int) -> dict[str, object]:
    return {
        "allow_hosts": ["127.0.0.1", *HOSTS],
        "concurrency": concurrency,
        "per_host_delay_s": 0.0,
    }


def throughput(site: Site, urls: list[str], concurrency: int, repeats: int) -> dict[str, object]:
    rates = []
    for _ in range(repeats):
        fetcher = Fetcher(
            Settings(fetch=fetch_settings(concurrency)).fetch, resolver=resolver_to_loopback()
        )
        started = time.perf_counter()
        results = fetcher.fetch_all(urls)
        elapsed = time.perf_counter() - started
        failed = [r.record.error for r in results if r.page is None]
        if failed:
            raise SystemExit(f"fetch failed: {failed[0]}")
        rates.append(len(urls) / elapsed)
    return {
        "pages_per_s": [round(r, 2) for r in rates],
        "median": round(statistics.median(rates), 2),
    }


def check_shares(site: Site, repeats: int, real_model: bool) -> dict[str, object]:
    models = Path(os.environ.get("FACTDESK_MODELS__DIR") or Settings().models_dir)
    have_minilm = all(
        modelpkgs.is_installed(models, a)
        for a in modelpkgs.ARTIFACTS
        if a.name in ("embedder", "tokenizer")
    )
    runs = []
    for n in range(1 if real_model else repeats):
        with tempfile.TemporaryDirectory() as home:
            settings = Settings(
                home=Path(home),
                models={"dir": models},
                llm={"backend": "llama_cpp" if real_model else "scripted"},
                embedder={"backend": "minilm" if have_minilm else "hashing"},
                search={"backends": ["searxng"]},
                backends={"searxng": {"url": site.url("")}},
                fetch={**fetch_settings(8), "per_host_delay_s": 0.25},
            )
            context = BuildContext(settings)
            cache = web_cache(context)
            desk = Desk(
                settings=settings,
                llm=build_llm("llm", context) if real_model else ScriptedLLM(),
                embedder=context.embedder,
                searchers=build_searchers(context),
                store=SQLiteStore(settings.db_path),
                fetcher=Fetcher(settings.fetch, cache, resolver=resolver_to_loopback()),
            )
            started = time.perf_counter()
            record = run_check(desk, QUESTION)
            total = time.perf_counter() - started
        assert record.report is not None
        t = record.report.method.timings
        runs.append(
            {
                "total_s": round(total, 3),
                "timings": t,
                "search_share": round(t["search"] / total, 4),
                "fetch_share": round(t["fetch"] / total, 4),
                "pages": len(record.report.method.pages),
                "verdict": record.report.verdict.label,
                "run": n,
            }
        )
    share = statistics.median(r["search_share"] + r["fetch_share"] for r in runs)
    return {
        "llm": "llama_cpp (Qwen2.5-Coder-1.5B Q4_K_M)" if real_model else "scripted",
        "embedder": "minilm" if have_minilm else "hashing",
        "runs": runs,
        "median_search_plus_fetch_share": round(share, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--pages", type=int, default=48)
    parser.add_argument(
        "--real-model", action="store_true", help="also one check with the local LLM"
    )
    args = parser.parse_args()

    rng = random.Random(7)
    site = Site("127.0.0.1")
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    urls = []
    for n in range(args.pages):
        path = f"/news/{n}"
        site.add(path, article(n, rng))
        urls.append(site.url(path, host=HOSTS[n % len(HOSTS)]))
    results = [
        {"url": u, "title": f"Story {i}", "content": "The tower was built for the fair."}
        for i, u in enumerate(urls[:8])
    ]
    site.add(
        "/search",
        json.dumps({"query": QUESTION, "results": results}),
        content_type="application/json",
    )
    page_kb = round(
        statistics.mean(len(site.routes[f"/news/{n}"][2]) for n in range(args.pages)) / 1024, 1
    )

    throughput_results: dict[str, dict[str, object]] = {}
    out: dict[str, object] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "pages": args.pages,
        "repeats": args.repeats,
        "mean_page_kb": page_kb,
        "throughput": throughput_results,
    }
    try:
        for delay in (0.0, 0.1):
            for path in (f"/news/{n}" for n in range(args.pages)):
                status, headers, body, _ = site.routes[path]
                site.routes[path] = (status, headers, body, delay)
            one = throughput(site, urls, 1, args.repeats)
            eight = throughput(site, urls, 8, args.repeats)
            key = f"server_delay_{int(delay * 1000)}ms"
            ratio = round(float(eight["median"]) / float(one["median"]), 2)
            throughput_results[key] = {
                "concurrency_1": one,
                "concurrency_8": eight,
                "ratio_8_over_1": ratio,
            }
            print(
                f"{key}: concurrency 1 {one['median']} pages/s, "
                f"concurrency 8 {eight['median']} pages/s, ratio {ratio}"
            )
        for path in (f"/news/{n}" for n in range(args.pages)):
            status, headers, body, _ = site.routes[path]
            site.routes[path] = (status, headers, body, 0.0)
        checks = [("check_scripted", False), ("check_real_model", True)]
        for name, real in checks[: 2 if args.real_model else 1]:
            shares = check_shares(site, args.repeats, real_model=real)
            out[name] = shares
            print(
                f"{name}: search+fetch share of the check's time (median) "
                f"{float(str(shares['median_search_plus_fetch_share'])):.1%}"
            )
    finally:
        site.close()
    target = ROOT / "bench" / "results" / "fetch_bench.json"
    target.write_text(json.dumps(out, indent=2) + "\n")
    print(f"saved {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
