"""What keyword search reads of a text: each word as its language's analyser leaves it, so
that BM25 matches words across their endings in every language the corpus holds.

- English: as written; SQLite's own Porter stemmer (the full-text table's tokenizer) stems it.
- Russian (any Cyrillic word): Snowball's Russian stemmer ("товарооборота": товарооборот).
- Azerbaijani (Latin words of a text in Azerbaijani): its letters as typed on a plain
  keyboard (`plain`: ə as e, ş as s), then Snowball's Turkish stemmer, Turkish being the
  nearest language Snowball has ("turistlərin", "turistler": turist); and the plain word
  beside its stem, as names are written alike in English ("Huawei").
- Chinese, which leaves no spaces between words: each run of characters as its overlapping
  pairs ("阿塞拜疆": 阿塞 塞拜 拜疆), the usual n-gram indexing of unsegmented text; a lone
  character as it is.

A passage is analysed in the language of its text, a question in the language it is asked
in; `terms` leaves out the words a question is made of rather than its subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.text.language import plain
from index.text.lexicon import lexicon, snowball
from index.text.pinyin import marked, passage_marks, unmarked
from index.text.words import CJK, CYRILLIC, QUESTION_WORDS, STOPWORDS, WORD, is_question

_CJK_RUN = re.compile(f"[{CJK}]+")
_CYRILLIC = re.compile(f"[{CYRILLIC}]")
_RU, _AZ, _ZH = lexicon("ru"), lexicon("az"), lexicon("zh")
# Chinese function words, question words and request words a question's runs are split at
# before pairing (`terms`): "多少" and "什么" ask, they say nothing of the subject.
_ZH_STOP = re.compile(
    "|".join(sorted(map(re.escape, {*_ZH.stopwords, *_ZH.asking}), key=len, reverse=True))
)
_AZ_STOP = frozenset(plain(word) for word in (*_AZ.stopwords, *_AZ.asking))


def analysed(text: str, language: str) -> str:
    """``text``'s analysed words, space-separated."""
    return " ".join(_words(text, language, question=False))


def indexed(text: str, language: str) -> str:
    """``text`` as the keyword index stores it: its analysed words, and its Chinese names
    in marked pinyin for questions in Latin letters (`index.text.pinyin`)."""
    marks = passage_marks(_chinese_runs(text)) if _CJK_RUN.search(text) else []
    return " ".join([*_words(text, language, question=False), *marks])


def across(text: str, language: str) -> list[str]:
    """What a question looks for in the other scripts' passages: a Chinese question's
    Chinese in pinyin (as English writes Chinese names), an English question's words as the
    Chinese passages' pinyin is indexed (`index.text.pinyin`)."""
    if language == "zh":
        return unmarked(_chinese_runs(text))
    return marked(text) if language == "en" else []


def _chinese_runs(text: str) -> list[str]:
    """``text``'s runs of Chinese characters, split at its function words (`_ZH_STOP`)."""
    return _CJK_RUN.findall(_ZH_STOP.sub(" ", text))


def terms(text: str, language: str) -> list[str]:
    """A question's analysed words, less its language's stopwords and request words (and,
    in English, the words a question is made of: "what", "did"; news prose seldom says
    "did", so BM25 would weigh it as a rare word): what keyword search looks for. All its
    words where that leaves none."""
    found = list(_words(text, language, question=True))
    return found or list(_words(text, language, question=False))


def _words(text: str, language: str, question: bool) -> Iterator[str]:
    if question and language == "zh":
        text = _ZH_STOP.sub(" ", text)
    grammar = STOPWORDS | QUESTION_WORDS if is_question(text) else STOPWORDS
    for word in WORD.findall(text):
        if _CJK_RUN.search(word):
            yield from _unspaced(word)
        elif _CYRILLIC.search(word):
            lower = word.casefold()
            if not (question and (lower in _RU.stopwords or lower in _RU.asking)):
                yield _russian(lower)
        elif language == "az":
            folded = plain(word.casefold())
            if not (question and folded in _AZ_STOP):
                stem = _turkish(folded)
                yield stem
                if stem != folded:  # as written too: a name ("Huawei") is one in English
                    yield folded
        elif not (question and word.casefold() in grammar):
            yield word


def _unspaced(word: str) -> Iterator[str]:
    """A word holding Chinese: its runs of characters as pairs, anything else as it is."""
    at = 0
    for run in _CJK_RUN.finditer(word):
        if run.start() > at:
            yield word[at : run.start()]
        chars = run.group()
        if len(chars) == 1:
            yield chars
        else:
            yield from (chars[i : i + 2] for i in range(len(chars) - 1))
        at = run.end()
    if at < len(word):
        yield word[at:]


def _russian(word: str) -> str:
    return snowball(_RU.keyword_stemmer or "russian", word.replace("ё", "е"))


def _turkish(word: str) -> str:
    return snowball(_AZ.keyword_stemmer or "turkish", word)
