"""What each rule and gate of the query path pays: every question file answered as shipped,
then with each switched off in turn (the calibration file's `off`), then with rank fusion in
place of weighted fusion, then without the multilingual model.

    .venv/bin/python bench/ablation.py [--no-build] [--only realcorpus|ours]

Two corpora, each built in bench/.cache/ (never in corpus/):
- realcorpus: ../shared/realcorpus's articles in four languages beside the seed interviews,
  asked its questions (answerable ones and near misses, which must get nothing);
- ours: the seed interviews, asked ../shared/eval/questions.jsonl and bench/*.jsonl.

Questions are asked as a user asks them (`Engine.answer`: the time they name read as a
filter). Printed per corpus: hit@1 and hit@3 of the answerable questions, the near misses
and off-topic questions answered with nothing, and the answerable ones answered with
nothing. A rule pays where switching it off loses more than it gains. Not a test.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import Engine, Settings, build, load_questions  # noqa: E402
from index.evaluate import EvalQuestion, first_hit  # noqa: E402
from index.models.configured import models_for  # noqa: E402
from index.models.embedder import Embedder  # noqa: E402
from index.tuning import SWITCHES  # noqa: E402

SHARED = ROOT.parent / "shared"
CACHE = ROOT / "bench" / ".cache"
DEPTH = 10


@dataclass(frozen=True)
class Corpus:
    name: str
    articles: tuple[Path, ...]  # folders whose articles it holds
    questions: tuple[Path, ...]


OUR_FILES = ("questions", "calibration", "held_out", "keywords", "near_misses", "as_typed")
CORPORA = (
    Corpus(
        "realcorpus",
        (SHARED / "realcorpus" / "articles", ROOT / "corpus" / "articles"),
        tuple(sorted((SHARED / "realcorpus").glob("questions-*.jsonl"))),
    ),
    Corpus(
        "ours",
        (ROOT / "corpus" / "articles",),
        (
            SHARED / "eval" / "questions.jsonl",
            *(ROOT / "bench" / f"{name}.jsonl" for name in OUR_FILES),
        ),
    ),
)


@dataclass(frozen=True)
class Score:
    answerable: int
    at_1: int
    at_3: int
    refusable: int  # near misses and off-topic questions
    refused: int  # of them, answered with nothing
    lost: int  # answerable questions answered with nothing

    def row(self) -> str:
        return (
            f"{self.at_1:>4} / {self.at_3:<4} of {self.answerable:<4}"
            f"{self.refused:>5} of {self.refusable:<5}{self.lost:>6}"
        )


def settings(corpus: Corpus) -> Settings:
    folder = CACHE / corpus.name
    return Settings.from_env(
        {
            "CITEBOT_CORPUS_DIR": str(folder / "articles"),
            "CITEBOT_INDEX_DIR": str(folder / "index"),
        }
    )


def copy_articles(corpus: Corpus) -> None:
    target = CACHE / corpus.name / "articles"
    shutil.rmtree(target, ignore_errors=True)
    for source in corpus.articles:
        shutil.copytree(source, target, dirs_exist_ok=True)


def prepared(
    only: str | None, no_build: bool
) -> Iterator[tuple[Corpus, Settings, list[Embedder]]]:
    """Each corpus (or the one named ``only``) with its settings and the models, its index
    built first unless ``no_build``."""
    models = models_for(settings(CORPORA[0]))
    for corpus in CORPORA:
        if only and corpus.name != only:
            continue
        base = settings(corpus)
        if not no_build:
            copy_articles(corpus)
            build(base, embedder=models[0], extra=models[1:])
        yield corpus, base, models


def score(engine: Engine, questions: Sequence[EvalQuestion]) -> Score:
    at_1 = at_3 = refused = lost = answerable = 0
    for q in questions:
        hits = engine.answer(q.question, DEPTH, today=q.today).hits
        if not q.gold:
            refused += not hits
            continue
        answerable += 1
        lost += not hits
        rank = first_hit((hit.text for hit in hits), q.gold)
        at_1 += rank == 1
        at_3 += rank is not None and rank <= 3
    return Score(answerable, at_1, at_3, len(questions) - answerable, refused, lost)


def configurations(base: Settings) -> list[tuple[str, Settings, bool]]:
    """(name, settings, with the multilingual model)."""
    found = [("as shipped", base, True)]
    found += [(f"off: {s}", base.tuned(off=frozenset({s})), True) for s in sorted(SWITCHES)]
    found.append(("languages read alike", base.tuned(per_language=0), True))
    found.append(("rank fusion (rrf)", base.tuned(fusion="rrf"), True))
    found.append(("no multilingual model", base, False))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="use the indexes as they are")
    parser.add_argument("--only", choices=[c.name for c in CORPORA], help="one corpus")
    args = parser.parse_args(argv)
    for corpus, base, (model, *extra) in prepared(args.only, args.no_build):
        questions = [q for path in corpus.questions if path.exists() for q in load_questions(path)]
        print(f"\n{corpus.name}: {len(questions)} questions")
        print(f"{'':<26}{'hit@1 / hit@3':<20}{'refused right':<14}{'lost':>6}")
        for name, config, multilingual in configurations(base):
            models: list[Embedder] = list(extra) if multilingual else []
            engine = Engine.open(config, embedder=model, extra=models)
            print(f"{name:<26}{score(engine, questions).row()}", flush=True)
            engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
