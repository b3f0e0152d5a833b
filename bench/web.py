"""The reader's site over real HTTP on the realistic corpus (../shared/realcorpus beside the
seed interviews, both models): how fast the article page is served and how much it weighs,
and the search page beside `Engine.answer` run warm on the same questions.

    .venv/bin/python bench/web.py [--no-build] [--rounds 5]

Targets: the article page at p95 within 50 ms and 100 KB (its chart aside; it has none);
the search page about as fast as `ask` answers warm. Prints medians, p95s and ratios
measured in this run; nothing is asserted (timings here are noisy).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ablation import prepared  # noqa: E402
from index import Engine  # noqa: E402
from tests.webreader import Reader  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "realcorpus"


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return elapsed, len(response.content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="use the index as it is")
    parser.add_argument("--rounds", type=int, default=5, help="times each page is asked for")
    args = parser.parse_args(argv)
    for _corpus, base, (model, *extra) in prepared("realcorpus", args.no_build):
        engine = Engine.open(base, embedder=model, extra=extra)
        engine.warm_up()
        questions = [
            str(json.loads(line)["question"])
            for path in sorted(QUESTIONS.glob("questions-*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        articles = [engine.article(a.id) for a in engine.articles()]
        with Reader(engine) as reader, httpx.Client(base_url=reader.url, timeout=60) as client:
            pages: list[float] = []
            sizes: list[int] = []
            for _ in range(args.rounds):
                for article in articles:
                    if article is None or not article.paragraphs:
                        continue
                    middle = (len(article.paragraphs) + 1) // 2
                    ms, size = timed(client, f"/article/{quote(article.id, safe='')}?p={middle}")
                    pages.append(ms)
                    sizes.append(size)
            searched = [timed(client, "/?" + urlencode({"q": q}))[0] for q in questions]
            today = dt.date.today()
            direct = []
            alone = Engine.open(base, embedder=model, extra=extra)  # its own query cache
            alone.warm_up()
            for question in questions:
                started = time.perf_counter()
                alone.answer(question, 3, today=today)
                direct.append((time.perf_counter() - started) * 1000)
            alone.close()
        engine.close()
        print(f"realistic corpus: {len(articles)} articles, {len(questions)} questions")
        print(f"{'measure':<34} {'median':>9} {'p95':>9}")
        print(
            f"{'article page, ms':<34} {statistics.median(pages):>9.1f} {p95(pages):>9.1f}"
            f"   (target p95 <= 50; {len(pages)} requests)"
        )
        print(
            f"{'article page, KB':<34} {statistics.median(sizes) / 1000:>9.1f} "
            f"{p95(sizes) / 1000:>9.1f}   (largest {max(sizes) / 1000:.1f}; target <= 100)"
        )
        print(f"{'search page, ms':<34} {statistics.median(searched):>9.1f} {p95(searched):>9.1f}")
        print(
            f"{'Engine.answer warm, ms':<34} {statistics.median(direct):>9.1f} {p95(direct):>9.1f}"
        )
        ratio = statistics.median(searched) / statistics.median(direct)
        print(f"search page / answer: median {ratio:.2f}, p95 {p95(searched) / p95(direct):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
