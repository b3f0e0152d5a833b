"""Making a result list worth reading: each text once, and a paragraph whole.

The same wire text often runs in several outlets. Such near-duplicates are shown once, the
first (best-ranked) copy carrying the others' articles as "also in". Two passages that follow
each other in one article (a long paragraph cut in two, say) are shown as one, in the place
of the better.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace

from index.records import Hit
from index.text.words import WORD

SHINGLE = 5  # words per shingle
SHINGLED = 512  # passages whose shingles are remembered (about 12 KB each)


def merge_near_duplicates(hits: Sequence[Hit], alike: float) -> list[Hit]:
    """Drop later copies of a text, recording their articles on the first copy.

    Only kept hits that hold one of a few of this hit's shingles are compared with it, and
    that loses no pair: if two sets are ``alike`` (Jaccard) or more, at most 1 - ``alike`` of
    one set's shingles are missing from the other, so any more than that include a shared one.
    """
    kept: list[Hit] = []
    kept_shingles: list[frozenset[int]] = []
    # shingle -> the kept hits that have it, as a bit set (plain ints keep the garbage
    # collector out of it: a list per shingle made it the slowest step)
    holders: dict[int, int] = {}
    for hit in hits:
        mine = _shingles(hit.text)
        probes = itertools.islice(mine, int((1 - alike) * len(mine)) + 1)
        candidates = 0
        for shingle in probes:
            candidates |= holders.get(shingle, 0)
        twin = next(
            (
                k
                for k in range(candidates.bit_length())
                if candidates >> k & 1 and _jaccard(mine, kept_shingles[k]) >= alike
            ),
            None,
        )
        if twin is None:
            bit = 1 << len(kept)
            for shingle in mine:
                holders[shingle] = holders.get(shingle, 0) | bit
            kept.append(hit)
            kept_shingles.append(mine)
        elif hit.article.id != kept[twin].article.id and hit.article not in kept[twin].also_in:
            kept[twin] = replace(kept[twin], also_in=(*kept[twin].also_in, hit.article))
    return kept


def join_neighbours(hits: Sequence[Hit], seq: Mapping[int, int], most: int) -> list[Hit]:
    """Join hits of one article whose passages follow each other (``seq``: each passage's
    place in its article), up to ``most`` passages a hit. A joined hit takes the place,
    score and signals of its best-ranked passage; its text runs in article order, so a
    paragraph cut in two reads whole again. A passage that fills the gap between two hits
    joins all three."""
    kept: list[Hit] = []
    runs: list[tuple[int, int]] = []  # the first and last place in its article of each kept hit
    for hit in hits:
        kept.append(hit)
        runs.append((seq[hit.passage_id], seq[hit.passage_id]))
        at = len(kept) - 1
        while True:
            n = next(
                (n for n in range(len(kept)) if n != at and _touch(kept, runs, n, at, most)), None
            )
            if n is None:
                break
            better, worse = min(n, at), max(n, at)
            (first, last), (other_first, other_last) = runs[better], runs[worse]
            if last < other_first:
                kept[better] = _join(kept[better], kept[worse], ranked=kept[better])
            else:
                kept[better] = _join(kept[worse], kept[better], ranked=kept[better])
            runs[better] = (min(first, other_first), max(last, other_last))
            del kept[worse], runs[worse]
            at = better
    return kept


def _touch(kept: list[Hit], runs: list[tuple[int, int]], a: int, b: int, most: int) -> bool:
    """Whether kept hits ``a`` and ``b`` are of one article, side by side in it, and few
    enough passages together to join."""
    if kept[a].article.id != kept[b].article.id:
        return False
    if len(kept[a].pieces) + len(kept[b].pieces) > most:
        return False
    return runs[b][0] == runs[a][1] + 1 or runs[a][0] == runs[b][1] + 1


def _join(before: Hit, after: Hit, ranked: Hit) -> Hit:
    """``before`` and ``after`` (which follows it in the article) as one hit, ranked as
    ``ranked``. A paragraph cut between them joins with a space."""
    same_paragraph = before.paragraphs[1] == after.paragraphs[0]
    gap = " " if same_paragraph else "\n\n"
    start = len(before.text) + len(gap)
    pieces = (*before.pieces, *((pid, start + at) for pid, at in after.pieces))
    return replace(
        ranked,
        text=before.text + gap + after.text,
        paragraphs=(before.paragraphs[0], after.paragraphs[1]),
        context=before.context,
        parts=pieces,
    )


@functools.lru_cache(maxsize=SHINGLED)
def _shingles(text: str) -> frozenset[int]:
    """The text's runs of SHINGLE words, hashed (within one process, equal runs hash equal);
    remembered, as the same passages come back search after search."""
    words = WORD.findall(text.casefold())
    if len(words) < SHINGLE:
        return frozenset({hash(tuple(words))})
    return frozenset(map(hash, zip(*(words[i:] for i in range(SHINGLE)), strict=False)))


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if a or b else 0.0
