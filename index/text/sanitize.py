"""Untrusted text made safe to keep, show and quote: one place for the rules.

Text arrives from corpus files, web pages, Telegram users and the network. Before it is
stored or embedded it loses what no reader needs and some readers choke on: lone surrogates
(a tokenizer raises on them), control characters (an ANSI escape in a title would drive the
terminal), and the invisible marks that reorder text from right to left (U+202E in a title
would turn the citation after it around, in Telegram as in a terminal). Where it is quoted
back in a message, it is bounded.
"""

from __future__ import annotations

import re

# C0 and C1 controls other than tab and newline, and DEL; Unicode's bidirectional controls
# (embeddings, overrides, isolates and the direction marks); lone UTF-16 surrogates.
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_SURROGATES = re.compile(r"[\ud800-\udfff]")
PREVIEW = 80  # characters of a bad value an error message quotes


def clean_text(text: str) -> str:
    """``text`` without control characters (tab and newline stay) or bidirectional controls;
    a lone surrogate becomes U+FFFD, the replacement character."""
    return _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))


def preview(value: object, limit: int = PREVIEW) -> str:
    """A bounded, printable ``repr`` of ``value`` for an error message.

    Only the start of a long value is formatted, so quoting a huge one costs no more than
    quoting a short one.
    """
    if isinstance(value, str | bytes) and len(value) > limit:
        shown = repr(value[:limit])
        return f"{shown}… ({len(value):,} characters)"
    if isinstance(value, dict | list | tuple | set):
        return f"a {type(value).__name__} of {len(value)} items"
    shown = clean_text(repr(value))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def shorten(text: str, limit: int = PREVIEW * 2) -> str:
    """Plain ``text`` cut to ``limit`` characters, for a message that quotes another."""
    text = clean_text(text[: limit * 2])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure(error: BaseException) -> str:
    """An unexpected exception in a few words, for a message: its type, and its message
    where it has one (a parser's RecursionError, say)."""
    said = shorten(str(error))
    return f"{type(error).__name__}: {said}" if said else type(error).__name__
