"""Turning answers into Telegram HTML: every piece of text escaped, every message in bounds.

A message's HTML never exceeds `LIMIT` UTF-16 code units (the unit Telegram counts), so it
stays under Telegram's 4096 characters however entities are counted, and a split never falls
inside a tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import escape

from telegram.constants import MessageLimit

from index.highlight import best_sentence
from index.records import Article, Hit, paragraph_label

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096
_TOKEN = re.compile(r"&(?:[a-z]+|#\d+);|[^&]|&")  # escaped text, one character or entity each
INLINE_TITLE_LIMIT = 120


def size(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def citation(hit: Hit) -> str:
    """Title — outlet, date, ¶N, link; as HTML."""
    details = [escape(x) for x in (hit.article.source, hit.article.published) if x]
    details.append(paragraph_label(hit.paragraphs))
    line = f"<i>{escape(hit.article.title)}</i> — {', '.join(details)}"
    if hit.article.url:
        line += f' · <a href="{escape(hit.article.url, quote=True)}">link</a>'
    if hit.also_in:
        others = "; ".join(
            f"<i>{escape(a.title)}</i>" + (f" — {escape(a.source)}" if a.source else "")
            for a in hit.also_in
        )
        line += f"\nalso in: {others}"
    return line


def plain_citation(hit: Hit) -> str:
    parts = [hit.article.title, *(x for x in (hit.article.source, hit.article.published) if x)]
    parts.append(paragraph_label(hit.paragraphs))
    if hit.article.url:
        parts.append(hit.article.url)
    return ", ".join(parts)


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


def card(hit: Hit, question: str, number: int, span: tuple[int, int] | None = None) -> str:
    """One evidence card: number, optional context, the passage, the citation."""
    context = f"<i>{escape(_shorten(hit.context, 300), quote=False)}</i>\n" if hit.context else ""
    return f"<b>{number}.</b> {context}{passage_html(question, hit.text, span)}\n{citation(hit)}"


def pack(blocks: Iterable[str], limit: int = LIMIT) -> list[str]:
    """Join HTML blocks into as few messages as fit; each block must itself fit."""
    messages: list[str] = []
    for block in blocks:
        if size(block) > limit:
            raise ValueError("block over the message limit")
        if messages and size(messages[-1]) + 2 + size(block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def plain_blocks(text: str, limit: int = LIMIT, prefix: str = "") -> list[str]:
    """Escape plain ``text`` into blocks within ``limit``, the first one led by ``prefix``.

    Blocks break at spaces where possible, else between characters, never inside ``&amp;``.
    """
    blocks: list[str] = []
    current, floor = prefix, len(prefix)  # never break inside the prefix (it may be HTML)
    for token in _TOKEN.findall(escape(text, quote=False)):
        current += token
        while size(current) > limit:
            space = current.rfind(" ", floor, len(current) - len(token))
            cut = space if space > floor else len(current) - len(token)
            if cut <= floor:  # a single token after the prefix: cut at the limit
                cut = _fit(current, limit)
            blocks.append(current[:cut].rstrip())
            current, floor = current[cut:].lstrip(" "), 0
    if (current.strip() and current != prefix) or not blocks:
        blocks.append(current)
    return [block for block in blocks if block.strip()]


def _fit(piece: str, limit: int) -> int:
    """The longest prefix of escaped ``piece`` within ``limit`` that doesn't cut an entity."""
    cut = limit
    while size(piece[:cut]) > limit:
        cut -= 1
    amp = piece.rfind("&", max(0, cut - 8), cut)
    if amp != -1 and ";" not in piece[amp:cut]:
        cut = amp
    return cut


def answer_messages(
    question: str,
    hits: Sequence[Hit],
    first_number: int = 1,
    spans: Sequence[tuple[int, int] | None] | None = None,
) -> list[str]:
    """Evidence cards for ``hits``, packed into messages; ``spans`` are the sentences to bold."""
    blocks: list[str] = []
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
    details = ", ".join(escape(x) for x in (article.source, article.published) if x)
    header = f"<b>{escape(article.title)}</b>" + (f"\n{details}" if details else "")
    if article.url:
        header += f'\n<a href="{escape(article.url, quote=True)}">{escape(article.url)}</a>'
    blocks = [header]
    for number in range(max(1, first), min(end, len(article.paragraphs)) + 1):
        blocks += plain_blocks(article.paragraphs[number - 1], LIMIT, prefix=f"¶{number} ")
    return pack(blocks)


def inline_title(hit: Hit) -> str:
    return _shorten(hit.text, INLINE_TITLE_LIMIT)


def quote_message(hit: Hit) -> str:
    """What picking an inline result posts: the quote (cut short if need be) and its citation."""
    source = citation(hit)
    parts = plain_blocks(" ".join(hit.text.split()), LIMIT - size(source) - 8)
    quote = parts[0] + ("…" if len(parts) > 1 else "")
    return f"«{quote}»\n— {source}"


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"
