"""Cutting articles into passages of whole sentences, about ``min_words``-``max_words`` long.

Short paragraphs are merged with their neighbours, long ones are split between sentences,
and no sentence is ever cut. In interviews a question stays with its answer: the first part
of the answer is shown with the question, later parts carry it as context.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from index.records import Article, Passage
from index.text.words import SUBJECTLESS, UNSPACED, WORD
from index.tuning import Chunking

# An interview's question ("Q.:", "Question:") and its answer's marker ("A.:").
QUESTION_PROMPT = re.compile(r"^[*_]*(?:Q\.?|[Qq]uestion|Вопрос|Sual|问)\s*[:：]")
ANSWER_PROMPT = re.compile(r"^[*_]*(?:A\.?|[Aa]nswer|Ответ|Cavab|答)\s*[:：]+[*_]*\s*")
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’»)\]]*)\s+|([。！？]+[”」』）]*)\s*")
_LAST_TOKEN = re.compile(r"(\S+)$")
_UNSPACED = re.compile(f"[{UNSPACED}]")
_ABBREVIATIONS = frozenset(
    " ".join(
        (
            "mr mrs ms dr prof st mt no nos vs etc e.g i.e u.s u.k u.n inc ltd co corp gen sen",
            "rep gov jan feb mar apr jun jul aug sep sept oct nov dec fig al approx dept est jr",
            "sr pp vol г гг т.е т.д им ул",
        )
    ).split()
)


def count_words(text: str) -> int:
    """Whitespace-separated words, counting each CJK character as one (they use no spaces)."""
    return len(_UNSPACED.sub(" ", text).split()) + len(_UNSPACED.findall(text))


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations and initials intact."""
    return [paragraph[start:end] for start, end in sentence_spans(paragraph)]


def sentence_spans(paragraph: str) -> list[tuple[int, int]]:
    """Where each sentence of a paragraph starts and ends, without surrounding spaces."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        if match.group(1) is not None and not _ends_sentence(paragraph, start, match):
            continue
        end = match.end(2) if match.group(1) is not None else match.end(3)
        _add_span(spans, paragraph, start, end)
        start = match.end()
    _add_span(spans, paragraph, start, len(paragraph))
    return spans


def _add_span(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _ends_sentence(paragraph: str, start: int, match: re.Match[str]) -> bool:
    following = paragraph[match.end() : match.end() + 1]
    if following and following.islower():
        return False
    if match.group(1) != ".":
        return True
    token = _LAST_TOKEN.search(paragraph[start : match.start()])
    if token is None:
        return True
    word = token.group(1).lstrip("\"'“‘(«[").lower()
    is_initial = len(word) == 1 and word.isalpha()
    return not (is_initial or word in _ABBREVIATIONS)


@dataclass(frozen=True)
class _Piece:
    """Whole sentences from paragraphs ``first``..``last``, not yet a passage."""

    first: int
    last: int
    text: str
    words: int

    def join(self, other: _Piece) -> _Piece:
        glue = " " if self.last == other.first else "\n\n"
        return _Piece(
            self.first, other.last, self.text + glue + other.text, self.words + other.words
        )


def chunk(article: Article, settings: Chunking) -> list[Passage]:
    """Cut an article into passages, in reading order.

    Args:
        article: the article; its paragraphs are numbered from 1.
        settings: the target passage length in words.

    Returns:
        The passages, each knowing its first and last paragraph number.
    """
    passages: list[Passage] = []
    weight = _word_weights(article.paragraphs)
    for question, body in _blocks(article.paragraphs):
        if question is None:
            pieces = _pack(
                body, article.paragraphs, settings.min_words, settings.max_words, weight
            )
            passages.extend(_passage(article.id, len(passages), piece) for piece in pieces)
            continue
        asked = _piece(question, article.paragraphs[question - 1])
        budget = max(settings.max_words - asked.words, settings.min_words)
        pieces = _pack(body, article.paragraphs, settings.min_words, budget, weight)
        if not pieces:
            passages.append(_passage(article.id, len(passages), asked))
            continue
        passages.append(_passage(article.id, len(passages), asked.join(pieces[0])))
        passages.extend(
            _passage(article.id, len(passages) + i, piece, context=asked.text)
            for i, piece in enumerate(pieces[1:])
        )
    return passages


def embedding_text(article: Article, passage: Passage) -> str:
    """What the model embeds for a passage: the title and any context give it its subject."""
    parts = [article.title, passage.context, passage.text]
    return "\n".join(part for part in parts if part)


def _passage(article_id: str, seq: int, piece: _Piece, context: str | None = None) -> Passage:
    return Passage(article_id, seq, piece.first, piece.last, piece.text, context)


def _blocks(paragraphs: tuple[str, ...]) -> list[tuple[int | None, list[int]]]:
    """Group paragraph numbers into plain runs and interview (question, answer) blocks."""
    blocks: list[tuple[int | None, list[int]]] = [(None, [])]
    for number, paragraph in enumerate(paragraphs, 1):
        if QUESTION_PROMPT.match(paragraph):
            blocks.append((number, []))
        else:
            blocks[-1][1].append(number)
    return [block for block in blocks if block[0] is not None or block[1]]


def _pack(
    numbers: list[int],
    paragraphs: tuple[str, ...],
    low: int,
    high: int,
    weight: dict[str, float],
) -> list[_Piece]:
    """Merge short paragraphs and split long ones so pieces land between ``low`` and ``high``.

    The shortest piece under ``low`` is merged first, with whichever neighbour it shares more
    of its subject with (lexical cohesion, as in TextTiling): the closing line of a quote
    stays with the quote, a one-line aside with what it introduces. Ties go to the shorter
    neighbour, then to the next one, so the result is deterministic.
    """
    pieces = [
        piece for number in numbers for piece in _split(number, paragraphs[number - 1], high)
    ]
    words = [_content_words(piece.text) for piece in pieces]
    while True:
        choice: tuple[tuple[int, int, float, int], int, int] | None = None
        for i, piece in enumerate(pieces):
            if piece.words >= low:
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(pieces) and piece.words + pieces[j].words <= high:
                    key = (
                        piece.words,
                        i,
                        -_cohesion(words[i], words[j], weight),
                        pieces[j].words,
                    )
                    if choice is None or key < choice[0]:
                        choice = (key, min(i, j), max(i, j))
        if choice is None:
            return pieces
        _, a, b = choice
        pieces[a : b + 1] = [pieces[a].join(pieces[b])]
        words[a : b + 1] = [words[a] | words[b]]


def _content_words(text: str) -> frozenset[str]:
    """The words that carry a paragraph's subject, crudely stemmed (first five letters)."""
    words = WORD.findall(text.lower())
    return frozenset(w[:5] for w in words if len(w) >= 3 and w not in SUBJECTLESS)


def _word_weights(paragraphs: tuple[str, ...]) -> dict[str, float]:
    """Each content word's weight in an article: rare words say more than its usual subject."""
    counts = Counter(word for paragraph in paragraphs for word in _content_words(paragraph))
    return {word: math.log(1 + len(paragraphs) / count) ** 2 for word, count in counts.items()}


def _cohesion(a: frozenset[str], b: frozenset[str], weight: dict[str, float]) -> float:
    """How much two pieces share their subject: 0 (nothing) to 1 (the same words)."""
    total = math.sqrt(sum(weight.get(w, 1.0) for w in a) * sum(weight.get(w, 1.0) for w in b))
    return sum(weight.get(w, 1.0) for w in a & b) / total if total else 0.0


def _split(number: int, paragraph: str, high: int) -> list[_Piece]:
    """One piece for a paragraph that fits; balanced runs of whole sentences for a long one."""
    words = count_words(paragraph)
    if words <= high:
        return [_piece(number, paragraph)]
    target = words / math.ceil(words / high)
    groups: list[tuple[int, int]] = []
    size = 0
    for start, end in sentence_spans(paragraph):
        length = count_words(paragraph[start:end])
        if groups and size + length <= high and size < target:
            groups[-1] = (groups[-1][0], end)
            size += length
        else:
            groups.append((start, end))
            size = length
    return [_piece(number, paragraph[start:end]) for start, end in groups]


def _piece(number: int, text: str) -> _Piece:
    return _Piece(number, number, text, count_words(text))
