"""One ranking out of several retrievers: a weighted sum of their scores (the default), or
reciprocal rank fusion of their ranks (Cormack et al., 2009; ``fusion: rrf`` in the
calibration file).

Rank fusion throws the scores away: a passage with cosine 0.66 could land below one with 0.53
because BM25, noisy over a small corpus, ranked the latter higher. The weighted sum keeps how
much better a passage is. Its weights were chosen on SciFact's training split and our own
calibration questions, never on the sets we report (`bench/fusion.py`), and live in the
calibration file (`index.tuning`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

RRF_K = 60  # the constant from the paper; damps the weight of the very top ranks


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int | None]], k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fuse rankings of ids into (id, score) pairs, best first.

    Each ranking adds 1 / (k + rank) to its ids; a None holds a rank without an id. Ties go
    to the id with the better single rank, then to the smaller id, so the order is
    deterministic.
    """
    scores: dict[int, float] = {}
    best: dict[int, int] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            if item is None:
                continue
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            best[item] = min(best.get(item, rank), rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], best[pair[0]], pair[0]))


@dataclass(frozen=True)
class Candidate:
    """What each retriever says of one passage, on the scale each gives."""

    passage_id: int
    first: float  # the cosine of the model the question is routed to first
    second: float | None  # the cosine of a second model fused with it (e5 beside MiniLM)
    keywords: float  # BM25 over the question's best BM25 (0 to 1); 0 where BM25 missed it
    bm25: float = 0.0  # BM25 as FTS5 gives it; 0 where BM25 missed it
    foreign: bool = False  # in a language the main model and BM25 can't read
    words: int = 0  # the passage's length in words

    def signals(self, weights: Weights) -> dict[str, float]:
        """The features and the fused score, for explaining a result (`ask --json`)."""
        found = {"first": self.first, "keywords": self.keywords, "bm25": self.bm25}
        found["words"] = float(self.words)
        if self.second is not None:
            found["second"] = self.second
        return {**found, "fused": weights.score(self)}


@dataclass(frozen=True)
class Weights:
    """A linear combination of the features; a ranking ignores their constant offsets, so
    raw cosines combine without normalising."""

    first: float
    second: float
    keywords: float
    # Where set, BM25 enters as bm25 / (bm25 + saturation) rather than over the question's
    # best: over a small corpus BM25's scores are small and say less, and this lets them.
    saturation: float | None = None
    # A prior for longer passages, times the log of the length in words: of two passages the
    # models score alike, the one with more of the article around the match more often holds
    # the answer (a document-length prior, as in language-model retrieval).
    length: float = 0.0

    def score(self, candidate: Candidate) -> float:
        second = candidate.second if candidate.second is not None else 0.0
        if self.saturation is None:
            keywords = candidate.keywords
        else:
            keywords = candidate.bm25 / (candidate.bm25 + self.saturation)
        fused = self.first * candidate.first + self.second * second + self.keywords * keywords
        if self.length:
            fused += self.length * math.log(max(candidate.words, 1))
        return fused


def fuse_scores(candidates: Sequence[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates best first by their weighted score; ties to the better first cosine, then
    the smaller id, so the order is deterministic."""
    return sorted(candidates, key=lambda c: (-weights.score(c), -c.first, c.passage_id))


def fusion_weights(weights: Mapping[str, Weights], models: int, main_first: bool) -> Weights:
    """Of the calibration file's ``weights``, those for a question routed to ``models``
    models, the main one first or not."""
    if not main_first:
        return weights["other_language"]
    return weights["two_models" if models > 1 else "one_model"]


def stand_in(candidates: list[Candidate]) -> list[Candidate]:
    """Passages in another language, found for an English question by e5, with what the main
    model and BM25 (blind to them) would say in their place: the best first cosine, keyword
    score and length of any English passage that e5 scores no higher, so such a passage
    ranks as far up as e5 puts it among the others (as rank fusion let e5's rank vote for
    them). Lengths are no measure across scripts: a Chinese character is not an English
    word."""
    english = [c for c in candidates if not c.foreign and c.second is not None]
    found = []
    for candidate in candidates:
        if candidate.foreign and candidate.second is not None:
            below = [c for c in english if (c.second or 0.0) <= candidate.second]
            first = max((c.first for c in below), default=candidate.first)
            keywords = max((c.keywords for c in below), default=0.0)
            words = max((c.words for c in below), default=candidate.words)
            candidate = replace(candidate, first=first, keywords=keywords, words=words)
        found.append(candidate)
    return found
