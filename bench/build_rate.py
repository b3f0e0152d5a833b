"""How fast the real models build a corpus of many articles in four languages: a full build
of N articles with both models (MiniLM and e5), then 50 more taken in, as a feed brings them.

    .venv/bin/python bench/build_rate.py [--articles 1000] [--added 50]

The articles are made from ../shared/realcorpus's and the seed interviews' paragraphs, each
article five paragraphs drawn from one language's at random (seeded), with a date and an
outlet, so their lengths and languages are a real corpus's; every sentence is made unique
with the article's number, as the build embeds a repeated text once. Printed: articles,
passages and sentences embedded, seconds, and texts (passages and sentences) a second; then
the time to take the added articles in, and the peak memory of the process. Built in
bench/.cache/.
Not a test; timings on this machine are noisy, so compare runs made one after the other.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import Settings, build  # noqa: E402
from index.indexer.report import Embedding  # noqa: E402
from index.models.configured import models_for  # noqa: E402

SHARED = ROOT.parent / "shared"
CACHE = ROOT / "bench" / ".cache"
FRONT = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
LANGUAGE = re.compile(r"^language:\s*(\w+)", re.MULTILINE)
SENTENCE_END = re.compile(r"([.!?。！？])(?=\s|$)")


def paragraphs() -> dict[str, list[str]]:
    """Every paragraph of the realistic corpus and the seeds, by language."""
    found: dict[str, list[str]] = {}
    for path in [
        *sorted((SHARED / "realcorpus" / "articles").glob("*.md")),
        *sorted((ROOT / "corpus" / "articles").glob("*.md")),
    ]:
        text = path.read_text(encoding="utf-8")
        match = LANGUAGE.search(text)
        language = match.group(1) if match else "en"
        body = FRONT.sub("", text)
        found.setdefault(language, []).extend(
            p.strip() for p in body.split("\n\n") if len(p.split()) > 5 or len(p) > 40
        )
    return found


def write(folder: Path, count: int, start: int, pool: dict[str, list[str]]) -> None:
    rng = random.Random(start)
    languages = sorted(pool)
    for n in range(start, start + count):
        language = rng.choice(languages)
        chosen = rng.sample(pool[language], min(5, len(pool[language])))
        # Each sentence made unique ("… (n)."), as a real corpus's are: the build embeds a
        # repeated text once.
        body = "\n\n".join(SENTENCE_END.sub(rf" ({n})\1", p) for p in chosen)
        day = f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        path = folder / f"{n // 1000:03d}" / f"a{n:06d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"---\ntitle: Article {n}\nsource: Outlet {n % 30}\npublished: {day}\n"
            f"language: {language}\n---\n\n{body}\n",
            encoding="utf-8",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--added", type=int, default=50)
    args = parser.parse_args(argv)
    folder = CACHE / f"build-{args.articles}"
    shutil.rmtree(folder, ignore_errors=True)
    pool = paragraphs()
    write(folder / "corpus", args.articles, 0, pool)
    settings = Settings.from_env(
        {"CITEBOT_CORPUS_DIR": str(folder / "corpus"), "CITEBOT_INDEX_DIR": str(folder / "index")}
    )
    model, *extra = models_for(settings)
    embedded: dict[str, Embedding] = {}

    def progress(state: Embedding) -> None:
        embedded[state.model_id] = state

    started = time.perf_counter()
    report = build(settings, embedder=model, extra=extra, progress=progress)
    seconds = time.perf_counter() - started
    texts = sum(state.total for state in embedded.values())
    print(f"full build: {args.articles} articles, {report.passages} passages, {seconds:.0f} s")
    for model_id, state in embedded.items():
        print(f"  {model_id}: {state.passages} passages and {state.sentences} sentences")
    print(f"  {texts / seconds:.1f} texts a second, both models together")
    write(folder / "corpus", args.added, args.articles, pool)
    started = time.perf_counter()
    added = build(settings, embedder=model, extra=extra)
    print(
        f"{args.added} articles added to {args.articles}: {time.perf_counter() - started:.0f} s "
        f"({len(added.added)} added, {added.embedded} passages embedded)"
    )
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
