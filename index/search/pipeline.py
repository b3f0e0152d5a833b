"""The query path, composed in one place: a `Query` in, an `Answer` out.

    retrievers ─► fusion ─► rules ─► dates ─► threshold ─► hits ─► gates ─► presentation
    (dense, BM25)  (one)    (raise     (the    (one must    (merge,  (may     (bold sentence,
                            levels)   range)   clear)       join)    refuse)  one-line answer)

Every front end calls `Pipeline.answer` through `Engine.answer`: Telegram, the terminal
chat, ``citebot ask`` and ``citebot eval`` cite the same passages for the same question.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from index.models.rerank import DEPTH as RERANK_DEPTH
from index.models.rerank import CrossEncoderReranker
from index.records import Answer, Hit
from index.search.diversify import join_neighbours, merge_near_duplicates
from index.search.gates import BELOW_THRESHOLD, NOTHING_PUBLISHED, Found, Gate, Refusal
from index.search.library import Library
from index.search.mentions import Mentions
from index.search.present import Presenter, SentenceScores
from index.search.query import Query, Reader
from index.search.relevance import CLEARS, FOLLOWS, NOT_RELEVANT, Fusion, Rule, looked_up
from index.search.retrievers import Retrievers
from index.search.shelf import Shelf, as_hit
from index.tuning import Tuning

SPARE = 5  # candidates kept beyond twice those wanted, for what merging takes away


@dataclass(frozen=True)
class Stages:
    """The parts of the query path, each with one job."""

    tuning: Tuning
    reader: Reader
    shelf: Shelf
    retrievers: Retrievers
    fusion: Fusion
    rules: tuple[Rule, ...]
    gates: tuple[Gate, ...]
    presenter: Presenter
    mentions: Mentions | None  # None: the names gate is off
    library: Library
    reranker: CrossEncoderReranker | None = None


class Pipeline:
    def __init__(self, stages: Stages) -> None:
        self.stages = stages

    def answer(self, query: Query) -> Answer:
        """The answer to ``query``: its passages, the sentence to quote above them, each
        passage's sentence to bold; or none, with why.

        A question that names nothing but a time ("latest news", "What happened in
        2024?") gets the first passages of the newest articles of that time, without a
        one-line answer.
        """
        s = self.stages
        if query.asks_news:
            newest = s.library.newest(query.k, within=query.ranged)
            spans = s.presenter.highlights(query, newest, self.sentences(query))
            return Answer(
                query.asked,
                tuple(newest),
                query.when,
                held=query.held,
                highlights=tuple(spans),
                refusal=None if newest else NOTHING_PUBLISHED,
            )
        found = self.search(query)
        if isinstance(found, Refusal):
            related = found.related
            spans = s.presenter.highlights(query, related, self.sentences(query))
            return Answer(
                query.asked,
                when=query.when,
                held=query.held,
                glossary=query.english,
                unmentioned=self.unmentioned(query),
                highlights=tuple(spans),
                refusal=found.reason,
                related=related,
            )
        hits = found.hits
        return Answer(
            query.asked,
            hits,
            query.when,
            held=query.held,
            line=s.presenter.line(query, hits, found.sentences),
            glossary=query.english,
            highlights=tuple(s.presenter.highlights(query, hits, found.sentences)),
        )

    def search(self, query: Query) -> Found | Refusal:
        """The passages that answer ``query``, or why none does: one must clear the
        relevance threshold (the others may follow it), and no gate may refuse them."""
        hits = self.ranked(query, FOLLOWS)
        if not hits:
            return Refusal(BELOW_THRESHOLD)
        found = Found(tuple(hits), self.sentences(query))
        if any(looked_up(hit.signals) for hit in hits):
            return found
        for gate in self.stages.gates:
            kept = gate.keep(query, found)
            if isinstance(kept, Refusal):
                return kept
        return found

    def sentences(self, query: Query) -> SentenceScores:
        return SentenceScores(query, self.stages.shelf, self.stages.retrievers)

    def unmentioned(self, query: Query) -> tuple[str, ...]:
        """The names ``query`` asks about that no article mentions (`Mentions`)."""
        mentions = self.stages.mentions
        return () if mentions is None else mentions.unmentioned(query)

    def ranked(self, query: Query, least: int, join: bool = True) -> list[Hit]:
        """The top hits of relevance ``least`` or more (NOT_RELEVANT: all); above
        NOT_RELEVANT, none unless one of them CLEARS the threshold (in the date range)."""
        s, limit, ranged = self.stages, query.k, query.ranged
        s.retrievers.embed([query])
        # A date range leaves many candidates out, and a time favoured moves some up from
        # further down: look deeper.
        deeper = ranged is not None or query.favoured is not None
        candidates = s.fusion.rank(query, limit * s.tuning.range_depth if deeper else limit)
        for rule in s.rules:
            candidates = rule.apply(query, candidates)
        kept = [c for c in candidates if c.level >= least]
        rows = s.shelf.passages([c.passage_id for c in kept]) if ranged else None
        if ranged is not None and rows is not None:
            kept = [
                c
                for c in kept
                if c.passage_id in rows and ranged.allows(rows[c.passage_id].published)
            ]
        if least > NOT_RELEVANT and not any(c.level == CLEARS for c in kept):
            return []
        # Spare candidates for what merging takes away, and enough for a reranker to read.
        kept = kept[: max(limit * 2 + SPARE, RERANK_DEPTH if s.reranker else 0)]
        if rows is None:
            rows = s.shelf.passages([c.passage_id for c in kept])
        hits = [
            replace(as_hit(rows[c.passage_id], c.score), signals=c.signals)
            for c in kept
            if c.passage_id in rows
        ]
        if s.reranker is not None:
            hits = s.reranker.rerank(query.text, hits)
        seq = {pid: row.seq for pid, row in rows.items()} if join else None
        hits = self._arranged(query, hits, seq)
        return [replace(hit, rank=n) for n, hit in enumerate(hits[:limit], 1)]

    def _arranged(self, query: Query, hits: list[Hit], seq: dict[int, int] | None) -> list[Hit]:
        """``hits`` made worth reading: each text once, neighbours joined (where ``seq``
        gives the passages' order); with "recent", newest first."""
        tuning = self.stages.tuning
        if tuning.on("merge"):
            hits = merge_near_duplicates(hits, tuning.near_duplicate)
        if seq is not None and tuning.on("join"):
            hits = join_neighbours(hits, seq, tuning.joined)
        if query.when is not None and query.when.recent:  # newest first, undated last
            return sorted(hits, key=lambda hit: hit.article.published or "", reverse=True)
        return hits
