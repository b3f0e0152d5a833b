"""Words: what one is (every word pattern of the engine is made here), which are too common
to count, and which characters are Chinese."""

from __future__ import annotations

import re

from index.text.lexicon import lexicon

# A word: what keyword search, the chunker, the bold sentence and lookups count.
WORD = re.compile(r"\w+")
# The tokens names are read from, which keep their apostrophes and hyphens ("Xi'an",
# "Non-Aligned", "Əliyev’in"): in English, any (a code like "5G" is a name); in Russian and
# Azerbaijani, those starting with a letter; in Chinese, which spaces no words, the runs of
# Latin letters ("Huawei").
JOINERS = "’'-"  # what joins the parts of a name's word
NAME_CHAR = rf"[\w{JOINERS}]"  # for patterns that read names (`index.text.proper_names`)
NAME_TOKEN = re.compile(rf"{NAME_CHAR}+")
NAME_WORD = re.compile(rf"[^\W\d_][^\W_]*(?:[{JOINERS}][^\W_]+)*")
LATIN_NAME_WORD = re.compile(rf"[A-Za-z][A-Za-z0-9]*(?:[{JOINERS}][A-Za-z0-9]+)*")
# Russian typed in Latin letters, where an apostrophe is a soft sign ("Kazan'").
TYPED_LATIN = re.compile(r"[A-Za-z']+")
# CJK Unified Ideographs and Extension A: what makes a text Chinese (`index.text.language`).
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# The Cyrillic letters: what makes a text Russian.
CYRILLIC = "\u0400-\u04ff"
# Scripts written without spaces between words, whose characters the chunker counts as one
# word each: Chinese, Japanese kana, Korean syllables, CJK compatibility ideographs.
UNSPACED = f"\u3040-\u30ff{CJK}\uac00-\ud7af\uf900-\ufaff"

_EN, _RU, _AZ, _ZH = (lexicon(code) for code in ("en", "ru", "az", "zh"))
# Lucene's English list, the usual default for BM25 (each list's source: its lexicon file).
STOPWORDS = _EN.stopwords
# Words that say nothing of a paragraph's subject, for telling which neighbour a short paragraph
# belongs with (`index.text.chunker`).
SUBJECTLESS = STOPWORDS | _EN.subjectless
# Words of a question that say nothing of which sentence answers it (`index.text.sentences`).
QUESTION_WORDS = _EN.question_words
# What a question opens with, in English: a question word, an auxiliary or a request.
QUESTION_OPENERS = _EN.question_openers
# Words a request is made of rather than its subject ("tell me about", "any news on",
# "расскажи о", "haqqında"), which keyword lookups leave out ("tell me about BYD" looks up
# BYD; `index.storage.keywords`). Azerbaijani ones with and without its own letters.
ASKING = SUBJECTLESS | QUESTION_WORDS | frozenset((*_EN.asking, *_RU.asking, *_AZ.asking))
# The same in Chinese, written without spaces: what is left of a lookup once its names are
# read ("关于比亚迪的新闻": news about BYD; `index.text.glossary`), the longest first.
ASKING_UNSPACED = _ZH.asking


def is_question(text: str) -> bool:
    """Whether ``text`` asks: it ends in a question mark, or opens with a question word or a
    request ("What did…", "Tell me…"), as a statement (a claim searched for evidence) never
    does."""
    stripped = text.strip()
    opener = next(iter(WORD.findall(stripped)), "").casefold()
    return stripped.endswith(("?", "？")) or opener in QUESTION_OPENERS


def asks_about_names(text: str, lookup: bool) -> bool:
    """Whether ``text`` is read for the names it asks about: a question (`is_question`) or,
    where it is a ``lookup`` of a few words ("Aliyev Putin"), one not ending in a full stop.
    A statement (a claim searched for evidence) is matched as a whole."""
    return is_question(text) or (lookup and not text.strip().endswith((".", "。")))
