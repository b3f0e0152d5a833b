"""The small frozen records that travel between the stages of the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from index.text.when import TimeFilter


@dataclass(frozen=True)
class Article:
    """One corpus article: metadata and its body paragraphs, numbered from 1."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str | None = None
    published: str | None = None
    url: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    path: str = ""


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences from one article, as written, with its paragraph numbers.

    ``context`` is text that helps understand the passage but is not part of it: the
    interview question a later part of a long answer belongs to.
    """

    article_id: str
    seq: int
    first_paragraph: int
    last_paragraph: int
    text: str
    context: str | None = None


@dataclass(frozen=True)
class ArticleRef:
    """What a citation names of an article."""

    id: str
    title: str
    source: str | None
    published: str | None
    url: str | None


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its score and where it comes from."""

    rank: int
    score: float
    text: str
    article: ArticleRef
    paragraphs: tuple[int, int]
    passage_id: int
    context: str | None = None
    also_in: tuple[ArticleRef, ...] = ()  # articles that carry the same text
    signals: tuple[tuple[str, float], ...] = ()  # what ranked it: each retriever's score
    # Where neighbouring passages of one article were joined into this hit: each passage's
    # id and where its text starts in ``text``, in article order (empty: one passage).
    parts: tuple[tuple[int, int], ...] = ()

    @property
    def pieces(self) -> tuple[tuple[int, int], ...]:
        """(passage id, offset in ``text``) of each passage the hit holds, in article order."""
        return self.parts or ((self.passage_id, 0),)

    @property
    def citation(self) -> str:
        """A one-line citation: title, outlet, date, paragraphs, link."""
        parts = [self.article.title]
        if self.article.source:
            parts.append(self.article.source)
        parts.append(self.article.published or UNDATED)
        parts.append(paragraph_label(self.paragraphs))
        if self.article.url:
            parts.append(self.article.url)
        return ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of one result."""
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "text": self.text,
            "article": {
                "id": self.article.id,
                "title": self.article.title,
                "source": self.article.source,
                "published": self.article.published,
                "url": self.article.url,
            },
            "paragraphs": list(self.paragraphs),
            "signals": {name: round(value, 4) for name, value in self.signals},
        }


@dataclass(frozen=True)
class Line:
    """The one sentence that best answers a question, quoted verbatim from one of its hits."""

    text: str
    score: float  # its cosine to the question, held to its own threshold
    hit: Hit  # the passage it is quoted from, with its citation
    paragraph: int  # the paragraph of the article that holds the sentence

    @property
    def citation(self) -> str:
        """Title, outlet, date, the sentence's paragraph, link."""
        parts = [self.hit.article.title, self.hit.article.source or "", self.hit.article.published
                 or UNDATED, paragraph_label((self.paragraph, self.paragraph)),
                 self.hit.article.url or ""]  # fmt: skip
        return ", ".join(p for p in parts if p)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": round(self.score, 4),
            "rank": self.hit.rank,
            "paragraph": self.paragraph,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class Answer:
    """The hits for one question; no hits means the corpus has nothing on it."""

    question: str
    hits: tuple[Hit, ...] = field(default=())
    when: TimeFilter | None = None  # the time the question names, as read
    held: bool = False  # ``when`` held the search to articles published then (else: favoured)
    line: Line | None = None  # the sentence to show above the passages, if one is sure enough
    glossary: tuple[str, ...] = ()  # English words keyword search also looked for (glossary)
    unmentioned: tuple[str, ...] = ()  # names asked about that no article mentions (no hits)
    # For each hit (or related passage), the span of its sentence to show in bold (None: it
    # has no sentences).
    highlights: tuple[tuple[int, int] | None, ...] = ()
    refusal: str | None = None  # why there are no hits (`index.search.gates`)
    # Refused although the articles cover the subject: the passages that came closest, to
    # offer as related reading, never as the answer.
    related: tuple[Hit, ...] = ()

    @property
    def answered(self) -> bool:
        return bool(self.hits)

    @property
    def shown(self) -> tuple[Hit, ...]:
        """The passages to show: the answer's, or else those offered as related reading."""
        return self.hits or self.related

    def _shown_json(self) -> list[dict[str, Any]]:
        spans = self.highlights or (None,) * len(self.shown)
        return [
            {**hit.to_json(), "highlight": list(span) if span else None}
            for hit, span in zip(self.shown, spans, strict=True)
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "filters": {
                **(self.when.to_json() if self.when else {"since": None, "until": None}),
                "recent": bool(self.when and self.when.recent),
                "held": self.held,
            },
            "answer": self.line.to_json() if self.line else None,
            "glossary": list(self.glossary),
            "unmentioned": list(self.unmentioned),
            "refusal": self.refusal,
            "results": self._shown_json() if self.hits else [],
            "related": [] if self.hits else self._shown_json(),
        }


UNDATED = "undated"  # what a citation says of an article whose date is unknown


def paragraph_label(paragraphs: tuple[int, int]) -> str:
    """``¶3`` for one paragraph, ``¶3–5`` for a range."""
    first, last = paragraphs
    return f"¶{first}" if first == last else f"¶{first}–{last}"
