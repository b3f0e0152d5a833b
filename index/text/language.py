"""Which language a question is in, from its script: enough to route it to the right model."""

from __future__ import annotations

import re

from index.text.words import CJK

_CJK = re.compile(f"[{CJK}]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Letters Azerbaijani Latin uses and English does not (ə above all).
_AZERBAIJANI = re.compile(r"[əƏğĞıİşŞçÇöÖüÜ]")

LANGUAGES = ("en", "ru", "az", "zh")


def detect(text: str) -> str:
    """``zh``, ``ru``, ``az`` or ``en`` (the default for any other Latin text).

    Cyrillic is taken as Russian: Azerbaijani has been written in Latin script since 1991.
    """
    if _CJK.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "ru"
    if _AZERBAIJANI.search(text):
        return "az"
    return "en"


_LETTER = re.compile(r"[^\W\d_]")


def text_language(text: str) -> str:
    """The language of a longer text (a passage), by the share of its letters in each script,
    so that an English passage quoting a Chinese name or a Turkish word stays English."""
    letters = len(_LETTER.findall(text)) or 1
    if len(_CJK.findall(text)) / letters > 0.2:
        return "zh"
    if len(_CYRILLIC.findall(text)) / letters > 0.3:
        return "ru"
    if len(_AZERBAIJANI.findall(text)) / letters > 0.05:
        return "az"
    return "en"
