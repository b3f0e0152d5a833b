"""Retrieval quality on a question file: hit@k and MRR per language, silence off-topic.

A file has one JSON object a line: ``{"id", "lang", "question", "gold": [...]}``. A returned
passage is a hit when it contains one of the gold strings, compared without regard to case,
whitespace or quote marks. Questions with empty ``gold`` are out of scope: the right answer is
no passage at all. A dated question also gives ``today`` (``2026-12-01``) and may give the
``filter`` it should be read as (``{"since": "2025-01-01", "until": "2025-12-31"}`` or
``{"recent": true}``): it is then asked as a user asks, its time read, and the report counts
the filters read as expected.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.errors import EvalFileError
from index.search.engine import Engine
from index.text.when import TimeFilter

_QUOTES = re.compile(r"[\"'`“”‘’«»„‟‚‛]")
_SPACE = re.compile(r"\s+")
DEPTH = 10  # MRR@10: the search returns at most this many passages


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    lang: str
    question: str
    gold: tuple[str, ...]
    today: dt.date | None = None  # given: the question is read for time, as of this day
    expect: TimeFilter | None = None  # the filter it should be read as


@dataclass(frozen=True)
class Score:
    """Metrics over a group of in-scope questions (a language, or all)."""

    group: str
    questions: int
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    mrr_at_10: float


@dataclass(frozen=True)
class Miss:
    id: str
    lang: str
    question: str
    rank: int | None  # where the first right passage came, if within DEPTH


@dataclass(frozen=True)
class EvalReport:
    scores: tuple[Score, ...]
    out_of_scope: int
    out_of_scope_silent: float  # share of out-of-scope questions answered with nothing
    misses: tuple[Miss, ...]  # in-scope questions with no right passage in the top 3
    dated: int = 0  # questions with an expected time filter
    dated_right: int = 0  # of them, read as expected


def normalise(text: str) -> str:
    """Case-, whitespace- and quote-insensitive form for gold matching."""
    return _SPACE.sub(" ", _QUOTES.sub("", text.casefold())).strip()


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read an evaluation file.

    Raises:
        EvalFileError: unreadable, or a line that is not a well-formed question.
    """
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise EvalFileError(f"cannot read {path}: {error}") from None
    questions = [_question(line, path, n) for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise EvalFileError(f"{path} holds no questions")
    return questions


def _question(line: str, path: Path, number: int) -> EvalQuestion:
    where = f"{path}, line {number}"
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise EvalFileError(f"{where}: not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise EvalFileError(f"{where}: expected an object")
    question, gold = data.get("question"), data.get("gold", [])
    if not isinstance(question, str) or not question.strip():
        raise EvalFileError(f"{where}: `question` must be non-empty text")
    if not isinstance(gold, list) or not all(isinstance(g, str) and g.strip() for g in gold):
        raise EvalFileError(f"{where}: `gold` must be a list of non-empty strings")
    lang = data.get("lang") or "?"
    try:
        today = dt.date.fromisoformat(data["today"]) if data.get("today") else None
        expect = _filter(data["filter"]) if data.get("filter") is not None else None
    except (TypeError, ValueError, KeyError) as error:
        raise EvalFileError(f"{where}: `today` or `filter` is malformed ({error})") from None
    if expect is not None and today is None:
        raise EvalFileError(f"{where}: a `filter` needs the `today` it is read against")
    return EvalQuestion(
        str(data.get("id", number)), str(lang), question, tuple(gold), today, expect
    )


def _filter(data: dict[str, object]) -> TimeFilter:
    def day(key: str) -> dt.date | None:
        value = data.get(key)
        return dt.date.fromisoformat(str(value)) if value else None

    return TimeFilter(day("since"), day("until"), bool(data.get("recent", False)))


def first_hit(texts: Iterable[str], gold: tuple[str, ...]) -> int | None:
    """The 1-based rank of the first text containing a gold string."""
    wanted = [normalise(g) for g in gold]
    for rank, text in enumerate(texts, 1):
        body = normalise(text)
        if any(g in body for g in wanted):
            return rank
    return None


def evaluate(engine: Engine, questions: list[EvalQuestion]) -> EvalReport:
    """Ask every question as a user asks it (`Engine.answer`: the time it names read as a
    filter, as of its ``today`` or else the real one; thresholds and gates included) and
    score it."""
    ranks: dict[str, list[int | None]] = {}
    silent = []
    misses = []
    dated = dated_right = 0
    for q in questions:
        answer = engine.answer(q.question, DEPTH, today=q.today)
        hits = list(answer.hits)
        if q.expect is not None:
            dated += 1
            dated_right += answer.when == q.expect
        if not q.gold:
            silent.append(not hits)
            continue
        rank = first_hit((hit.text for hit in hits), q.gold)
        ranks.setdefault(q.lang, []).append(rank)
        if rank is None or rank > 3:
            misses.append(Miss(q.id, q.lang, q.question, rank))
    scores = [_score(lang, found) for lang, found in sorted(ranks.items())]
    if len(ranks) > 1:
        scores.append(_score("all", [r for found in ranks.values() for r in found]))
    share = sum(silent) / len(silent) if silent else 1.0
    return EvalReport(tuple(scores), len(silent), share, tuple(misses), dated, dated_right)


def _score(group: str, ranks: list[int | None]) -> Score:
    n = len(ranks)

    def within(k: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= k) / n

    mrr = sum(1 / r for r in ranks if r is not None and r <= DEPTH) / n
    return Score(group, n, within(1), within(3), within(5), mrr)
