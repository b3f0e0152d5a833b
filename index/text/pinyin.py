"""Names across the Chinese and Latin scripts, by pinyin (`pypinyin`), without a glossary.

English news writes Chinese names in pinyin: 合肥 as Hefei, 侯逸凡 as Hou Yifan, 华为 as
Huawei. So a Chinese passage is indexed with the pinyin of each run of two and three of its
characters, marked (`MARK`: "pyhefei", "pyyifan", "pyhouyifan") so that no English word of
another passage meets them by chance, and less its function words (我们 is "women" in
pinyin). An English question looks for its words, alone and two by two, in that marked form
(`marked`), capitalised or not, as users type names; a Chinese question looks for its runs'
pinyin unmarked, as the English passages write names (`unmarked`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from index.text.words import QUESTION_WORDS, STOPWORDS, WORD

MARK = "py"  # before a name's pinyin in the keyword index: "pyhefei"
SPANS = (2, 3)  # characters read as one name: 合肥, 侯逸凡
_LEAST = 4  # letters a pinyin form keeps, at least: "xian" (西安) but not "an"


def passage_marks(runs: list[str]) -> list[str]:
    """The marked pinyin of every run of `SPANS` characters of the Chinese ``runs`` (a
    passage's, less its function words: 我们 is "women")."""
    return [MARK + form for run in runs for form in _joined(run)]


def unmarked(runs: list[str]) -> list[str]:
    """The pinyin of every run of `SPANS` characters of the Chinese ``runs`` (a question's,
    less its function words), as English letters write names: "hefei"."""
    return [form for run in runs for form in _joined(run)]


def marked(text: str) -> list[str]:
    """A question's words in Latin letters, less its stopwords and question words, and
    each two of them side by side, as the Chinese passages' pinyin is indexed: "Hou
    Yifan" -> pyyifan, pyhouyifan. Words of fewer than `_LEAST` letters, alone, are left
    out."""
    found: list[str] = []
    previous = ""
    for word in WORD.findall(text):
        folded = word.casefold()
        if not (word.isascii() and word.isalpha()) or folded in STOPWORDS | QUESTION_WORDS:
            previous = ""
            continue
        if len(folded) >= _LEAST:
            found.append(MARK + folded)
        if previous:
            found.append(MARK + previous + folded)
        previous = folded
    return found


def _joined(run: str) -> Iterator[str]:
    syllables = _pinyin()(run)
    for span in SPANS:
        for at in range(len(syllables) - span + 1):
            form = "".join(syllables[at : at + span])
            if len(form) >= _LEAST and form.isascii() and form.isalpha():
                yield form


@cache
def _pinyin() -> Any:
    """`pypinyin.lazy_pinyin` (imported on first use: it loads its dictionaries)."""
    from pypinyin import lazy_pinyin

    return lazy_pinyin
