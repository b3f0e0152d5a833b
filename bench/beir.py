"""BEIR SciFact through citebot's own pipeline: nDCG@10 and Recall@100 per retrieval variant.

    .venv/bin/python bench/beir.py

Each abstract becomes one corpus article (title in the front matter, the abstract as one
paragraph) and chunking is off (one passage per abstract). The index is built once with the
configured models and cached in bench/.cache/scifact. Published reference scores are in
../shared/beir/README.md (all-MiniLM-L6-v2 dense: 0.645; txtai hybrid: 0.713).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.indexer.builder import build  # noqa: E402
from index.models.e5 import extra_embedders  # noqa: E402
from index.models.embedder import Embedder, minilm  # noqa: E402
from index.search.engine import Engine  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.storage.catalog import Store  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "beir" / "scifact"
CACHE = ROOT / "bench" / ".cache" / "scifact"
Ranker = Callable[[str], list[str]]


def settings(retrieval: str = "hybrid", **extra: str) -> Settings:
    env = {"CITEBOT_CORPUS_DIR": str(CACHE / "corpus"), "CITEBOT_INDEX_DIR": str(CACHE / "index")}
    found = Settings.from_env({**env, **extra})
    return found.tuned(
        chunking=replace(found.tuning.chunking, min_words=1, max_words=2000),  # one a abstract
        sentence_vectors=False,  # ranking never reads them; they'd double the build
        retrieval=retrieval,
    )


def write_corpus() -> int:
    folder = CACHE / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for line in (SCIFACT / "corpus.jsonl").read_text().splitlines():
        doc = json.loads(line)
        body = " ".join(doc["text"].split()) or "(no abstract)"
        path = folder / f"{doc['_id']}.md"
        text = f"---\ntitle: {json.dumps(doc['title'] or doc['_id'])}\n---\n\n{body}\n"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        count += 1
    return count


def load_qrels(split: str = "test") -> tuple[dict[str, str], dict[str, set[str]]]:
    """The queries of a split and their relevant documents."""
    qrels: dict[str, set[str]] = {}
    for line in (SCIFACT / "qrels" / f"{split}.tsv").read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, set()).add(doc_id)
    queries = {}
    for line in (SCIFACT / "queries.jsonl").read_text().splitlines():
        query = json.loads(line)
        if query["_id"] in qrels:
            queries[query["_id"]] = query["text"]
    return queries, qrels


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    gain = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:10]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return gain / ideal


def evaluate(
    rank: Ranker, queries: dict[str, str], qrels: dict[str, set[str]]
) -> tuple[float, ...]:
    ndcg = recall = 0.0
    started = time.perf_counter()
    for query_id, text in queries.items():
        ranked = rank(text)
        ndcg += ndcg_at_10(ranked, qrels[query_id])
        recall += len(set(ranked[:100]) & qrels[query_id]) / len(qrels[query_id])
    seconds = time.perf_counter() - started
    return ndcg / len(queries), recall / len(queries), seconds * 1000 / len(queries)


def main() -> None:
    documents = write_corpus()
    queries, qrels = load_qrels()
    model = minilm()
    extra = extra_embedders("auto")
    # MiniLM first, published and scored, so its figures come (and its vectors are kept) even
    # if the slower multilingual embedding is interrupted; the second build only adds e5.
    report = build(settings(), embedder=model, extra=[])
    print(
        f"{documents} abstracts, {report.passages} passages, {len(queries)} test queries",
        file=sys.stderr,
    )

    def ids(found: Engine) -> Ranker:
        return lambda text: [hit.article.id for hit in found.rank(text, 100)]

    plain = Engine.open(settings(), embedder=model, extra=[])
    store = Store.open(plain.version / "store.sqlite")

    def bm25(text: str) -> list[str]:
        hits = store.keywords.search(text, 100)
        rows = store.passages([pid for pid, _ in hits])
        return [rows[pid].article_id for pid, _ in hits]

    dense = Engine.open(settings(retrieval="dense"), embedder=model, extra=[])
    variants: list[tuple[str, Callable[[], Ranker]]] = [
        ("BM25 alone (SQLite FTS5)", lambda: bm25),
        ("dense MiniLM alone", lambda: ids(dense)),
        ("hybrid MiniLM + BM25 (weighted scores)", lambda: ids(plain)),
    ]
    if extra:
        variants.append(("full pipeline: MiniLM + BM25 + e5", lambda: _full(model, extra)))
    print(f"{'variant':<42} {'nDCG@10':>8} {'R@100':>7} {'ms/query':>9}", flush=True)
    for name, make in variants:
        ndcg, recall, ms = evaluate(make(), queries, qrels)
        print(f"{name:<42} {ndcg:>8.3f} {recall:>7.3f} {ms:>9.1f}", flush=True)


def _full(model: Embedder, extra: list[Embedder]) -> Ranker:
    build(settings(), embedder=model, extra=extra)  # adds the e5 vectors only
    engine = Engine.open(settings(), embedder=model, extra=extra)
    return lambda text: [hit.article.id for hit in engine.rank(text, 100)]


if __name__ == "__main__":
    main()
