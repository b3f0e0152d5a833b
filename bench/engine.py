"""Engine benchmarks on the real corpus: build throughput against the raw models, rebuilds,
query latency of the whole pipeline.

    .venv/bin/python bench/engine.py [--queries 200]

Prints one table of medians and ratios measured in this run. Not part of `make test`:
timings on a shared 2-core machine are noisy, so nothing here is asserted. Larger corpora:
bench/scale.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.indexer.builder import build  # noqa: E402
from index.models.e5 import extra_embedders  # noqa: E402
from index.models.embedder import minilm  # noqa: E402
from index.search.engine import Engine  # noqa: E402
from index.settings import Settings  # noqa: E402
from index.text.chunker import chunk, embedding_text  # noqa: E402
from index.text.corpus import parse_article  # noqa: E402
from index.text.sentences import passage_sentences  # noqa: E402

CORPUS = ROOT / "corpus" / "articles"
QUESTIONS = ROOT.parent / "shared" / "eval" / "questions.jsonl"
OURS = ROOT / "bench" / "questions.jsonl"  # in Russian, Azerbaijani and Chinese too
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


def embedded_texts(settings: Settings) -> tuple[list[str], list[str]]:
    """What a build embeds: each passage's text, and each distinct sentence of them."""
    texts, sentences = [], []
    for path in sorted(settings.corpus_dir.glob("*.md")):
        article = parse_article(path.read_bytes(), path.name, path.stem)
        for passage in chunk(article, settings.tuning.chunking):
            texts.append(embedding_text(article, passage))
            sentences += [passage.text[a:b] for a, b in passage_sentences(passage.text)]
    return texts, list(dict.fromkeys(sentences))


def questions(count: int) -> list[str]:
    public = [json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines()]
    made = [f"{a} {s}?" for a in ASPECTS for s in SUBJECTS]
    pool = public + made
    return [pool[i % len(pool)] for i in range(count)]


def other_languages(count: int) -> list[str]:
    """``count`` questions in Russian, Azerbaijani and Chinese (ours, repeated)."""
    rows = [json.loads(line) for line in OURS.read_text("utf-8").splitlines() if line.strip()]
    pool = [row["question"] for row in rows if row["lang"] != "en"]
    return [pool[i % len(pool)] for i in range(count)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    model = minilm()
    extra = extra_embedders("auto")  # the configured multilingual model, where installed
    models = [model, *extra]
    for each in models:
        each.embed_queries(["warm up"])  # load once; every figure below is warm
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        shutil.copytree(CORPUS, work / "corpus")
        settings = settings_for(work / "corpus", work / "index")

        texts, sentences = embedded_texts(settings)
        # Alternate the two so background load hits both alike; medians of three.
        raws, fulls = [], []
        for _ in range(3):
            raws.append(timed(lambda: [m.embed_passages(texts + sentences) for m in models]))
            fulls.append(timed(lambda: build(settings, full=True, embedder=model, extra=extra)))
        raw, full = statistics.median(raws), statistics.median(fulls)
        rows += [
            ("real corpus passages (and their sentences)", f"{len(texts)} ({len(sentences)})"),
            ("models", " + ".join(m.model_id for m in models)),
            ("raw encode of the same texts, all models (median of 3)", f"{raw:.2f} s"),
            ("full build (median of 3)", f"{full:.2f} s ({len(texts) / full:.1f} passages/s)"),
            ("build throughput / raw encode", f"{raw / full:.2f}"),
        ]
        nochange = [timed(lambda: build(settings, embedder=model, extra=extra)) for _ in range(5)]
        rows.append(
            ("no-change rebuild (median of 5)", f"{statistics.median(nochange) * 1000:.1f} ms")
        )

        engine = Engine.open(settings, embedder=model, extra=extra)
        asked = questions(args.queries)
        # Distinct questions each time, so the question-vector cache never helps.
        latencies = [_search_ms(engine, f"{q} ({n})") for n, q in enumerate(asked)]
        answers = [_answer_ms(engine, f"{q} [{n}]") for n, q in enumerate(asked)]
        together = _batch_ms(engine, [f"{q} <{n}>" for n, q in enumerate(asked)], 10)
        others = [_search_ms(engine, f"{q} ({n})") for n, q in enumerate(other_languages(100))]
        rows += [
            (f"search p50 / p95 ({len(asked)} questions)", _p50_p95(latencies)),
            ("search, questions in ru / az / zh, p50 / p95", _p50_p95(others)),
            ("search + bold sentence p50 / p95", _p50_p95(answers)),
            ("search, 10 questions batched, per question", f"{together:.1f} ms"),
        ]
        engine.close()
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    print("-" * (width + 30))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def _search_ms(engine: Engine, question: str) -> float:
    started = time.perf_counter()
    engine.search(question)
    return (time.perf_counter() - started) * 1000


def _answer_ms(engine: Engine, question: str) -> float:
    """What every front end does per answer: search, gate, bold sentences, one-line answer."""
    started = time.perf_counter()
    engine.answer(question, 3)
    return (time.perf_counter() - started) * 1000


def _batch_ms(engine: Engine, asked: list[str], size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(asked), size):
        engine.answer_many(asked[start : start + size])
    return (time.perf_counter() - started) * 1000 / len(asked)


def _p50_p95(values: list[float]) -> str:
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f} ms"


if __name__ == "__main__":
    main()
