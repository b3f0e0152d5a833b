"""How citebot answers a corpus of many articles in four languages: every question of
../shared/realcorpus asked as a user asks it (`Engine.answer`, today as its day), scored by
question language and kind, with the one-line answers shown and held right, near misses
refused and answerable questions lost. Our own question files on the seed interviews come
after it, a row a file.

    .venv/bin/python bench/realistic.py [--no-build] [--save F] [--compare F] [--only NAME]
                                        [--off RULE]

``--save`` writes each question's rank (and what was shown) to a JSON file; ``--compare``
reads such a file and lists the questions whose rank moved. Indexes are built in
bench/.cache/ (shared with bench/ablation.py). Not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ablation import CORPORA, Corpus, prepared  # noqa: E402
from index import Engine  # noqa: E402
from index.evaluate import first_hit  # noqa: E402

TODAY = dt.date(2026, 12, 6)
DEPTH = 10


@dataclass(frozen=True)
class Asked:
    id: str
    group: str  # the question file's name, or realcorpus
    lang: str
    kind: str
    answerable: bool
    rank: int | None  # where the first right passage came
    answered: bool
    line: bool  # a one-line answer was shown
    line_right: bool  # ...and holds a gold string


def questions(corpus: Corpus) -> list[tuple[str, dict[str, object]]]:
    found = []
    for path in corpus.questions:
        if not path.exists():
            continue
        group = "realcorpus" if corpus.name == "realcorpus" else path.stem
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append((group, json.loads(line)))
    return found


def ask(engine: Engine, group: str, q: dict[str, object]) -> Asked:
    gold = tuple(str(g) for g in q.get("gold") or ())  # type: ignore[attr-defined]
    today = dt.date.fromisoformat(str(q["today"])) if q.get("today") else TODAY
    answer = engine.answer(str(q["question"]), DEPTH, today=today)
    rank = first_hit((hit.text for hit in answer.hits), gold) if gold else None
    line_right = bool(answer.line and gold and first_hit([answer.line.text], gold))
    kind = str(q.get("kind") or ("oos" if not gold else "fact"))
    return Asked(
        str(q.get("id")),
        group,
        str(q.get("lang")),
        kind,
        bool(gold),
        rank,
        answer.answered,
        answer.line is not None,
        line_right,
    )


def row(name: str, asked: Sequence[Asked]) -> str:
    answerable = [a for a in asked if a.answerable]
    near = [a for a in asked if not a.answerable]
    at_1 = sum(a.rank == 1 for a in answerable)
    at_3 = sum(a.rank is not None and a.rank <= 3 for a in answerable)
    lost = sum(not a.answered for a in answerable)
    lines = [a for a in asked if a.line]
    right = sum(a.line_right for a in lines)
    wrong_near = sum(a.line for a in near)
    return (
        f"{name:<14}{len(answerable):>4}{at_1:>6}{at_3:>6}{lost:>6}"
        f"{sum(not a.answered for a in near):>6} of {len(near):<4}"
        f"{len(lines):>6}{right:>6}{wrong_near:>6}"
    )


HEADER = (
    f"{'group':<14}{'n':>4}{'@1':>6}{'@3':>6}{'lost':>6}{'refused':>14}"
    f"{'lines':>6}{'right':>6}{'oos':>6}"
)


def report(asked: Sequence[Asked]) -> None:
    groups: dict[str, list[Asked]] = defaultdict(list)
    for a in asked:
        groups[a.group].append(a)
    for group, members in groups.items():
        print(f"\n{group}\n{HEADER}")
        print(row("all", members))
        if group != "realcorpus":
            continue
        for lang in ("en", "ru", "az", "zh"):
            print(row(lang, [a for a in members if a.lang == lang]))
        for kind in sorted({a.kind for a in members}):
            print(row(kind, [a for a in members if a.kind == kind]))


def compare(asked: Sequence[Asked], path: Path) -> None:
    before = {(d["group"], d["id"]): d for d in json.loads(path.read_text())}
    print(f"\nmoved since {path}:")
    for a in asked:
        old = before.get((a.group, a.id))
        if old is None:
            continue
        line = old["line_right"], a.line_right
        if (old["rank"], old["answered"]) != (a.rank, a.answered) or line[0] != line[1]:
            print(
                f"  {a.group} {a.id} ({a.lang}, {a.kind}): rank {old['rank']} -> {a.rank}"
                f"{'' if a.answered else ' (nothing)'}"
                f"{f'; line right {line[0]} -> {line[1]}' if line[0] != line[1] else ''}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-build", action="store_true", help="use the indexes as they are")
    parser.add_argument("--only", choices=[c.name for c in CORPORA], help="one corpus")
    parser.add_argument("--save", type=Path, help="write each question's result here")
    parser.add_argument("--compare", type=Path, help="list what moved since this file")
    parser.add_argument("--off", action="append", default=[], help="a rule to switch off")
    args = parser.parse_args(argv)
    asked: list[Asked] = []
    for corpus, base, (model, *extra) in prepared(args.only, args.no_build):
        tuned = base.tuned(off=frozenset(args.off)) if args.off else base
        engine = Engine.open(tuned, embedder=model, extra=extra)
        asked += [ask(engine, group, q) for group, q in questions(corpus)]
        engine.close()
    report(asked)
    if args.compare:
        compare(asked, args.compare)
    if args.save:
        args.save.write_text(json.dumps([a.__dict__ for a in asked], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
