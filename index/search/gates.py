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
from index.search.shelf import Shelf
from index.text.counted import counted, names


@dataclass(frozen=True)
class Found:
    """An answer's passages so far, with their sentences' scores (computed once, read by
    the gates and then by the presentation)."""

    hits: tuple[Hit, ...]
    sentences: SentenceScores


@dataclass(frozen=True)
class Refusal:
    """Why an answer was refused: ``reason`` is a short code. The names a question asked
    about that no article mentions are the answer's own (`Pipeline.unmentioned`).

    ``related``: where the articles cover the subject but not what was asked, the passages
    that came closest, offered as related reading and never as the answer.
    """

    reason: str
    related: tuple[Hit, ...] = ()


BELOW_THRESHOLD = "below-threshold"  # no passage clears the relevance threshold
UNMENTIONED = "unmentioned"  # it asks about a name no article mentions
UNCOUNTED = "uncounted"  # it asks how many of a thing its passages do not name
NOTHING_PUBLISHED = "nothing-published"  # no article was published in the time asked for


RELATED = 3  # passages offered as related reading beside a refusal, at most
COUNTED_AMONG = 3  # the first passages a question's thing counted is looked for in


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
        # Its passages cleared the threshold: they cover the rest of what was asked.
        return Refusal(UNMENTIONED, found.hits[:RELATED]) if names else found


class CountedGate:
    """A question that asks how many of a thing ("how many officers…", "сколько
    пассажиров…", "neçə turist…", "多少个奖学金名额") is refused where none of its first
    passages in its own language names that thing (`counted`): they report the event, not
    the count. They are offered as related reading. Judged only where one of the first
    passages is in the question's language: another language names the thing in words this
    does not read."""

    name = "counted"

    def __init__(self, shelf: Shelf) -> None:
        self._shelf = shelf

    def keep(self, query: Query, found: Found) -> Found | Refusal:
        thing = counted(query.asked, query.language)
        if thing is None:
            return found
        first = found.hits[:COUNTED_AMONG]
        languages = self._shelf.languages([hit.pieces[0][0] for hit in first])
        own = [hit for hit in first if languages.get(hit.pieces[0][0]) == query.language]
        if not own or any(names(hit.text, thing) for hit in own):
            return found
        return Refusal(UNCOUNTED, found.hits[:RELATED])
