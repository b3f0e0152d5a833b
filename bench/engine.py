"""Engine benchmarks: build throughput against the raw model, rebuilds, query latency.

    .venv/bin/python bench/engine.py [--passages 10000] [--queries 200]

Prints one table of medians and ratios measured in this run. Not part of `make test`:
timings on a shared 2-core machine are noisy, so nothing here is asserted. The synthetic
10,000-passage index is kept in bench/.cache/ so later runs skip building it.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.builder import build  # noqa: E402
from index.chunker import chunk, embedding_text  # noqa: E402
from index.corpus import parse_article  # noqa: E402
from index.embedder import SentenceTransformerEmbedder, minilm  # noqa: E402
from index.engine import Engine  # noqa: E402
from index.settings import Settings  # noqa: E402

CORPUS = ROOT / "corpus" / "articles"
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.jsonl"
CACHE = ROOT / "bench" / ".cache"
SUBJECTS = [
    "rail freight",
    "crude oil",
    "wine exports",
    "solar power",
    "student grants",
    "tea culture",
    "electric buses",
    "visa rules",
    "the Middle Corridor",
    "COP29",
]
ASPECTS = [
    "What did officials say about",
    "How did trade change in",
    "Who signed the deal on",
    "When did the talks on",
    "Why does Baku care about",
]


def settings_for(corpus: Path, index: Path) -> Settings:
    return Settings.from_env({"CITEBOT_CORPUS_DIR": str(corpus), "CITEBOT_INDEX_DIR": str(index)})


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def embedded_texts(settings: Settings) -> list[str]:
    texts = []
    for path in sorted(settings.corpus_dir.glob("*.md")):
        article = parse_article(path.read_bytes(), path.name, path.stem)
        texts += [embedding_text(article, p) for p in chunk(article, settings.chunker)]
    return texts


def synthetic_corpus(folder: Path, passages: int, seed: int = 1) -> None:
    """Articles of five ~45-word paragraphs: about one passage a paragraph."""
    rng = random.Random(seed)
    words = " ".join(CORPUS.joinpath(p.name).read_text() for p in CORPUS.glob("*.md")).split()
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(passages // 5):
        paragraphs = []
        for _ in range(5):
            start = rng.randrange(len(words) - 50)
            paragraphs.append(" ".join(words[start : start + 45]).replace("---", "") + ".")
        body = "\n\n".join(paragraphs)
        (folder / f"synthetic-{n:05d}.md").write_text(
            f"---\ntitle: Synthetic report {n}\nsource: Bench Wire\n---\n\n{body}\n"
        )


def questions(count: int) -> list[str]:
    public = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    made = [f"{a} {s}?" for a in ASPECTS for s in SUBJECTS]
    pool = public + made
    return [pool[i % len(pool)] for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=10_000, help="size of the large index")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    model = minilm()
    model.embed_queries(["warm up"])  # load once; every figure below is warm
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(CORPUS, work / "corpus")
        settings = settings_for(work / "corpus", work / "index")

        texts = embedded_texts(settings)
        # Alternate the two so background load hits both alike; medians of three.
        raws, fulls = [], []
        for _ in range(3):
            raws.append(timed(lambda: _raw_encode(model, texts)))
            fulls.append(
                timed(lambda: build(settings, full=True, embedder=model, show_progress=False))
            )
        raw, full = statistics.median(raws), statistics.median(fulls)
        rows += [
            ("real corpus passages", f"{len(texts)}"),
            ("raw model.encode (median of 3)", f"{len(texts) / raw:.1f} passages/s"),
            ("full build (median of 3)", f"{len(texts) / full:.1f} passages/s ({full:.2f} s)"),
            ("build throughput / raw encode", f"{raw / full:.2f}"),
        ]
        nochange = [timed(lambda: build(settings, embedder=model)) for _ in range(5)]
        rows.append(
            ("no-change rebuild (median of 5)", f"{statistics.median(nochange) * 1000:.1f} ms")
        )

        engine = Engine.open(settings, embedder=model)
        latencies = [_search_ms(engine, q) for q in questions(args.queries)]
        rows += [
            (f"query p50 ({args.queries} questions)", f"{percentile(latencies, 0.5):.1f} ms"),
            (f"query p95 ({args.queries} questions)", f"{percentile(latencies, 0.95):.1f} ms"),
        ]
        engine.close()

    rows += _large_index(model, args.passages)
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print("-" * (width + 30))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _search_ms(engine: Engine, question: str) -> float:
    started = time.perf_counter()
    engine.search(question)
    return (time.perf_counter() - started) * 1000


def _raw_encode(model: SentenceTransformerEmbedder, texts: list[str]) -> None:
    model.embed_passages(texts)


def _large_index(model: SentenceTransformerEmbedder, passages: int) -> list[tuple[str, str]]:
    """Add one article to a large index, built once and cached between runs."""
    folder = CACHE / f"synthetic-{passages}"
    settings = settings_for(folder / "corpus", folder / "index")
    extra = settings.corpus_dir / "zz-added.md"
    extra.unlink(missing_ok=True)
    if not (folder / "index" / "current").exists():
        synthetic_corpus(settings.corpus_dir, passages)
        print(
            f"building the {passages}-passage index once (cached in {folder})...", file=sys.stderr
        )
    first = timed(lambda: build(settings, embedder=model, show_progress=sys.stderr.isatty()))
    total = Engine.open(settings, embedder=model).manifest.passages
    shutil.copy(CORPUS / "oc-media-aliyev-cgtn-interview.md", extra)
    added = build(settings, embedder=model, show_progress=False)
    extra.unlink()
    removed = timed(lambda: build(settings, embedder=model, show_progress=False))
    return [
        (f"large index ({total} passages) build or check", f"{first:.1f} s"),
        ("add one article to it", f"{added.seconds:.2f} s ({added.embedded} passages embedded)"),
        ("remove that article again", f"{removed:.2f} s"),
    ]


if __name__ == "__main__":
    main()
