"""Fusion tuned on SciFact's training split, reported once on its test split, chunked as shipped.

    .venv/bin/python bench/fusion.py [--multilingual] [--test]

The abstracts are indexed as the product indexes articles (the default chunker, MiniLM, BM25;
with ``--multilingual`` e5 as well), in bench/.cache/scifact-chunked. For every query the
engine's own candidates (`Engine.candidates`: each retriever's score for each passage
proposed) are read once; then fusions are scored offline as nDCG@10 over documents (a
document ranks where its best passage does): reciprocal rank fusion as before, and weighted
sums of the scores over a grid. The grid's best on the training split is printed with its
training figure; ``--test`` also scores the chosen weights, RRF and the single retrievers on
the test split (run it once, after choosing). Each split is also scored through the product
as a user meets it: `search` with k=10 (thresholds, the gates, near-duplicates,
joined neighbours), documents in the order their passages come. Not a test.
"""

from __future__ import annotations

import argparse
import itertools
import sqlite3
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dataclasses import replace  # noqa: E402

from bench.beir import load_qrels, ndcg_at_10, write_corpus  # noqa: E402
from index.evaluate import EvalQuestion, first_hit, load_questions  # noqa: E402
from index.indexer.builder import build  # noqa: E402
from index.models.e5 import extra_embedders  # noqa: E402
from index.models.embedder import Embedder, minilm  # noqa: E402
from index.search.engine import Engine  # noqa: E402
from index.search.fusion import (  # noqa: E402
    Candidate,
    Weights,
    fuse_scores,
    reciprocal_rank_fusion,
)
from index.settings import Settings  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
POOL = 100  # candidates each retriever proposes, as the engine does for 25 passages
Ranking = list[str]  # document ids, best first


def settings(multilingual: bool, paragraphs: bool = False, fusion: str = "scores") -> Settings:
    found = Settings.from_env(
        {
            "CITEBOT_CORPUS_DIR": str(CACHE / "scifact" / "corpus"),
            "CITEBOT_INDEX_DIR": str(
                CACHE / ("scifact-paragraphs" if paragraphs else "scifact-chunked") / "index"
            ),
            "CITEBOT_MULTILINGUAL": "auto" if multilingual else "off",
        }
    )
    chunking = replace(found.tuning.chunking, min_words=1, max_words=2000)
    return found.tuned(
        sentence_vectors=False,  # ranking never reads them
        fusion=fusion,
        **({"chunking": chunking} if paragraphs else {}),
    )


def documents(order: Iterable[int], article_of: dict[int, str]) -> Ranking:
    """Passage ids to document ids, each document where its best passage ranks."""
    return list(dict.fromkeys(article_of[pid] for pid in order))


def score(
    rank: Callable[[list[Candidate]], list[int]],
    features: dict[str, list[Candidate]],
    qrels: dict[str, set[str]],
    article_of: dict[int, str],
) -> float:
    total = 0.0
    for query_id, candidates in features.items():
        total += ndcg_at_10(documents(rank(candidates), article_of), qrels[query_id])
    return total / len(features)


def by(weights: Weights) -> Callable[[list[Candidate]], list[int]]:
    return lambda cs: [c.passage_id for c in fuse_scores(cs, weights)]


def rrf(cs: list[Candidate]) -> list[int]:
    rankings: list[list[int | None]] = [
        [c.passage_id for c in sorted(cs, key=lambda c: -c.first)],
        [c.passage_id for c in sorted(cs, key=lambda c: -c.keywords) if c.keywords > 0],
    ]
    if cs and cs[0].second is not None:
        rankings.append([c.passage_id for c in sorted(cs, key=lambda c: -(c.second or 0.0))])
    return [pid for pid, _ in reciprocal_rank_fusion(rankings)]


def grid(two: bool) -> list[Weights]:
    keywords = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.8]
    seconds = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0] if two else [0.0]
    lengths = [0.0, 0.1, 0.2, 0.3]
    by_max = [
        Weights(1.0, s, k, length=n) for s, k, n in itertools.product(seconds, keywords, lengths)
    ]
    saturated = [
        Weights(1.0, s, k, c)
        for s, k, c in itertools.product(
            [0.0, 3.0, 5.0] if two else [0.0], [0.2, 0.4, 0.6, 0.8, 1.0], [2.0, 5.0, 10.0, 20.0]
        )
    ]
    return by_max + saturated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multilingual", action="store_true", help="e5 beside MiniLM")
    parser.add_argument("--test", action="store_true", help="score the test split too (once)")
    parser.add_argument(
        "--paragraphs",
        action="store_true",
        help="one passage a paragraph (a SciFact abstract is one) instead of 40-160 words",
    )
    parser.add_argument("--no-build", action="store_true", help="use the index as it is")
    parser.add_argument(
        "--ours",
        type=Path,
        help="instead: tune on a question file of ours over the configured index (var/index), "
        "and print the one-line answers' scores for calibrating their threshold",
    )
    args = parser.parse_args()
    if args.ours:
        ours(args.ours)
        return
    write_corpus()
    model = minilm()
    extra: list[Embedder] = extra_embedders("auto") if args.multilingual else []
    config = settings(args.multilingual, args.paragraphs)
    if not args.no_build:
        build(config, embedder=model, extra=extra)
    engine = Engine.open(config, embedder=model, extra=extra)
    with sqlite3.connect(engine.version / "store.sqlite") as store:
        article_of = dict(store.execute("SELECT id, article_id FROM passages").fetchall())
    print(f"{len(article_of)} passages from {len(set(article_of.values()))} abstracts")
    splits = ["train", "test"] if args.test else ["train"]
    shipped = config.tuning.weights["two_models" if extra else "one_model"]
    for split in splits:
        queries, qrels = load_qrels(split)
        features = {q: engine.candidates(text, POOL) for q, text in queries.items()}
        rows: list[tuple[str, float]] = [
            ("MiniLM alone", score(by(Weights(1, 0, 0)), features, qrels, article_of)),
            ("BM25 alone", score(by(Weights(0, 0, 1)), features, qrels, article_of)),
            ("RRF (k=60)", score(rrf, features, qrels, article_of)),
            (f"weighted, shipped {shipped}", score(by(shipped), features, qrels, article_of)),
        ]
        if extra:
            rows.insert(2, ("e5 alone", score(by(Weights(0, 1, 0)), features, qrels, article_of)))
        # As a user gets it: `ask -k 10`, thresholded, merged, joined.
        total = 0.0
        for query_id, text in queries.items():
            ranked = [hit.article.id for hit in engine.search(text, 10)]
            total += ndcg_at_10(list(dict.fromkeys(ranked)), qrels[query_id])
        rows.append(("through the product: search(k=10), thresholded", total / len(queries)))
        if split == "train":
            tried = [(w, score(by(w), features, qrels, article_of)) for w in grid(bool(extra))]
            best, best_score = max(tried, key=lambda pair: pair[1])
            rows.append((f"weighted, best of {len(tried)} on train: {best}", best_score))
            for weights, found in sorted(tried, key=lambda pair: -pair[1])[:8]:
                print(f"  train {found:.4f}  {weights}")
        sizes = "paragraph-sized" if args.paragraphs else "chunked"
        print(f"\nSciFact {split} ({len(queries)} queries), nDCG@10 over documents, {sizes}")
        for name, value in rows:
            print(f"  {value:.3f}  {name}")


def ours(path: Path) -> None:
    """Weights chosen on our own questions, per route, by MRR of the first right passage
    (before merging, which only drops copies); then the one-line answers."""
    engine = Engine.open(Settings.from_env())
    questions = [q for q in load_questions(path) if q.gold]
    text_of: dict[int, str] = {}

    def text(pid: int) -> str:
        if pid not in text_of:
            hit = engine.passage(pid)
            text_of[pid] = hit.text if hit else ""
        return text_of[pid]

    groups: dict[str, list[tuple[EvalQuestion, list[Candidate]]]] = {}
    for q in questions:
        route = engine.router.route(q.question)
        kind = (
            ("two" if len(route.models) > 1 else "one")
            if route.first is engine.router.main
            else "other"
        )
        groups.setdefault(kind, []).append((q, engine.candidates(q.question, POOL)))
    for kind, items in groups.items():
        two = kind == "two"

        def mrr(
            weights: Weights, items: list[tuple[EvalQuestion, list[Candidate]]] = items
        ) -> float:
            total = 0.0
            for q, cs in items:
                order = [c.passage_id for c in fuse_scores(cs, weights)]
                rank = first_hit((text(pid) for pid in order[:10]), q.gold)
                total += 1 / rank if rank else 0.0
            return total / len(items)

        tried = sorted(((w, mrr(w)) for w in grid(two)), key=lambda pair: -pair[1])
        print(f"\n{kind} ({len(items)} questions): MRR@10 of the best weights")
        for weights, found in tried[:6]:
            print(f"  {found:.3f}  {weights}")
    print("\none-line answers: cosine of the best sentence, and whether it holds the gold")
    for q in questions:
        hits = engine.rank(q.question, 3)
        line = engine.answer_line(q.question, hits)
        if line is None:
            continue
        right = first_hit([line.text], q.gold) is not None
        print(f"  {line.score:.3f}  {'right' if right else 'WRONG':<5}  [{q.lang}] {q.question}")
    held = bold = 0
    for q in questions:
        hits = engine.rank(q.question, 1)
        if not hits or first_hit([hits[0].text], q.gold) is None:
            continue
        (span,) = engine.highlights(q.question, hits)
        held += 1
        bold += span is not None and first_hit([hits[0].text[span[0] : span[1]]], q.gold) == 1
    print(f"\nbold sentence holds the gold: {bold} of the {held} whose first passage holds it")


if __name__ == "__main__":
    main()
