"""MiniLM through sentence-transformers' ONNX backend (fp32, citebot's default; int8) and torch.

    make bench-onnx        # or: .venv/bin/python bench/onnx_backend.py [--speed-only]

In one run: encoding throughput on SciFact abstracts and on the real corpus's passages
(medians of 3, the two backends alternating so background load hits both alike), the latency
of embedding one question (p50 of 200), and SciFact dense nDCG@10 / Recall@100 for both.
int8 would be the default if its nDCG@10 stayed within 0.005 of torch's (it does dense, not in
the full pipeline: see CHANGELOG.md). Quality takes
the longest (every abstract embedded by both); `--speed-only` leaves it out (bench/beir.py's
"dense MiniLM alone" row measures the configured backend's).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.beir import SCIFACT, load_qrels, ndcg_at_10  # noqa: E402
from bench.engine import embedded_texts, questions, settings_for  # noqa: E402
from index.models.embedder import Embedder, minilm  # noqa: E402

SAMPLE = 600  # abstracts timed per round


def throughput(model: Embedder, texts: list[str]) -> float:
    started = time.perf_counter()
    model.embed_passages(texts)
    return len(texts) / (time.perf_counter() - started)


def speeds(models: dict[str, Embedder], sets: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per model and set of texts, passages embedded a second: the median of 3 rounds, the
    models alternating so background load hits them alike."""
    found: dict[str, dict[str, list[float]]] = {name: {key: [] for key in sets} for name in models}
    for _ in range(3):
        for name, model in models.items():
            for key, texts in sets.items():
                found[name][key].append(throughput(model, texts))
    return {
        name: {key: statistics.median(values) for key, values in rounds.items()}
        for name, rounds in found.items()
    }


def question_ms(model: Embedder, asked: list[str]) -> float:
    times = []
    for n, question in enumerate(asked):
        started = time.perf_counter()
        model.embed_queries([f"{question} {n}"])
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def quality(model: Embedder) -> tuple[float, float]:
    docs = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open()]
    ids = [d["_id"] for d in docs]
    # As citebot embeds an article of one paragraph: the title, then the text.
    corpus = model.embed_passages([f"{d['title']}\n{' '.join(d['text'].split())}" for d in docs])
    queries, qrels = load_qrels()
    asked = model.embed_queries(list(queries.values()))
    ndcg = recall = 0.0
    for query_id, vector in zip(queries, asked, strict=True):
        ranked = [ids[i] for i in np.argsort(-(corpus @ vector))[:100]]
        ndcg += ndcg_at_10(ranked, qrels[query_id])
        recall += len(set(ranked) & qrels[query_id]) / len(qrels[query_id])
    return ndcg / len(queries), recall / len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-only", action="store_true", help="no SciFact quality")
    args = parser.parse_args()
    backends = {name: minilm(backend=name) for name in ("torch", "onnx", "onnx-int8")}
    for model in backends.values():
        model.embed_queries(["warm up"])  # loaded (and the ONNX copy made) before timing
    abstracts = [
        " ".join(json.loads(line)["text"].split())
        for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()[:SAMPLE]
    ]
    passages, _ = embedded_texts(settings_for(ROOT / "corpus" / "articles", Path("-")))
    asked = questions(200)
    speed = speeds(backends, {"a": abstracts, "p": passages})
    print(
        f"{'backend':<10} {'abstracts/s':>11} {'passages/s':>10} {'question ms':>11} "
        f"{'nDCG@10':>8} {'R@100':>6}",
        flush=True,
    )
    medians = {}
    for name, model in backends.items():
        medians[name] = [speed[name][kind] for kind in ("a", "p")]
        ndcg, recall = (float("nan"), float("nan")) if args.speed_only else quality(model)
        print(
            f"{name:<10} {medians[name][0]:>11.1f} {medians[name][1]:>10.1f} "
            f"{question_ms(model, asked):>11.1f} {ndcg:>8.3f} {recall:>6.3f}",
            flush=True,
        )
    for name in ("onnx", "onnx-int8"):
        ratios = [o / t for o, t in zip(medians[name], medians["torch"], strict=True)]
        print(f"{name} / torch throughput: abstracts {ratios[0]:.2f}, passages {ratios[1]:.2f}")


if __name__ == "__main__":
    main()
