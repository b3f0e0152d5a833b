"""Which sentence of a passage answers the question best (the one a reader sees in bold)."""

from __future__ import annotations

import math

from index.text.chunker import sentence_spans
from index.text.words import QUESTION_WORDS, WORD


def best_sentence(question: str, text: str) -> tuple[int, int] | None:
    """The span of the sentence in ``text`` that shares the most question words.

    Rare words count more than common ones (a word's weight falls with how many sentences
    of the passage contain it). None when no sentence shares a content word.
    """
    wanted = _terms(question)
    spans = passage_sentences(text)
    if not wanted or not spans:
        return None
    sentences = [_terms(text[start:end]) for start, end in spans]
    frequency = {term: sum(term in s for s in sentences) for term in wanted}
    scores = [
        sum(math.log(1 + len(spans) / frequency[t]) for t in wanted if t in s) for s in sentences
    ]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    return spans[best] if scores[best] > 0 else None


def passage_sentences(text: str) -> list[tuple[int, int]]:
    """Where each sentence of a passage (paragraphs joined by blank lines) starts and ends."""
    return [span for paragraph in _paragraph_spans(text) for span in _offset(paragraph, text)]


def _terms(text: str) -> set[str]:
    return {w for w in WORD.findall(text.casefold()) if w not in QUESTION_WORDS and len(w) > 1}


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for part in text.split("\n\n"):
        spans.append((start, start + len(part)))
        start += len(part) + 2
    return spans


def _offset(paragraph: tuple[int, int], text: str) -> list[tuple[int, int]]:
    start, end = paragraph
    return [(start + a, start + b) for a, b in sentence_spans(text[start:end])]


def first_sentence(paragraphs: tuple[str, ...]) -> str:
    """The first sentence of an article's text (its first paragraph where none is found)."""
    first = paragraphs[0] if paragraphs else ""
    spans = passage_sentences(first)
    return first[spans[0][0] : spans[0][1]] if spans else first
