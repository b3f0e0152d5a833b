"""Scale: a synthetic corpus at 10k, 100k and 1M passages, and approximate search's recall.

    .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000] [--queries 200]

For each size, in a fresh process (so peak memory is that size's own): the full build, adding
one article, query latency (p50/p95), peak memory and the index's size on disk. Embedding is
not what is measured here (the real model embeds ~24 passages/s on 2 cores, so 1M passages
would take half a day; see bench/engine.py for the model's throughput): passages get
deterministic "topic + noise" vectors from a stand-in model, so everything else (parsing,
chunking, SQLite + FTS5, FAISS, publishing) runs for real at that size. Past
CITEBOT_APPROXIMATE_ABOVE passages (default 200k) the index is HNSW; its recall@10 against
exact search is measured on real embeddings (BEIR SciFact with MiniLM, from bench/beir.py's
cache, when present) and on the synthetic vectors.

Corpora and indexes are cached in bench/.cache/scale-N.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.indexer.builder import build  # noqa: E402
from index.models.embedder import Progress, Vectors  # noqa: E402
from index.search.engine import Engine  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.storage import faiss_index, layout  # noqa: E402
from index.storage.catalog import Store  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
DIMENSION = 384
TOPICS = 2000
PARAGRAPHS = 10  # per article; each ~50 words, so one passage each
SUBJECTS = (
    "rail freight|crude oil|wine exports|solar power|student grants|tea culture|electric "
    "buses|visa rules|the Middle Corridor|COP29|wind farms|Confucius Institutes|port of "
    "Alat|green hydrogen|silk carpets|tourism|medical teams|the SCO summit"
).split("|")
VERBS = "discussed|expanded|signed|reviewed|welcomed|financed|opened|postponed".split("|")
PLACES = "Baku|Beijing|Urumqi|Ganja|Xi'an|Sumgait|Shanghai|Lankaran|Chongqing".split("|")


class StandIn:
    """Vectors near one of TOPICS random centres, chosen by the text's hash: clustered like
    real embeddings, cheap to make, the same for the same text."""

    model_id = "bench/stand-in-384"
    dimension = DIMENSION

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        centres = rng.standard_normal((TOPICS, DIMENSION)).astype(np.float32)
        self._centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        found = self._vectors(texts)
        if progress is not None:
            progress(len(texts))
        return found

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        rows = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            rng = np.random.default_rng(seed)
            rows[i] = self._centres[seed % TOPICS] + 0.6 * rng.standard_normal(DIMENSION) / 20
        normalised: Vectors = rows / np.linalg.norm(rows, axis=1, keepdims=True)
        return normalised


def sentence(rng: random.Random) -> str:
    return (
        f"Officials in {rng.choice(PLACES)} {rng.choice(VERBS)} {rng.choice(SUBJECTS)} with "
        f"partners from {rng.choice(PLACES)} in {rng.randint(2005, 2025)}, and "
        f"{rng.randint(2, 90)} percent more {rng.choice(SUBJECTS)} is planned."
    )


def write_corpus(folder: Path, passages: int) -> None:
    """Articles of PARAGRAPHS paragraphs of three ~17-word sentences, in folders of 1,000."""
    rng = random.Random(passages)
    for n in range(passages // PARAGRAPHS):
        body = "\n\n".join(" ".join(sentence(rng) for _ in range(3)) for _ in range(PARAGRAPHS))
        path = folder / f"{n // 1000:04d}" / f"report-{n:07d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Report {n}\nsource: Bench Wire\n---\n\n{body}\n")


def settings_for(folder: Path) -> Settings:
    return Settings.from_env(
        {
            "CITEBOT_CORPUS_DIR": str(folder / "corpus"),
            "CITEBOT_INDEX_DIR": str(folder / "index"),
            "CITEBOT_MULTILINGUAL": "off",
        }
    )


def disk_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def one_size(passages: int, queries: int) -> dict[str, object]:
    folder = CACHE / f"scale-{passages}"
    settings = settings_for(folder)
    model = StandIn()
    extra = settings.corpus_dir / "zz-added" / "added.md"
    extra.unlink(missing_ok=True)
    if not (folder / "index" / "current").exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        write_corpus(settings.corpus_dir, passages)
        print(
            f"{passages}: corpus written in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
    started = time.perf_counter()
    report = build(settings, embedder=model, extra=[])
    first = time.perf_counter() - started
    extra.parent.mkdir(exist_ok=True)
    extra.write_text(
        (ROOT / "corpus" / "articles" / "oc-media-aliyev-cgtn-interview.md").read_text()
    )
    added = build(settings, embedder=model, extra=[])
    extra.unlink()
    removed = build(settings, embedder=model, extra=[])
    engine = Engine.open(settings, embedder=model, extra=[])
    rng = random.Random(1)
    asked = [f"What did officials say about {rng.choice(SUBJECTS)}?" for _ in range(queries)]
    engine.search(asked[0])
    times = []
    for question in asked:
        t0 = time.perf_counter()
        engine.search(question)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    version = layout.current_version(settings.index_dir)
    return {
        "passages": engine.manifest.passages,
        "index_type": engine.manifest.index_type,
        "build_s": round(first, 1) if report.changed else None,
        "add_one_s": round(added.seconds, 2),
        "remove_one_s": round(removed.seconds, 2),
        "query_p50_ms": round(statistics.median(times), 1),
        "query_p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "disk_mb": round(disk_size(version) / 1e6),
    }


def recall_at_10(matrix: np.ndarray, queries: np.ndarray) -> tuple[float, float, float]:
    """Recall@10 of HNSW32 (citebot's efSearch) against exact search; and both latencies."""
    ids = list(range(len(matrix)))
    exact = faiss_index.new_index(matrix.shape[1], "Flat", matrix, ids)
    approximate = faiss_index.new_index(matrix.shape[1], faiss_index.APPROXIMATE, matrix, ids)
    found = 0.0
    exact_ms, approximate_ms = [], []
    for query in queries:
        t0 = time.perf_counter()
        truth = {i for i, _ in faiss_index.search(exact, query, 10)}
        t1 = time.perf_counter()
        got = {i for i, _ in faiss_index.search(approximate, query, 10)}
        t2 = time.perf_counter()
        found += len(truth & got) / 10
        exact_ms.append((t1 - t0) * 1000)
        approximate_ms.append((t2 - t1) * 1000)
    return found / len(queries), statistics.median(exact_ms), statistics.median(approximate_ms)


def scifact_vectors() -> tuple[np.ndarray, np.ndarray] | None:
    """MiniLM vectors of the SciFact abstracts (cached by bench/beir.py) and its queries."""
    settings = Settings.from_env({"CITEBOT_INDEX_DIR": str(CACHE / "scifact" / "index")})
    try:
        store = Store.open(layout.current_version(settings.index_dir) / layout.STORE_FILE)
    except Exception:  # not built yet: run bench/beir.py first
        return None
    from index.models.embedder import minilm

    model = minilm()
    _, matrix = store.cache.vectors(model.model_id, None, model.dimension)
    lines = (ROOT.parent / "shared" / "beir" / "scifact" / "queries.jsonl").read_text()
    texts = [json.loads(line)["text"] for line in lines.splitlines()][:300]
    return matrix, model.embed_queries(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.queries)))
        return
    header = (
        f"{'passages':>9} {'index':>7} {'build s':>8} {'add 1 s':>8} {'remove 1 s':>10} "
        f"{'query p50':>9} {'p95 ms':>7} {'peak MB':>8} {'disk MB':>8}"
    )
    print(header)
    print("-" * len(header), flush=True)
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout.splitlines()[-1])
        build_s = "cached" if r["build_s"] is None else f"{r['build_s']:.1f}"
        print(
            f"{r['passages']:>9} {r['index_type']:>7} {build_s:>8} {r['add_one_s']:>8.2f} "
            f"{r['remove_one_s']:>10.2f} {r['query_p50_ms']:>9.1f} {r['query_p95_ms']:>7.1f} "
            f"{r['peak_rss_mb']:>8} {r['disk_mb']:>8}",
            flush=True,
        )
    print(f"\nHNSW32 (efSearch {faiss_index.EF_SEARCH}) against exact search")
    print(f"{'vectors':<34} {'recall@10':>9} {'exact ms':>9} {'HNSW ms':>8}")
    real = scifact_vectors()
    if real is not None:
        recall, exact_ms, approx_ms = recall_at_10(*real)
        name = f"SciFact MiniLM ({len(real[0])}, real)"
        print(f"{name:<34} {recall:>9.3f} {exact_ms:>9.2f} {approx_ms:>8.2f}", flush=True)
    model = StandIn()
    for size in [n for n in args.sizes if n >= 100_000]:
        rng = random.Random(size)
        texts = [f"passage {i} {rng.random()}" for i in range(size)]
        matrix = model.embed_passages(texts)
        queries = model.embed_queries([f"question {i}" for i in range(args.queries)])
        recall, exact_ms, approx_ms = recall_at_10(matrix, queries)
        name = f"stand-in ({size:,}, synthetic)"
        print(f"{name:<34} {recall:>9.3f} {exact_ms:>9.2f} {approx_ms:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
