"""What a "how many" question counts, and whether a text names it.

"How many officers went to China for training?" is answered by a passage that counts
officers; one that reports the visit, the document and its date, without a word of
officers, is the subject without the fact (`gates.CountedGate`). The thing counted is the
first word after the question's "how many" (in English, Russian, Azerbaijani; in Chinese
the two characters after 多少 or 几 and a measure word) that is no nationality, adjective or
verb, analysed as keyword search analyses it, so "officers" meets "officer" and
"пассажиров" "пассажиры".

"How much" asks for an amount of nothing named ("how much did it cost?"): no thing counted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text.analysis import analysed
from index.text.lexicon import lexicon
from index.text.words import WORD

_ENGLISH = lexicon("en")
# What comes between "how many" and the thing counted, or tells that none follows
_EN_BEFORE = frozenset(
    "azerbaijani azeri chinese new more different foreign local other individual total extra"
    " young direct weekly daily annual such the a an of".split()
)
_EN_VERBS = frozenset("did does do were was are is have has had will would can could".split())
# Russian adjectives (skipped) and verbs (none counted: "сколько стоит", "сколько заплатила")
_RU_ADJECTIVE = re.compile(r"(?:ых|их|ой|ый|ий|ая|ое|ые)$")
_RU_VERB = re.compile(r"(?:ла|ли|ло|ет|ют|ит|ат|ят|ть|ся|сь)$")
_RU_BEFORE = frozenset({"всего", "же", "именно", "примерно", "ещё", "еще"})
_AZ_BEFORE = frozenset({"çinli", "azərbaycanlı", "çin", "azərbaycan", "yeni", "xarici"})
_ZH_MEASURE = "个家名份位次件项座所批支只场届条"
_ZH_BEFORE = ("中国", "阿塞拜疆", "阿方", "中方", "中阿")

_ASKS = {
    "en": re.compile(r"\bhow many ([\w' -]+)", re.IGNORECASE),
    "ru": re.compile(r"\bсколько\s+([\w\s]+)", re.IGNORECASE),
    "az": re.compile(r"\bneçə\s+([\w\s]+)", re.IGNORECASE),
    "zh": re.compile(r"(?:多少|几)([\u4e00-\u9fff]+)"),
}
_WORDS_LOOKED_AT = 3  # after "how many": a thing counted comes within these or not at all


@dataclass(frozen=True)
class Counted:
    """The thing a question counts: ``language`` the question's, ``word`` analysed."""

    language: str
    word: str


def counted(question: str, language: str) -> Counted | None:
    """The thing ``question`` (in ``language``) asks how many of; None where it asks no
    count, or the count of nothing it names."""
    pattern = _ASKS.get(language)
    found = pattern.search(question) if pattern else None
    if found is None:
        return None
    after = found.group(1)
    if language == "zh":
        return _chinese(after)
    for word in after.casefold().split()[:_WORDS_LOOKED_AT]:
        if language == "en":
            if word in _EN_VERBS:
                return None
            if word not in _EN_BEFORE:
                return Counted("en", _ENGLISH.stem(word))
        elif language == "ru":
            if word in _RU_BEFORE or _RU_ADJECTIVE.search(word):
                continue
            return None if _RU_VERB.search(word) else Counted("ru", analysed(word, "ru"))
        elif word not in _AZ_BEFORE:  # Azerbaijani
            stems = analysed(word, "az").split()
            return Counted("az", stems[0]) if stems else None
    return None


def _chinese(after: str) -> Counted | None:
    thing = after.lstrip(_ZH_MEASURE)
    for before in _ZH_BEFORE:
        thing = thing.removeprefix(before)
    return Counted("zh", thing[:2]) if len(thing) >= 2 else None


def names(text: str, thing: Counted) -> bool:
    """Whether ``text`` (in the question's language) names the thing counted."""
    if thing.language == "zh":
        return thing.word in text
    if thing.language == "en":
        return thing.word in {_ENGLISH.stem(word) for word in WORD.findall(text.casefold())}
    return thing.word in analysed(text, thing.language).split()
