"""From the retrievers' scores to one ranking of candidates, each with its relevance: a
fusion strategy (chosen once, by `fusion_for`) and the rules that let a passage clear the
threshold by other evidence than its cosine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from index.search.fusion import fuse_scores, fusion_weights, reciprocal_rank_fusion
from index.search.query import Query
from index.search.retrievers import Retrievers
from index.search.shelf import Shelf
from index.storage.keywords import lookup_words
from index.text.analysis import analysed
from index.text.glossary import Glossary
from index.text.language import detect, plain
from index.text.when import mentioning
from index.tuning import Tuning

# A passage's relevance: it clears the threshold, or it may only follow one that does (an
# English passage e5 finds off the subject), or neither.
NOT_RELEVANT, FOLLOWS, CLEARS = 0, 1, 2

Signals = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Scored:
    """A candidate passage: the cosine its threshold reads, its relevance, and what ranked
    it (each retriever's score, for ``ask --json``)."""

    passage_id: int
    score: float
    level: int
    signals: Signals = ()


def level(score: float, threshold: float) -> int:
    """CLEARS when ``score`` reaches ``threshold``, else NOT_RELEVANT."""
    return CLEARS if score >= threshold else NOT_RELEVANT


class Fusion(Protocol):
    def rank(self, query: Query, limit: int) -> list[Scored]: ...


class WeightedFusion:
    """A weighted sum of the retrievers' scores (`fusion.Weights`), the default. The
    relevance threshold reads the cosine, kept beside the fused order: a passage that only
    shares words with the question must still be about it. A passage in another language,
    found for an English question, is judged by the multilingual model alone, as the others
    can't read it.

    An English passage that clears MiniLM's threshold must clear e5's too, where e5 ranks
    beside it (``e5-english``); else it may only follow one that does.
    """

    def __init__(self, retrievers: Retrievers, tuning: Tuning) -> None:
        self._retrievers = retrievers
        self._candidates = tuning.candidates
        self._weights = tuning.weights
        self._foreign_threshold = tuning.min_score_multilingual
        self._e5_threshold = tuning.min_score_e5_english if tuning.on("e5-english") else -1.0

    def rank(self, query: Query, limit: int) -> list[Scored]:
        weights = fusion_weights(self._weights, len(query.route.models), query.route.main_first)
        pool = max(limit * 4, self._candidates)
        found = []
        for candidate in fuse_scores(self._retrievers.candidates(query, pool), weights):
            second = candidate.second
            if second is not None and candidate.foreign:
                score, relevance = second, level(second, self._foreign_threshold)
            else:
                score = candidate.first
                relevance = level(score, query.route.threshold)
                if relevance == CLEARS and second is not None and second < self._e5_threshold:
                    relevance = FOLLOWS  # on the subject for MiniLM, not for e5
            signals = tuple(candidate.signals(weights).items())
            found.append(Scored(candidate.passage_id, score, relevance, signals))
        return found


class RankFusion:
    """Reciprocal rank fusion of the same retrievers (``fusion: rrf``). Where the
    main model and BM25 missed a passage in another language, they vote with its
    multilingual rank."""

    def __init__(self, retrievers: Retrievers, shelf: Shelf, tuning: Tuning) -> None:
        self._retrievers = retrievers
        self._shelf = shelf
        self._foreign_threshold = tuning.min_score_multilingual
        self._candidates = tuning.candidates

    def rank(self, query: Query, limit: int) -> list[Scored]:
        pool = max(limit * 4, self._candidates)
        rankings = [self._retrievers.dense(m, query, pool) for m in query.route.models]
        other = rankings[1] if len(rankings) > 1 else []
        rankings.append(self._retrievers.keywords(query, pool))
        ids: list[list[int | None]] = [[pid for pid, _ in ranking] for ranking in rankings]
        others = self._shelf.foreign([pid for pid, _ in other])
        foreign = {pid: score for pid, score in other if pid in others}
        if foreign:
            for blind in (ids[0], ids[-1]):  # the main model's and BM25's rankings
                missed = set(foreign) - set(blind)
                ids.append([pid if pid in missed else None for pid, _ in other])
        fusion = reciprocal_rank_fusion(ids)
        own = [pid for pid, _ in fusion if pid not in foreign]
        cosine = self._retrievers.cosines(query.route.first, query, rankings[0], own)
        found = []
        for pid, fused in fusion:
            if pid in foreign:
                score, relevance = foreign[pid], level(foreign[pid], self._foreign_threshold)
            else:
                score = cosine[pid]
                relevance = level(score, query.route.threshold)
            found.append(Scored(pid, score, relevance, (("first", score), ("fused", fused))))
        return found


class DenseOnly:
    """The first model's cosine alone (``retrieval: dense``): a baseline."""

    def __init__(self, retrievers: Retrievers) -> None:
        self._retrievers = retrievers

    def rank(self, query: Query, limit: int) -> list[Scored]:
        ranking = self._retrievers.dense(query.route.first, query, limit)
        return [Scored(pid, s, level(s, query.route.threshold)) for pid, s in ranking]


class Rule(Protocol):
    """Evidence besides the cosine that a candidate answers: it may raise its level."""

    def apply(self, query: Query, found: list[Scored]) -> list[Scored]: ...


class SentenceClears:
    """Each of the first ``depth`` candidates clears the threshold where one of its
    sentences comes within ``least`` (MiniLM's cosine) of an English question none of them
    clears,
    whatever the passage's cosine. A passage about much else holds the one sentence asked
    for: "How many government scholarships are offered each year?" comes 0.22 to the
    passage on cultural exchanges, 0.54 to its sentence on the 100 scholarships."""

    def __init__(self, retrievers: Retrievers, shelf: Shelf, least: float, depth: int) -> None:
        self._retrievers = retrievers
        self._shelf = shelf
        self._least = least
        self._depth = depth

    def apply(self, query: Query, found: list[Scored]) -> list[Scored]:
        if not query.route.main_first or any(c.level == CLEARS for c in found):
            return found
        model = query.route.models[0]
        ids = [c.passage_id for c in found[: self._depth]]
        # MiniLM reads English sentences alone (the build embeds no other language's with it)
        foreign = self._shelf.foreign(ids)
        first = [pid for pid in ids if pid not in foreign]
        stored = self._shelf.sentence_vectors(model.model_id, first, model.dimension)
        vector = self._retrievers.vector(model, query.as_read)
        cleared = {
            pid
            for pid, (spans, matrix) in stored.items()
            if spans and float((matrix @ vector).max()) >= self._least
        }
        return [replace(c, level=CLEARS) if c.passage_id in cleared else c for c in found]


class Lookup:
    """Where the question is a lookup of a few words ("BYD", "Zangezur corridor", "Шуша"),
    the candidates holding every one of them clear the threshold whatever their cosine
    (signal ``all_words``): a word or two embeds too thinly to reach it (MiniLM gives "BYD"
    0.07 against the passage on BYD's buses). Where none clears it by its cosine, only they
    are shown: the passages that follow one by their cosine are not about the words.

    Where no passage holds the words as typed, the glossary reads them
    (`Glossary.respelled`): "Шуша" looks up Shusha, "Aliev" Aliyev. A word it has no English
    for is held by no passage, so "погода в Москве" (the weather in Moscow) is no lookup. And
    the terms the glossary knows are looked up in every language's writing of them
    (`Glossary.writings`): "SCO" finds the passages on ШОС, ŞƏT and 上合组织 too."""

    def __init__(self, shelf: Shelf, glossary: Glossary) -> None:
        self._shelf = shelf
        self._glossary = glossary

    def apply(self, query: Query, found: list[Scored]) -> list[Scored]:
        if not query.lookup:
            return found
        among = [c.passage_id for c in found]
        holding = self._shelf.holding_all(query.lookup, among)
        if self._glossary.terms:
            if not holding:
                respelled = self._glossary.respelled(query.text)
                if respelled != query.text:  # it names what the glossary reads
                    holding = self._shelf.holding_all(lookup_words(respelled), among)
            holding |= self._written_otherwise(query, among)
        if not holding:
            return found
        others = NOT_RELEVANT if all(c.level < CLEARS for c in found) else None
        return [
            replace(c, level=CLEARS, signals=(*c.signals, ("all_words", 1.0)))
            if c.passage_id in holding
            else c
            if others is None
            else replace(c, level=others)
            for c in found
        ]

    def _written_otherwise(self, query: Query, among: list[int]) -> set[int]:
        """Where a lookup names nothing but the glossary's terms, those of ``among`` that
        hold each term in one of its writings (`Glossary.writings`), in any language."""
        named = self._glossary.writings(query.text)
        written = [plain(x).casefold() for writings in named.values() for x in writings]
        # Its words besides the terms' forms (an English one is read for their English
        # alone: the forms' patterns load the Chinese converter, which it never needs).
        english = query.language == "en"
        rest = lookup_words(plain(query.text if english else self._glossary.respelled(query.text)))
        if not named or any(all(word not in x for x in written) for word in rest):
            return set()  # a word besides the terms' ("Bakı metrosu": the Baku metro)
        found: set[int] | None = None
        for writings in named.values():
            holding: set[int] = set()
            for writing in writings:
                words = analysed(writing, detect(writing)).split()
                holding |= self._shelf.holding_all(words, among) if words else set()
            found = holding if found is None else found & holding
        return found or set()


class TimeFavour:
    """Where a question names a time it does not hold the search to (`Query.favoured`),
    the candidates that mention it (a year of it, in any language's form) and those of
    articles published then move up: their fused score gains ``mention`` and
    ``published``, times the weight of the models' cosines in it, so that the gain means
    the same whichever models ranked the question (signal ``time``). Nothing is removed:
    "trade in 2018" is answered from an article of 2021 that gives the figures of 2018."""

    def __init__(self, shelf: Shelf, tuning: Tuning) -> None:
        self._shelf = shelf
        self._mention = tuning.time_mention
        self._published = tuning.time_published
        self._weights = tuning.weights

    def apply(self, query: Query, found: list[Scored]) -> list[Scored]:
        when = query.favoured
        if when is None or not found:
            return found
        route = query.route
        weights = fusion_weights(self._weights, len(route.models), route.main_first)
        scale = weights.first + weights.second
        pattern = mentioning(query.years)
        rows = self._shelf.passages([c.passage_id for c in found])
        moved = []
        for at, c in enumerate(found):
            row = rows.get(c.passage_id)
            gain = 0.0
            if row is not None:
                gain += self._mention * bool(pattern and pattern.search(row.text))
                gain += self._published * when.allows(row.published)
            fused = dict(c.signals).get("fused", c.score)
            signals = (*c.signals, ("time", gain * scale)) if gain else c.signals
            moved.append((-(fused + gain * scale), at, replace(c, signals=signals)))
        return [c for *_, c in sorted(moved)]


class Outranked:
    """Where a candidate clears the threshold, those that fusion ranks above it may follow
    it, whatever their own cosine: the words they share with the question (a name found
    in another script, `index.text.pinyin`) put them first on all the evidence. Not where
    a lookup's words found passages (`Lookup`): they alone answer it."""

    def apply(self, query: Query, found: list[Scored]) -> list[Scored]:
        first = next((at for at, c in enumerate(found) if c.level == CLEARS), None)
        if not first or any(looked_up(c.signals) for c in found):
            return found
        return [
            replace(c, level=FOLLOWS) if at < first and c.level == NOT_RELEVANT else c
            for at, c in enumerate(found)
        ]


def looked_up(signals: Sequence[tuple[str, float]]) -> bool:
    """Whether a hit was found by the `Lookup` rule."""
    return bool(dict(signals).get("all_words"))
