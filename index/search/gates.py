"""Gates: after retrieval, each may refuse an answer whose passages clear the threshold yet
do not answer. Each `keep(query, found)` gives back what it keeps or a `Refusal` saying why.

A lookup (`relevance.Lookup`) is answered by the words its passages hold: no gate reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from index.records import Hit
from index.search.mentions import Mentions
from index.search.present import SentenceScores
from index.search.query import Query
from index.search.relevance import GATE_DEPTH
from index.search.shelf import Shelf


@dataclass(frozen=True)
class Found:
    """An answer's passages so far, with their sentences' scores (computed once, read by
    the gates and then by the presentation)."""

    hits: tuple[Hit, ...]
    sentences: SentenceScores


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused: ``reason`` is a short code, ``names`` what a question
    asked about that no article mentions."""

    reason: str
    names: tuple[str, ...] = ()


BELOW_THRESHOLD = "below-threshold"  # no passage clears the relevance threshold
UNMENTIONED = "unmentioned"  # it asks about a name no article mentions
NO_SENTENCE = "no-sentence"  # no sentence of the first passages comes near the question


class Gate(Protocol):
    name: str

    def keep(self, query: Query, found: Found) -> Found | Refusal: ...


class NamesGate:
    """An English question that asks about a name no article mentions is refused
    (`Mentions`), judged only where every hit is in English, which writes names as the
    question does: a Chinese article may name "Bilasuvar" in its own script."""

    name = "names"

    def __init__(self, mentions: Mentions, shelf: Shelf) -> None:
        self._mentions = mentions
        self._shelf = shelf

    def keep(self, query: Query, found: Found) -> Found | Refusal:
        ids = [pid for hit in found.hits for pid, _ in hit.pieces]
        if self._shelf.foreign(ids):
            return found
        names = self._mentions.unmentioned(query)
        return Refusal(UNMENTIONED, names) if names else found


class SentenceGate:
    """An English question none of whose first passages' sentences comes within the
    sentence threshold of it is refused: passages can clear the passage threshold by being
    about China while none says anything near what is asked ("What is the population of
    Shanghai?" scores 0.41 here). Other languages are held to e5's passage cosine alone: its
    sentence cosines measured no better apart."""

    name = "sentence"

    def __init__(self, least: float) -> None:
        self.least = least

    def keep(self, query: Query, found: Found) -> Found | Refusal:
        best = self.best(query, found)
        return Refusal(NO_SENTENCE) if best is not None and best < self.least else found

    def best(self, query: Query, found: Found) -> float | None:
        """The best cosine of a sentence of the first `GATE_DEPTH` hits to an English
        question; None (no gate) for other languages or no hits."""
        if not found.hits or not query.route.main_first:
            return None
        return found.sentences.best(found.hits[:GATE_DEPTH])
