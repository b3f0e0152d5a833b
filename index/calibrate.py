"""Calibrating the relevance thresholds on questions with known answers and off-topic ones.

For each threshold setting (one per model the questions are routed to), an in-scope question
counts as answered at threshold ``t`` when its first right passage scores at least ``t``, and
an off-topic one as silent when no passage does. The suggested threshold maximises the mean
of the two shares, and among equally good ones sits in the middle of the widest gap.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from index.evaluate import DEPTH, EvalQuestion, first_hit
from index.search.engine import Engine
from index.tuning import Tuning, with_values

E5_ENGLISH = "min_score_e5_english"  # e5's threshold for English questions


@dataclass(frozen=True)
class Calibration:
    """One threshold setting's figures on a question set."""

    setting: str
    current: float
    suggested: float
    right: tuple[float, ...]  # each in-scope question's right-passage score, best first
    off_topic: tuple[float, ...]  # each off-topic question's best score, best first
    unreachable: int  # in-scope questions with no right passage in the top DEPTH

    def answered(self, threshold: float) -> float:
        """The share of in-scope questions whose right passage would be shown."""
        total = len(self.right) + self.unreachable
        return sum(score >= threshold for score in self.right) / total if total else 1.0

    def silent(self, threshold: float) -> float:
        """The share of off-topic questions that would get "nothing found"."""
        if not self.off_topic:
            return 1.0
        return sum(score < threshold for score in self.off_topic) / len(self.off_topic)


def calibrate(engine: Engine, questions: Sequence[EvalQuestion]) -> list[Calibration]:
    """Score every question without the threshold and suggest one threshold per setting."""
    right: dict[str, list[float]] = {}
    off: dict[str, list[float]] = {}
    missed: dict[str, int] = {}
    current: dict[str, float] = {}
    for q in questions:
        setting, value = engine.threshold(q.question)
        current[setting] = value
        hits = engine.rank(q.question, DEPTH)
        # An English question is held to e5's cosine too, where e5 ranks beside MiniLM.
        scored = [(setting, [hit.score for hit in hits])]
        if hits and all("second" in dict(hit.signals) for hit in hits):
            current[E5_ENGLISH] = engine.settings.tuning.min_score_e5_english
            scored.append((E5_ENGLISH, [dict(hit.signals)["second"] for hit in hits]))
        rank = first_hit((hit.text for hit in hits), q.gold) if q.gold else None
        for name, scores in scored:
            if not q.gold:
                off.setdefault(name, []).append(max(scores, default=0.0))
            elif rank is None:
                missed[name] = missed.get(name, 0) + 1
            else:
                right.setdefault(name, []).append(scores[rank - 1])
    return [
        Calibration(
            setting,
            current[setting],
            best_threshold(right.get(setting, []), off.get(setting, [])),
            tuple(sorted(right.get(setting, []), reverse=True)),
            tuple(sorted(off.get(setting, []), reverse=True)),
            missed.get(setting, 0),
        )
        for setting in sorted(current)
    ]


def calibrated(
    tuning: Tuning,
    calibrations: Sequence[Calibration],
    questions: Sequence[str],
    articles: int,
    today: dt.date,
) -> Tuning:
    """``tuning`` with each calibrated threshold set to its suggestion, and where it came
    from: the question files, the day, and how many articles the index held."""
    suggested = {c.setting: c.suggested for c in calibrations}
    provenance = {"on": today.isoformat(), "articles": articles, "questions": list(questions)}
    return with_values(
        tuning, **suggested, calibrated={**provenance, "thresholds": sorted(suggested)}
    )


def best_threshold(right: Sequence[float], off_topic: Sequence[float]) -> float:
    """The threshold that best separates right-passage scores from off-topic ones.

    Candidates are the midpoints between neighbouring observed scores (and a step beyond
    either end); the best maximise the mean of answered and silent shares, and of those the
    one farthest from any observed score wins, rounded to two decimals.
    """
    values = sorted({round(v, 6) for v in (*right, *off_topic)})
    if not values:
        return 0.0
    step = 0.05
    candidates = [
        values[0] - step,
        *((a + b) / 2 for a, b in itertools.pairwise(values)),
        values[-1] + step,
    ]

    def quality(t: float) -> tuple[float, float]:
        answered = sum(v >= t for v in right) / len(right) if right else 1.0
        silent = sum(v < t for v in off_topic) / len(off_topic) if off_topic else 1.0
        margin = min(abs(t - v) for v in values)
        return (answered + silent) / 2, margin

    best = max(candidates, key=quality)
    rounded = round(best, 2)
    return rounded if quality(rounded)[0] == quality(best)[0] else round(best, 3)
