"""Reciprocal rank fusion: one ranking out of several (Cormack et al., 2009)."""

from __future__ import annotations

from collections.abc import Sequence

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
