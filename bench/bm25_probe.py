"""BM25 alone at a million passages: the plain OR query against leaving out common words.

    python bench/bm25_probe.py [--queries 100]

Needs the cached index of bench/search_scale_bench.py. For each bound, words found in
that many passages or more (counted up to the bound) are left out of the MATCH when the
question has rarer ones, as the local index's `bm25_common_passages` does (when all are
that common, this ranks the first `bound` matches; the index ranks `bound` per word
since); prints p50,
p95 and how many of the plain query's top 10 each variant keeps. The five slowest plain
questions are shown with each word's passage count.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time

from factdesk.sqlitedb import fts_query

from common import percentile
from synthetic_corpus import CACHE, load_seed, questions

RANKED = "ORDER BY bm25(passages_fts, 2.0, 1.0) LIMIT 50"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    path = CACHE / f"scale-{args.size}.sqlite3"
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    asked = questions(load_seed(CACHE / "sample.sqlite3"), args.queries)

    def plain(match: str) -> list[int]:
        sql = f"SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? {RANKED}"
        return [r[0] for r in conn.execute(sql, (match,))]

    def count(term: str, cap: int) -> int:
        sql = "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT ?)"
        return int(conn.execute(sql, (term, cap)).fetchone()[0])

    def dropping(match: str, cap: int) -> list[int]:
        terms = match.split(" OR ")
        rare = [t for t in terms if count(t, cap) < cap]
        if rare:
            return plain(" OR ".join(rare))
        sql = (
            "SELECT rowid FROM (SELECT rowid, bm25(passages_fts, 2.0, 1.0) AS s FROM "
            "passages_fts WHERE passages_fts MATCH ? LIMIT ?) ORDER BY s LIMIT 50"
        )
        return [r[0] for r in conn.execute(sql, (match, cap))]

    truth: dict[str, list[int]] = {}
    times = []
    for q in asked:
        started = time.perf_counter()
        truth[q] = plain(fts_query(q))
        times.append((time.perf_counter() - started) * 1000)
    print(f"plain OR: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f}")
    for spent, q in sorted(zip(times, asked, strict=True))[-5:]:
        counts = ", ".join(f"{t}={count(t, 10**7)}" for t in fts_query(q).split(" OR "))
        print(f"  {spent:.0f} ms {q!r}: {counts}")
    for cap in (2_000, 5_000, 10_000, 20_000):
        times, kept = [], []
        for q in asked:
            started = time.perf_counter()
            found = dropping(fts_query(q), cap)
            times.append((time.perf_counter() - started) * 1000)
            best = truth[q][:10]
            kept.append(len(set(found[:10]) & set(best)) / max(1, len(best)))
        print(
            f"leave out words in {cap} passages or more: p50 {statistics.median(times):.1f} ms,"
            f" p95 {percentile(times, 95):.1f}; top 10 kept {statistics.mean(kept):.2f}"
        )


if __name__ == "__main__":
    main()
