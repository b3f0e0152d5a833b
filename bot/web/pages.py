"""What the web pages show, made from the engine's records: plain values for the templates,
which escape every one of them (the framing's own HTML alone comes marked safe).

The cards are Telegram's (`bot.render`): the same excerpt around the same sentence in bold,
the same citation, the same one-line answer and the same words where nothing answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from markupsafe import Markup

from bot import render, texts
from index import UNDATED, Answer, Article, Hit, Line, best_sentence, detect, paragraph_label

URL_LIMIT = render.URL_LIMIT
_PARAGRAPHS = re.compile(r"(\d{1,6})(?:-(\d{1,6}))?", re.ASCII)


@dataclass(frozen=True)
class Citation:
    """Where a quote comes from: title — outlet, date, ¶N, the original's link, and the link
    that reads it in its article here."""

    title: str
    source: str | None
    published: str
    paragraphs: str
    url: str | None
    read: str
    also_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    number: int
    context: str | None
    before: str  # the excerpt up to the sentence in bold
    bold: str
    after: str
    cut_before: bool
    cut_after: bool
    citation: Citation
    lang: str


@dataclass(frozen=True)
class AnswerLine:
    text: str
    citation: Citation
    lang: str


@dataclass(frozen=True)
class AnswerPage:
    question: str
    lang: str  # the question's language: the framing's
    time_read: str | None  # how the question's time was read
    line: AnswerLine | None
    cards: tuple[Card, ...]
    nothing: Markup | None  # where no passage answers: why, as the bot says it (HTML)
    more: str | None  # the link to the next page of cards


@dataclass(frozen=True)
class Paragraph:
    number: int
    text: str
    marked: bool


@dataclass(frozen=True)
class ArticlePage:
    id: str
    title: str
    source: str | None
    published: str
    lang: str
    url: str | None
    paragraphs: tuple[Paragraph, ...]
    marked: tuple[int, int] | None


def read_link(root: str, article_id: str, paragraph: int) -> str:
    """The article page with ``paragraph`` (numbered from 1) marked and opened in view."""
    return f"{root}/article/{quote(article_id, safe='')}?p={paragraph}#p{paragraph}"


def paragraph_of(hit: Hit, span: tuple[int, int] | None) -> int:
    """The paragraph of the article that holds ``span`` of ``hit``'s text (its paragraphs
    joined by blank lines)."""
    first, last = hit.paragraphs
    if span is None:
        return first
    return min(last, first + hit.text.count("\n\n", 0, max(0, span[0])))


def search_link(root: str, question: str, n: int | None = None) -> str:
    query = {"q": question, **({"n": str(n)} if n else {})}
    return f"{root}/?{urlencode(query)}"


def answer_page(
    root: str, question: str, found: Answer, outlets: str, more: int | None
) -> AnswerPage:
    """The page of ``found``: the cards of its hits (or, where it was refused, of its
    related reading, under the words that say why). ``more``: how many cards the next page
    asks for, if there may be more."""
    language = detect(question)
    hits = found.hits or found.related
    spans = list(found.highlights) if found.hits else [None] * len(hits)
    cards = tuple(
        _card(root, question, number, hit, span)
        for number, (hit, span) in enumerate(zip(hits, spans, strict=True), 1)
    )
    return AnswerPage(
        question=question,
        lang=language,
        time_read=texts.time_read(language, found.when, found.held, True) if found.hits else None,
        line=_line(root, found.line) if found.line and found.hits else None,
        cards=cards,
        nothing=None if found.hits else Markup(texts.nothing_said(language, found, outlets)),
        more=search_link(root, question, more) if more and found.hits else None,
    )


def _card(root: str, question: str, number: int, hit: Hit, span: tuple[int, int] | None) -> Card:
    shown = render.excerpt(hit, question, span)
    text = shown.text
    bold = shown.span or best_sentence(question, text) or (0, 0)
    return Card(
        number=number,
        context=render.clip(hit.context, render.CONTEXT_LIMIT) if hit.context else None,
        before=text[: bold[0]],
        bold=text[bold[0] : bold[1]],
        after=text[bold[1] :],
        cut_before=shown.cut_before,
        cut_after=shown.cut_after,
        citation=_citation(root, hit, hit.paragraphs, paragraph_of(hit, span)),
        lang=detect(hit.text),
    )


def _line(root: str, line: Line) -> AnswerLine:
    return AnswerLine(
        text=render.clip(line.text, render.LINE_LIMIT),
        citation=_citation(root, line.hit, (line.paragraph, line.paragraph), line.paragraph),
        lang=detect(line.text),
    )


def _citation(root: str, hit: Hit, paragraphs: tuple[int, int], at: int) -> Citation:
    """``at``: the paragraph "Read" opens at and marks (the one holding the bold sentence)."""
    article = hit.article
    return Citation(
        title=render.clip(article.title, render.TITLE_LIMIT),
        source=_source(article.source),
        published=_date(article.published),
        paragraphs=paragraph_label(paragraphs),
        url=_url(article.url),
        read=read_link(root, article.id, at),
        also_in=tuple(
            render.clip(other.title, render.TITLE_LIMIT // 2)
            for other in hit.also_in[: render.ALSO_IN_LIMIT]
        ),
    )


def article_page(article: Article, marked: tuple[int, int] | None) -> ArticlePage:
    """The whole article, ``marked`` paragraphs (first and last, from 1) marked."""
    first, last = marked or (0, -1)
    return ArticlePage(
        id=article.id,
        title=render.clip(article.title, render.TITLE_LIMIT),
        source=_source(article.source),
        published=_date(article.published),
        lang=article.language or detect(" ".join(article.paragraphs[:3])),
        url=_url(article.url),
        paragraphs=tuple(
            Paragraph(n, text, first <= n <= last) for n, text in enumerate(article.paragraphs, 1)
        ),
        marked=marked,
    )


def paragraphs_asked(given: str, count: int) -> tuple[int, int] | None:
    """``p=N`` or ``p=N-M`` read as paragraphs of an article of ``count``; None where it
    names none that the article has."""
    found = _PARAGRAPHS.fullmatch(given)  # ASCII digits: "²" is a digit to Python, no number
    if found is None:
        return None
    a = int(found.group(1))
    b = int(found.group(2) or a)
    return (a, b) if 1 <= a <= b <= count else None


def _source(source: str | None) -> str | None:
    return render.clip(source, render.SOURCE_LIMIT) if source else None


def _date(published: str | None) -> str:
    """The date as a citation gives it: "undated" where there is none."""
    return render.clip(published, render.DATE_LIMIT) if published else UNDATED


def _url(url: str | None) -> str | None:
    """The original's link where it is one a reader can follow (http or https, not over
    `URL_LIMIT`): a corpus file's front matter may hold anything."""
    if url and len(url) <= URL_LIMIT and url.lower().startswith(("https://", "http://")):
        return url
    return None
