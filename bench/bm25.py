"""BM25 two ways on BEIR SciFact: SQLite FTS5 (what citebot uses) against bm25s.

    .venv/bin/python bench/bm25.py

Prints nDCG@10, Recall@100, index time and query latency (median) for each, measured in
one run. The FTS5 side is citebot's own store (porter stemmer, unicode61 tokens, every
question word OR-ed); bm25s is scored with and without its English stemmer.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import bm25s  # noqa: E402
import Stemmer  # noqa: E402

from bench.beir import SCIFACT, load_qrels, ndcg_at_10  # noqa: E402
from index.records import Article, Passage  # noqa: E402
from index.storage.catalog import Store  # noqa: E402


def load_corpus() -> list[tuple[str, str]]:
    documents = []
    for line in (SCIFACT / "corpus.jsonl").read_text().splitlines():
        doc = json.loads(line)
        documents.append((doc["_id"], f"{doc['title']}\n{' '.join(doc['text'].split())}"))
    return documents


def fts5(documents: list[tuple[str, str]], folder: Path) -> Callable[[str], list[str]]:
    store = Store.create(folder / "store.sqlite")
    ids: dict[int, str] = {}
    with store.transaction():
        for doc_id, text in documents:
            article = Article(id=doc_id, title="", paragraphs=(text,))
            passage = Passage(doc_id, 0, 1, 1, text, None)
            (pid,) = store.add_article(article, [passage], [text], [[]])
            ids[pid] = doc_id
    return lambda query: [ids[pid] for pid, _ in store.keywords.search(query, 100)]


def bm25s_ranker(documents: list[tuple[str, str]], stem: bool) -> Callable[[str], list[str]]:
    stemmer = Stemmer.Stemmer("english") if stem else None
    tokens = bm25s.tokenize([text for _, text in documents], stopwords="en", stemmer=stemmer)
    retriever = bm25s.BM25()
    retriever.index(tokens)
    ids = [doc_id for doc_id, _ in documents]

    def rank(query: str) -> list[str]:
        q = bm25s.tokenize([query], stopwords="en", stemmer=stemmer)
        found, _ = retriever.retrieve(q, k=100)
        return [ids[i] for i in found[0]]

    return rank


def main() -> None:
    documents = load_corpus()
    queries, qrels = load_qrels()
    variants: list[tuple[str, Callable[[], Callable[[str], list[str]]]]] = []
    with tempfile.TemporaryDirectory() as scratch:
        variants = [
            ("SQLite FTS5 (porter), citebot", lambda: fts5(documents, Path(scratch))),
            ("bm25s, English stemmer + stopwords", lambda: bm25s_ranker(documents, True)),
            ("bm25s, stopwords, no stemmer", lambda: bm25s_ranker(documents, False)),
        ]
        print(f"{len(documents)} abstracts, {len(queries)} queries", file=sys.stderr)
        print(f"{'variant':<36} {'nDCG@10':>8} {'R@100':>7} {'index s':>8} {'query ms p50':>13}")
        for name, make in variants:
            started = time.perf_counter()
            rank = make()
            built = time.perf_counter() - started
            ndcg = recall = 0.0
            times = []
            for query_id, text in queries.items():
                t0 = time.perf_counter()
                ranked = rank(text)
                times.append((time.perf_counter() - t0) * 1000)
                ndcg += ndcg_at_10(ranked, qrels[query_id])
                recall += len(set(ranked[:100]) & qrels[query_id]) / len(qrels[query_id])
            n = len(queries)
            print(
                f"{name:<36} {ndcg / n:>8.3f} {recall / n:>7.3f} {built:>8.2f} "
                f"{statistics.median(times):>13.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
