"""Which language a question is in, from its script: enough to route it to the right model."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

from index.text.lexicon import lexicon
from index.text.words import CJK, CYRILLIC, TYPED_LATIN, WORD

_CJK = re.compile(f"[{CJK}]")
_CYRILLIC = re.compile(f"[{CYRILLIC}]")
# Azerbaijani's commonest letter, which no other language written in Latin uses much.
_SCHWA = re.compile(r"[əƏ]")
# Its other letters that English lacks, which Turkish and German names bring to English too.
_AZERBAIJANI = re.compile(r"[əƏğĞıİşŞçÇöÖüÜ]")
# ...and the plain letters they are typed as on a keyboard without them ("Azerbaycan").
_PLAIN = str.maketrans("əƏğĞıİşŞçÇöÖüÜёЁ", "eEgGiIsScCoOuUеЕ", "ьЬъЪ")
# Azerbaijani typed without its letters, and Russian typed in Latin letters, told by their words:
# each language's words that English questions don't use, stems whose every ending is the
# language's, and endings English words of five letters or more lack (their lexicon files).
_AZ, _RU = lexicon("az"), lexicon("ru")

# Russian letters as they are typed in Latin ones, the longest first; "y" and "'" by context.
_CYRILLIC_OF = (
    *zip(
        "shch zh kh ts ch sh yu ya yo ye x".split(), "щ ж х ц ч ш ю я ё е кс".split(), strict=True
    ),
    *zip("abvgdezijklmnoprstufhcwq", "абвгдезийклмнопрстуфхцвк", strict=True),
)
_VOWELS = "аеёиоуыэюя"

LANGUAGES = ("en", "ru", "az", "zh")


@lru_cache(maxsize=1024)  # a search asks it of its question several times (20 µs each)
def detect(text: str) -> str:
    """``zh``, ``ru``, ``az`` or ``en`` (the default for any other Latin text).

    Cyrillic is taken as Russian: Azerbaijani has been written in Latin script since 1991.
    Without ə, Azerbaijani is told by its words (in plain letters): two of them make it, or
    one with another of its letters, so that an English question naming Erdoğan stays English.
    Russian typed in Latin letters is told by its words too: two of them, and more than
    Azerbaijani's.
    """
    if _CJK.search(text):
        return "zh"
    if _CYRILLIC.search(text):
        return "ru"
    if _SCHWA.search(text):
        return "az"
    azerbaijani = _count(plain(text), _azerbaijani) + bool(_AZERBAIJANI.search(text))
    russian = _count(text, _russian)
    if russian >= 2 and russian > azerbaijani:
        return "ru"
    return "az" if azerbaijani >= 2 else "en"


@lru_cache(maxsize=1024)
def as_written(text: str) -> str:
    """``text`` in the script its language is written in, as the models and the glossary read
    it: Chinese in simplified characters (`simplified`), and Russian typed in Latin letters
    in Cyrillic ones ("Kto posol Kitaya?" -> "Кто посол Китая?"; soft signs, never typed,
    stay lost). Other text as it is."""
    if _CJK.search(text) or _CYRILLIC.search(text) or detect(text) != "ru":
        return simplified(text)
    return TYPED_LATIN.sub(lambda word: _in_cyrillic(word.group()), text)


def _in_cyrillic(word: str) -> str:
    if len(word) > 1 and word.isupper():  # an abbreviation: BYD, COP
        return word
    lower, out, at = word.lower(), list[str](), 0
    while at < len(lower):
        if lower[at] == "y" and not lower.startswith(("yu", "ya", "yo", "ye"), at):
            out.append("й" if out and out[-1] in _VOWELS else "ы")
            at += 1
            continue
        if lower[at] == "'":
            out.append("ь")
            at += 1
            continue
        latin, cyrillic = next(
            ((a, b) for a, b in _CYRILLIC_OF if lower.startswith(a, at)), (lower[at], lower[at])
        )
        out.append(cyrillic)
        at += len(latin)
    found = "".join(out)
    return found[:1].upper() + found[1:] if word[0].isupper() else found


def plain(text: str) -> str:
    """``text`` with Azerbaijani's own letters as the plain ones typed for them (ə as e, ş as
    s…), so that "Azərbaycan" and "Azerbaycan" read alike; and Russian without the soft and
    hard signs, and ё as е, which Russian typed in Latin letters loses (`as_written`): "Си
    Цзиньпин" and "Si Tszinpin" read alike."""
    return text.translate(_PLAIN)


@lru_cache(maxsize=1024)  # a search reads its question several times (0.15 ms each)
def simplified(text: str) -> str:
    """Chinese written in traditional characters (in Hong Kong, Taiwan, much of the diaspora)
    in simplified ones, as the glossary writes it; simplified Chinese and other text as they
    are. "阿塞拜疆有幾所孔子學院？" -> "阿塞拜疆有几所孔子学院？"."""
    return _to_simplified()(text) if _CJK.search(text) else text


@cache
def _to_simplified() -> Callable[[str], str]:
    from opencc import OpenCC  # 25 ms to load its tables: on the first Chinese question only

    converter = OpenCC("t2s")
    converter.convert("")  # it loads its tables on first use, and a thread may share it then
    convert: Callable[[str], str] = converter.convert
    return convert


def _count(text: str, belongs: Callable[[str], bool]) -> int:
    """How many words of ``text`` ``belongs`` says are a language's, leaving out
    abbreviations (CIN, COX) and anything not all letters (2019, 5G)."""
    return sum(belongs(w.lower()) for w in WORD.findall(text) if w.isalpha() and not w.isupper())


def _russian(word: str) -> bool:
    return (
        word in _RU.typed_words
        or word.startswith(_RU.typed_stems)
        or (len(word) >= 5 and word.endswith(_RU.typed_endings))
    )


def _azerbaijani(word: str) -> bool:
    return (
        word in _AZ.typed_words
        or word.startswith(_AZ.typed_stems)
        or (len(word) >= 5 and word.endswith(_AZ.typed_endings))
        # a verb's -ib, but not a drug's -nib, -mib, -xib (imatinib, bortezomib, celecoxib)
        or (len(word) >= 5 and word.endswith(("ib", "ub")) and word[-3] not in "nmx")
    )


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
