"""Which language a question is in, from its script: enough to route it to the right model."""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
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
