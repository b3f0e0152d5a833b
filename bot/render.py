"""Turning answers into Telegram HTML: every piece of text escaped, every message in bounds.

A message's HTML never exceeds `LIMIT` UTF-16 code units (the unit Telegram counts), so it
stays under Telegram's 4096 characters however entities are counted, and a split never falls
inside a tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape, unescape

from bot import texts
from index import (
    UNDATED,
    Article,
    Hit,
    Line,
    Prepared,
    best_sentence,
    clean_text,
    first_sentence,
    paragraph_label,
    passage_sentences,
)

# Telegram's MessageLimit.MAX_TEXT_LENGTH, written out: the terminal renders with this module
# too, and need not import Telegram for it.
LIMIT = 4096
_TOKEN = re.compile(r"&(?:[a-z]+|#\d+);|[^&]|&")  # escaped text, one character or entity each
_TAG = re.compile(r"<[^>]*>")
INLINE_TITLE_LIMIT = 120
# What a message shows of an article's metadata at most: a corpus file, a web page or a feed
# can hold a title, an outlet or a link of any length, and one message must hold them all.
TITLE_LIMIT = 200
SOURCE_LIMIT = 80
DATE_LIMIT = 40
URL_LIMIT = 1000  # a longer link is left out rather than cut (a cut link leads nowhere)
ALSO_IN_LIMIT = 3
OUTLETS_LIMIT = 10
CONTEXT_LIMIT = 300
# Characters of a joined hit's text a card shows (a passage is at most about this long), so
# three cards still fit one message; the paragraphs around it are a tap away (Context).
CARD_TEXT_LIMIT = 1100
LINE_LIMIT = 600  # characters of a one-line answer's sentence
DESCRIPTION_LIMIT = 300
MIN_BUDGET = 64  # the least room a quote is ever given


def size(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip(text: str | None, limit: int) -> str:
    """``text`` on one line, cut to at most ``limit`` characters with an ellipsis; without
    controls (a U+202E kept in an older index's title would turn the citation around)."""
    flat = " ".join(clean_text(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: max(1, limit - 1)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + "…"


def _link(url: str | None) -> str | None:
    """The link as an href value, or None where there is none or it is too long to show."""
    return escape(url, quote=True) if url and len(url) <= URL_LIMIT else None


def _details(source: str | None, published: str | None) -> list[str]:
    """Outlet (where known) and date, or "undated": a reader always sees how old it is."""
    found = [escape(clip(source, SOURCE_LIMIT))] if source and source.strip() else []
    return [*found, escape(clip(published, DATE_LIMIT)) if published else UNDATED]


def citation(hit: Hit) -> str:
    """Title — outlet, date, ¶N, link; as HTML, within a few hundred characters whatever the
    metadata holds."""
    details = _details(hit.article.source, hit.article.published)
    details.append(paragraph_label(hit.paragraphs))
    line = f"<i>{escape(clip(hit.article.title, TITLE_LIMIT))}</i> — {', '.join(details)}"
    href = _link(hit.article.url)
    if href:
        line += f' · <a href="{href}">link</a>'
    if hit.also_in:
        others = "; ".join(
            f"<i>{escape(clip(a.title, TITLE_LIMIT // 2))}</i>"
            + (f" — {escape(clip(a.source, SOURCE_LIMIT))}" if a.source else "")
            for a in hit.also_in[:ALSO_IN_LIMIT]
        )
        more = len(hit.also_in) - ALSO_IN_LIMIT
        line += f"\nalso in: {others}" + (f" and {more} more" if more > 0 else "")
    return line


def answer_line(line: Line) -> str:
    """The one-line answer above the cards: the sentence quoted verbatim, then its source
    (outlet, date, ¶N and the link, or the title where there is no outlet); as HTML."""
    hit = line.hit
    source = hit.article.source if hit.article.source and hit.article.source.strip() else None
    details = _details(source or clip(hit.article.title, TITLE_LIMIT), hit.article.published)
    details.append(paragraph_label((line.paragraph, line.paragraph)))
    said = f"“<b>{escape(clip(line.text, LINE_LIMIT))}</b>” — {', '.join(details)}"
    href = _link(hit.article.url)
    return said + (f' · <a href="{href}">link</a>' if href else "")


def plain_citation(hit: Hit) -> str:
    """The citation as plain text (an inline result's description), at most a few lines."""
    parts = [clip(hit.article.title, TITLE_LIMIT)]
    if hit.article.source:
        parts.append(clip(hit.article.source, SOURCE_LIMIT))
    parts.append(clip(hit.article.published, DATE_LIMIT) if hit.article.published else UNDATED)
    parts.append(paragraph_label(hit.paragraphs))
    if hit.article.url:
        parts.append(clip(hit.article.url, 100))
    return clip(", ".join(parts), DESCRIPTION_LIMIT)


def source_line(article: Article) -> str:
    """One article in the list of sources: title — outlet, date · link; as HTML."""
    details = ", ".join(_details(article.source, article.published))
    line = f"• <i>{escape(clip(article.title, TITLE_LIMIT))}</i>" + (
        f" — {details}" if details else ""
    )
    href = _link(article.url)
    return line + (f' · <a href="{href}">link</a>' if href else "")


def outlets(articles: Iterable[Article]) -> str:
    """The outlets the corpus quotes, as plain text of bounded length."""
    names = sorted(
        {clip(a.source, SOURCE_LIMIT) for a in articles if a.source and a.source.strip()}
    )
    if not names:
        return "several outlets"
    shown = ", ".join(names[:OUTLETS_LIMIT])
    more = len(names) - OUTLETS_LIMIT
    return shown + (f" and {more} more" if more > 0 else "")


def passage_html(question: str, text: str, span: tuple[int, int] | None = None) -> str:
    """The passage escaped, with the sentence that best answers ``question`` in bold.

    ``span`` is that sentence where the engine found it; else the one sharing most words.
    """
    span = span or best_sentence(question, text)
    if span is None:
        return escape(text, quote=False)
    start, end = span
    return (
        escape(text[:start], quote=False)
        + "<b>"
        + escape(text[start:end], quote=False)
        + "</b>"
        + escape(text[end:], quote=False)
    )


@dataclass(frozen=True)
class Excerpt:
    """What a card shows of a hit: ``text`` (whole sentences around the one in bold, of a
    long joined hit), ``span`` that sentence within it, and whether text was cut before
    and after."""

    text: str
    span: tuple[int, int] | None
    cut_before: bool = False
    cut_after: bool = False


def excerpt(
    hit: Hit,
    question: str,
    span: tuple[int, int] | None = None,
    limit: int = CARD_TEXT_LIMIT,
    joined_only: bool = True,
) -> Excerpt:
    """Of passages joined into one hit, the whole sentences around the one in bold that fit
    ``limit``; a single passage whole (``joined_only``, as a card shows it) or cut alike."""
    text = hit.text
    if (joined_only and not hit.parts) or len(text) <= limit:
        return Excerpt(text, span)
    span = span or best_sentence(question, text)
    start, end = window(text, span, limit)
    inside = span is not None and start <= span[0] <= span[1] <= end
    shown = (span[0] - start, span[1] - start) if span is not None and inside else None
    return Excerpt(text[start:end], shown, start > 0, end < len(text))


def card(hit: Hit, question: str, number: int, span: tuple[int, int] | None = None) -> str:
    """One evidence card: number, optional context, the passage (`excerpt`), the citation."""
    context = (
        f"<i>{escape(clip(hit.context, CONTEXT_LIMIT), quote=False)}</i>\n" if hit.context else ""
    )
    shown = excerpt(hit, question, span)
    before, after = ("… " if shown.cut_before else ""), (" …" if shown.cut_after else "")
    body = passage_html(question, shown.text, shown.span)
    return f"<b>{number}.</b> {context}{before}{body}{after}\n{citation(hit)}"


def window(text: str, span: tuple[int, int] | None, limit: int) -> tuple[int, int]:
    """Where to cut ``text`` to whole sentences within ``limit`` characters around ``span``
    (the sentence in bold; without one, from the start): the next sentence after it and the
    next before it are added in turn while they fit. The bold sentence alone over the limit
    is kept whole."""
    sentences = passage_sentences(text) or [(0, len(text))]
    at = 0
    if span is not None:
        at = next((n for n, (a, b) in enumerate(sentences) if a <= span[0] < b), 0)
    first = last = at
    while True:
        grown = False
        for step in (1, -1):
            n = last + 1 if step == 1 else first - 1
            if 0 <= n < len(sentences):
                a = sentences[min(first, n)][0]
                b = sentences[max(last, n)][1]
                if b - a <= limit:
                    first, last, grown = min(first, n), max(last, n), True
        if not grown:
            return sentences[first][0], sentences[last][1]


def pack(blocks: Iterable[str], limit: int = LIMIT) -> list[str]:
    """Join HTML blocks into as few messages as fit.

    A block over the limit never fails the message: its text goes out plain, in parts.
    """
    messages: list[str] = []
    for block in blocks:
        parts = [block] if size(block) <= limit else plain_blocks(plain(block), limit)
        for part in parts:
            if messages and size(messages[-1]) + 2 + size(part) <= limit:
                messages[-1] += "\n\n" + part
            else:
                messages.append(part)
    return messages


def plain(html: str) -> str:
    """Telegram HTML as plain text."""
    return unescape(_TAG.sub("", html))


def plain_blocks(text: str, limit: int = LIMIT, prefix: str = "") -> list[str]:
    """Escape plain ``text`` into blocks within ``limit``, the first one led by ``prefix``.

    Blocks break at spaces where possible, else between characters, never inside ``&amp;``.
    Linear in the length of ``text``, whatever it holds.
    """
    limit = max(limit, MIN_BUDGET)
    if size(prefix) > limit // 2:
        prefix = ""
    blocks: list[str] = []
    tokens: list[str] = []
    head, used, space = prefix, size(prefix), -1
    for token in _TOKEN.findall(escape(text, quote=False)):
        width = size(token)
        if used + width > limit and tokens:
            cut = space if space > 0 else len(tokens)
            blocks.append((head + "".join(tokens[:cut])).rstrip())
            rest = cut
            while rest < len(tokens) and tokens[rest] == " ":
                rest += 1
            tokens = tokens[rest:]
            head, used = "", sum(size(t) for t in tokens)
            space = max((i for i, t in enumerate(tokens) if t == " "), default=-1)
        tokens.append(token)
        used += width
        if token == " ":
            space = len(tokens) - 1
    if tokens or not blocks:
        blocks.append(head + "".join(tokens))
    return [block for block in blocks if block.strip() and block != prefix]


def answer_messages(
    question: str,
    hits: Sequence[Hit],
    first_number: int = 1,
    spans: Sequence[tuple[int, int] | None] | None = None,
    lead: str | None = None,
) -> list[str]:
    """Evidence cards for ``hits``, packed into messages; ``spans`` are the sentences to bold,
    ``lead`` a line (HTML) above them, such as how the question's dates were read."""
    blocks: list[str] = [lead] if lead else []
    marks = list(spans) if spans is not None else [None] * len(hits)
    for number, (hit, span) in enumerate(zip(hits, marks, strict=True), first_number):
        block = card(hit, question, number, span)
        if size(block) <= LIMIT:
            blocks.append(block)
        else:  # a giant passage: plain text in parts, then its citation
            blocks += plain_blocks(hit.text, LIMIT, prefix=f"<b>{number}.</b> ")
            blocks.append(citation(hit))
    return pack(blocks)


def article_messages(article: Article, first: int = 1, last: int | None = None) -> list[str]:
    """Paragraphs ``first``..``last`` of an article under its title, numbered, as messages."""
    end = len(article.paragraphs) if last is None else last
    details = ", ".join(_details(article.source, article.published))
    header = f"<b>{escape(clip(article.title, TITLE_LIMIT))}</b>" + (
        f"\n{details}" if details else ""
    )
    href = _link(article.url)
    if href:
        header += f'\n<a href="{href}">{escape(clip(article.url, 100))}</a>'
    blocks = [header]
    for number in range(max(1, first), min(end, len(article.paragraphs)) + 1):
        blocks += plain_blocks(article.paragraphs[number - 1], LIMIT, prefix=f"¶{number} ")
    return pack(blocks)


def inline_title(hit: Hit) -> str:
    return clip(hit.text, INLINE_TITLE_LIMIT)


def quote_message(hit: Hit) -> str:
    """What picking an inline result posts: the quote (cut short if need be) and its citation."""
    source = citation(hit)
    budget = max(MIN_BUDGET, LIMIT - size(source) - 8)
    parts = plain_blocks(" ".join(hit.text.split()), budget)
    quote = parts[0] + ("…" if len(parts) > 1 else "")
    return pack([f"«{quote}»\n— {source}"])[0]


def preview_card(prepared: Prepared, existing: str | None) -> str:
    """What an admin's link or document would add: title, outlet, date, words, the first
    paragraph, and a warning where the corpus has it already."""
    article = prepared.article
    details = ", ".join(_details(article.source, article.published)) or "outlet and date unknown"
    lines = [
        f"<b>{escape(clip(article.title, TITLE_LIMIT))}</b>",
        f"{details} · {prepared.words:,} words",
        "",
        f"<i>{escape(clip(article.paragraphs[0], 600))}</i>",
    ]
    if existing:
        lines += ["", texts.ALREADY.format(file=escape(clip(existing, 200)))]
    return "\n".join(lines)


def latest_item(article: Article) -> str:
    """An article for /latest: its source line, then its first sentence."""
    sentence = first_sentence(article.paragraphs)
    return source_line(article) + f"\n{escape(clip(sentence, 300))}"
