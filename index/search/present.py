"""What a reader is shown of the hits: each card's bold sentence and the one-line answer,
both chosen from one set of sentence scores (`SentenceScores`), which a gate may read too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from index.models.embedder import Embedder
from index.records import Hit, Line
from index.search.query import Query
from index.search.retrievers import Retrievers
from index.search.shelf import Sentences, Shelf
from index.text import answers
from index.text.chunker import ANSWER_PROMPT
from index.text.sentences import passage_sentences
from index.tuning import Tuning


class SentenceScores:
    """For one question: each hit's sentence spans and their cosines to it, by the model
    the question is routed to first, computed once per hit (stored vectors; embedded now
    only for a passage whose sentences have none, from an index built before they were
    kept). The multilingual model's are read on English passages' scale, as its passages'
    are (`Retrievers.rescaled`): a Chinese question comes near every Chinese sentence.

    An English question's passages in other languages are read by the multilingual model,
    where the route has it: MiniLM reads English only, and the build embeds no other
    language's sentences with it."""

    def __init__(self, query: Query, shelf: Shelf, retrievers: Retrievers) -> None:
        self._shelf = shelf
        self._retrievers = retrievers
        self.model: Embedder = query.route.first
        # e5 scores sentences against the question alone: a sentence shown alone is held to
        # its own threshold, calibrated so, and with the glossary's English beside the
        # question it quoted twice the lines on our held-out questions, 0.68 of them right
        # against 0.82. MiniLM reads only English: the question with it. Embedded on first
        # use: an answer refused before its sentences are read needs no vector for them.
        self._text = query.as_read if query.route.main_first else query.written
        # the other languages' reader, on the same text (embedded already: it ranked them)
        models = query.route.models
        self._foreign = models[1] if query.route.main_first and len(models) > 1 else None
        self._known: dict[tuple[int, tuple[tuple[int, int], ...]], tuple[list[Any], Any]] = {}

    def of(self, hits: Sequence[Hit]) -> list[tuple[list[tuple[int, int]], Any]]:
        """Each hit's sentence spans and their cosines (None where it has no sentences)."""
        unknown = [hit for hit in hits if _key(hit) not in self._known]
        if unknown:
            for model, read in self._readers(unknown):
                vector = self._retrievers.vector(model, self._text)
                ids = [pid for hit in read for pid, _ in hit.pieces]
                stored = self._shelf.sentence_vectors(model.model_id, ids, model.dimension)
                for hit in read:
                    spans, matrix = _stored(hit, stored) or _embedded(model, hit.text)
                    cosines = (
                        self._retrievers.rescaled(model, vector, matrix @ vector, hit.passage_id)
                        if spans
                        else None
                    )
                    self._known[_key(hit)] = (spans, cosines)
        return [self._known[_key(hit)] for hit in hits]

    def read_by_first(self, hit: Hit) -> bool:
        """Whether ``hit``'s sentences are scored by the question's first model (and so on
        its thresholds' scale)."""
        return self._foreign is None or not self._shelf.foreign([pid for pid, _ in hit.pieces])

    def _readers(self, hits: list[Hit]) -> list[tuple[Embedder, list[Hit]]]:
        """Which model reads which hits."""
        if self._foreign is None:
            return [(self.model, hits)]
        english = [hit for hit in hits if self.read_by_first(hit)]
        foreign = [hit for hit in hits if not self.read_by_first(hit)]
        return [
            (model, read)
            for model, read in ((self.model, english), (self._foreign, foreign))
            if read
        ]

    def best(self, hits: Sequence[Hit]) -> float | None:
        """The best cosine of any sentence of ``hits``; None where they have none."""
        return max((float(c.max()) for spans, c in self.of(hits) if spans), default=None)


@dataclass(frozen=True)
class Choice:
    """A hit's chosen sentence."""

    span: tuple[int, int]
    cosine: float
    closeness: float  # `_closeness`: what it was chosen by
    answers: bool  # it can answer (`answers.can_answer`); else only the closest of all


class Presenter:
    """Chooses the sentences to show. How much the question's words, weighed by rarity,
    count beside the cosine (``shared_words``) was chosen on bench/calibration.jsonl, where
    0.05 to 0.3 did alike."""

    def __init__(self, shelf: Shelf, tuning: Tuning) -> None:
        self._shelf = shelf
        self._min_line = tuning.min_line_score
        self._min_line_multilingual = tuning.min_line_score_multilingual
        self._shared_words = tuning.shared_words
        # The one-line answer is quoted from the first passage: on our calibration questions
        # a sentence of the second or third was more often a near miss (bench/fusion.py).
        self._line_from = tuning.line_from

    def chosen(
        self, query: Query, hits: Sequence[Hit], scores: SentenceScores
    ) -> list[Choice | None]:
        """For each hit, its sentence closest to the question (`_closeness`) among those
        that can answer it (no question in the text, and a figure or a time where one is
        asked for: `answers.can_answer`), else the closest of all; None for a hit without
        sentences."""
        kind = answers.wanted(query.written)
        rarities = {w: self._shelf.rarity(f) for w, f in answers.words(query.as_read).items()}
        chosen: list[Choice | None] = []
        for hit, (spans, cosines) in zip(hits, scores.of(hits), strict=True):
            if not spans:
                chosen.append(None)
                continue
            sentences = [hit.text[start:end].strip() for start, end in spans]
            cosine = cosines.tolist()
            closeness = _closeness(cosine, sentences, rarities, self._shared_words)
            order = sorted(range(len(spans)), key=lambda i: -closeness[i])
            answering = [i for i in order if answers.can_answer(sentences[i], kind)]
            i = (answering or order)[0]
            chosen.append(Choice(spans[i], float(cosine[i]), closeness[i], bool(answering)))
        return chosen

    def highlights(
        self, query: Query, hits: Sequence[Hit], scores: SentenceScores
    ) -> list[tuple[int, int] | None]:
        """For each hit, the span of the sentence to bold (`chosen`)."""
        return [None if c is None else c.span for c in self.chosen(query, hits, scores)]

    def line(self, query: Query, hits: Sequence[Hit], scores: SentenceScores) -> Line | None:
        """The sentence of the first hit closest to the question, to quote above the cards,
        where it can answer (`chosen`) and its cosine clears the line's own threshold
        (higher than the passages': a sentence shown alone must answer, not just be on the
        subject)."""
        # read on the first model's scale, which the line's threshold is of
        top = [hit for hit in hits[: self._line_from] if scores.read_by_first(hit)]
        answering = [
            (hit, choice)
            for hit, choice in zip(top, self.chosen(query, top, scores), strict=True)
            if choice is not None and choice.answers
        ]
        if not answering:
            return None
        # The closest; of equals, the first hit's (max keeps the first).
        hit, choice = max(answering, key=lambda pair: pair[1].closeness)
        start, end = choice.span
        sentence = ANSWER_PROMPT.sub("", hit.text[start:end].strip(), count=1)  # "A.: In…"
        paragraph = hit.paragraphs[0] + hit.text[:start].count("\n\n")
        least = self._min_line if query.route.main_first else self._min_line_multilingual
        return Line(sentence, choice.cosine, hit, paragraph) if choice.cosine >= least else None


def _closeness(
    cosines: Sequence[float], sentences: Sequence[str], rarities: dict[str, float], weight: float
) -> list[float]:
    """How close each sentence comes to answering: its cosine, and ``weight`` times the
    share of the question's words it holds, weighed by rarity (`answers.shared`)."""
    return [
        cosine + weight * answers.shared(rarities, sentence)
        for cosine, sentence in zip(cosines, sentences, strict=True)
    ]


def _key(hit: Hit) -> tuple[int, tuple[tuple[int, int], ...]]:
    return hit.passage_id, hit.pieces


def _stored(hit: Hit, stored: dict[int, Sentences]) -> Sentences | None:
    """A hit's sentence spans and vectors from those stored for its passages (the spans
    moved to where each passage starts in a joined hit); None where one has none stored."""
    if any(pid not in stored for pid, _ in hit.pieces):
        return None
    if not hit.parts:
        return stored[hit.passage_id]
    spans = [(a + at, b + at) for pid, at in hit.pieces for a, b in stored[pid][0]]
    matrices = [stored[pid][1] for pid, _ in hit.pieces if stored[pid][0]]
    return (spans, np.vstack(matrices)) if matrices else ([], None)


def _embedded(model: Embedder, text: str) -> Sentences:
    """The spans of a passage's sentences and their vectors, embedded now."""
    spans = passage_sentences(text)
    if not spans:
        return [], None
    return spans, model.embed_passages([text[a:b] for a, b in spans])
