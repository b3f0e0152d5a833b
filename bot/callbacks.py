"""The data carried by the bot's buttons: one codec, so what is written is what is read.

Telegram returns a button's data as it was sent, but anyone can send a callback query with
any data, so `decode` trusts nothing: malformed data is None, never an exception.

    x:LANG:I    an example question of /start (LANG en/ru/az/zh; old buttons say x:I)
    m:Q:N       More: question Q, N cards shown so far
    c:P:F:L     Context: paragraphs F to L of passage P's article (a card's), one more each side
    c:P / a:P   Context around passage P (old buttons) / its whole article
    f:Q:V       a vote V (1 or -1) on the answer to question Q
    p:T / q:T   Add / Cancel the article an admin's link or document previewed (token T)
    y:Q:Y       question Q again, from articles published in year Y only
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit on callback data
_ID = r"\d{1,19}"  # a SQLite integer id
_FORMS = {
    "x": re.compile(r"(?:([a-z]{2}):)?(\d{1,3})"),
    "m": re.compile(rf"({_ID}):(\d{{1,4}})"),
    "c": re.compile(rf"({_ID})(?::(\d{{1,5}}):(\d{{1,5}}))?"),
    "a": re.compile(rf"({_ID})"),
    "f": re.compile(rf"({_ID}):(1|-1)"),
    "y": re.compile(rf"({_ID}):((?:19|20)\d{{2}})"),
    "p": re.compile(r"([0-9a-f]{16})"),
    "q": re.compile(r"([0-9a-f]{16})"),
}
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Example:
    language: str
    index: int


@dataclass(frozen=True)
class More:
    question_id: int
    shown: int


@dataclass(frozen=True)
class Around:
    passage_id: int
    whole: bool  # the whole article, else the paragraphs around the passage
    # Context only: the paragraphs (first, last) a card shows, more than the passage's own
    # where it joined its neighbours; None: the passage's own.
    span: tuple[int, int] | None = None


@dataclass(frozen=True)
class Vote:
    question_id: int
    vote: int


@dataclass(frozen=True)
class Preview:
    token: str  # names a pending article, kept in memory for a while
    add: bool  # Add, else Cancel


@dataclass(frozen=True)
class Year:
    question_id: int
    year: int


Button = Example | More | Around | Vote | Preview | Year


def encode(button: Button) -> str:
    """The callback data for ``button`` (at most 64 bytes)."""
    match button:
        case Example(language, index):
            return f"x:{language}:{index}"
        case More(question_id, shown):
            return f"m:{question_id}:{shown}"
        case Around(passage_id, whole, span):
            tail = f":{span[0]}:{span[1]}" if span is not None and not whole else ""
            return f"{'a' if whole else 'c'}:{passage_id}{tail}"
        case Vote(question_id, vote):
            return f"f:{question_id}:{vote}"
        case Preview(token, add):
            return f"{'p' if add else 'q'}:{token}"
        case Year(question_id, year):
            return f"y:{question_id}:{year}"
    raise TypeError(f"not a button: {type(button).__name__}")


def decode(data: str | None) -> Button | None:
    """The button ``data`` was made from, or None where it is not one of ours."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    kind, _, rest = data.partition(":")
    form = _FORMS.get(kind)
    match = form.fullmatch(rest) if form is not None else None
    if match is None:
        return None
    first, second = match.group(1), (match.group(2) if len(match.groups()) > 1 else None)
    if kind == "x":
        return Example(first or "en", int(second or 0))
    if kind in ("p", "q"):
        return Preview(first, add=kind == "p")
    number = int(first)
    if number > MAX_ID:
        return None
    if kind == "m":
        return More(number, int(second or 0))
    if kind == "f":
        return Vote(number, int(second or 0))
    if kind == "y":
        return Year(number, int(second or 0))
    if kind == "c" and second is not None:
        span = (int(second), int(match.group(3)))
        return Around(number, whole=False, span=span) if 1 <= span[0] <= span[1] else None
    return Around(number, whole=kind == "a")
