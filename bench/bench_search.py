"""Search on the real content: how often the fixture's queries find their screen, and how fast.

    .venv/bin/python bench/bench_search.py [--rounds 20]

Prints found/asked per group of tests/fixtures/search_queries.yaml (top 1 and top 3), the
nothing-queries that found something, the time of one search (p50, p99, over every fixture
query `--rounds` times; wall clock and this thread's CPU time, which other work on the
machine does not stretch) and of one index build. The p99 aim is 5 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import build  # noqa: E402
from bot.search import SearchIndex  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "search_queries.yaml"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    content, _ = build(ROOT / "content", ROOT / "locales")
    assert content is not None, "the content has errors: run `python -m bot check`"

    builds, builds_cpu = [], []
    for _ in range(5):
        started, started_cpu = time.perf_counter(), time.thread_time()
        index = SearchIndex.build(content.tree, content.catalogs)
        builds_cpu.append(time.thread_time() - started_cpu)
        builds.append(time.perf_counter() - started)
    print(f"index: {len(index.docs)} screens, {len(index.postings)} terms; build (median "
          f"of 5) {statistics.median(builds) * 1000:.0f} ms wall clock, "
          f"{statistics.median(builds_cpu) * 1000:.0f} ms CPU")

    fixture = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    queries: list[tuple[str, str]] = []
    print(f"\n{'group':<12} {'top 1':>9} {'top 3':>9}")
    for group, items in fixture.items():
        if group == "nothing":
            continue
        lang = group.split("-")[0]
        first = third = 0
        for query, wanted in items.items():
            found = [hit.node for hit in index.search(query, lang)]
            first += bool(found) and found[0] in wanted
            third += any(node in wanted for node in found[:3])
            queries.append((query, lang))
        asked = len(items)
        print(f"{group:<12} {first:>3}/{asked:<3} {first / asked:4.0%} "
              f"{third:>3}/{asked:<3} {third / asked:4.0%}")
    wrong = [(lang, query) for lang, items in fixture["nothing"].items() for query in items
             if index.search(query, lang)]
    asked = sum(len(items) for items in fixture["nothing"].values())
    print(f"nothing      {asked - len(wrong)}/{asked} found nothing, as they should"
          + "".join(f"\n  found something: [{lang}] {query}" for lang, query in wrong))
    queries += [(query, lang) for lang, items in fixture["nothing"].items() for query in items]

    wall: dict[tuple[str, str], list[float]] = {query: [] for query in queries}
    cpu: dict[tuple[str, str], list[float]] = {query: [] for query in queries}
    for _ in range(args.rounds):
        for query, lang in queries:
            started, started_cpu = time.perf_counter(), time.thread_time()
            index.search(query, lang)
            cpu[query, lang].append(time.thread_time() - started_cpu)
            wall[query, lang].append(time.perf_counter() - started)
    print(f"\nsearch, {len(queries)} queries × {args.rounds} rounds (aim: p99 ≤ 5 ms):")
    for name, timings in (("wall clock", wall), ("CPU (this thread)", cpu)):
        every = [t for values in timings.values() for t in values]
        typical = [statistics.median(values) for values in timings.values()]
        print(f"  {name:<18} every call: p50 {percentile(every, 0.5) * 1000:.2f} ms, "
              f"p99 {percentile(every, 0.99) * 1000:.2f} ms; "
              f"each query's median: p50 {percentile(typical, 0.5) * 1000:.2f} ms, "
              f"p99 {percentile(typical, 0.99) * 1000:.2f} ms, "
              f"max {max(typical) * 1000:.2f} ms")
    print(f"  (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: other work "
          "on the machine stretches the wall clock, not the CPU time)")


if __name__ == "__main__":
    main()
