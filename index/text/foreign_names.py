"""The names a question in Russian, Azerbaijani or Chinese asks about, and how English writes
them: what the engine looks for in the articles, as it does an English question's names
(`index.text.proper_names.asked_names`).

Russian and Azerbaijani capitalise names and little else, so a name is a run of capitalised
words that does not open its sentence, or an acronym ("ЕС", "BYD") anywhere. In Chinese, which
has no capitals, only the words in Latin letters are read ("Huawei", "BYD"). Each name is
written in English letters as news in English writes such names ("Путине" as "Putine",
"Əliyevin" as "Aliyevin"), and once more without its case ending ("Putin", "Aliyev"), for
the articles' English words to be looked in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text.chunker import split_sentences
from index.text.glossary import Glossary
from index.text.lexicon import lexicon
from index.text.words import LATIN_NAME_WORD, NAME_WORD, asks_about_names

# How English news romanises Russian (BGN/PCGN, simplified): "Цзиньпин" as "Tszinpin" is no
# match for "Jinping", which is why the glossary holds the forms of the corpus's own names.
_RUSSIAN_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэ", "abvgdeziyklmnoprstufye", strict=True)),
        **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ю": "yu", "я": "ya", "ъ": "", "ь": ""},
    }
)
# Azerbaijani's letters as English writes them: "Əliyev" as "Aliyev", "Gəncə" as "Ganja".
_AZERBAIJANI_LATIN = str.maketrans(
    {"ə": "a", "ş": "sh", "ç": "ch", "ğ": "gh", "ı": "i", "ö": "o", "ü": "u", "x": "kh"}
    | {"c": "j", "q": "g", "\u0307": ""}  # "İ" casefolds to "i" and a dot above
)
# Letters a name keeps without its ending: the articles are looked in for words it starts, and
# "Инди" of "Индии" would be the start of "individual".
_STEM_LEAST = 5

# The words in lower case after a name read with it: Russian writes a name of several words
# with one capital ("Всемирная организация здравоохранения").
_AFTER_WORDS = 3
# A word of Russian or Azerbaijani; in Chinese, a word in Latin letters.
_APOSTROPHE = re.compile(r"[’'].*$")  # Azerbaijani's "Makron’un": the name is "Makron"
# Titles capitalised before a name ("Президент Алиев", "Prezident Əliyev"): no names.
_TITLES = frozenset(
    "президент премьер министр посол председатель генсек господин госпожа "
    "prezident baş nazir səfir sədr cənab xanım".split()
)


@dataclass(frozen=True)
class ForeignName:
    """A name a question in another language asks about."""

    text: str  # as typed: "Путине"
    english: tuple[str, ...]  # in English letters, as typed and without its ending
    before: str = ""  # the word just before it: "Лю" of "Лю Цзяньчао", whose first word opens
    # The words in lower case just after it (`_AFTER_WORDS` at most): "неприсоединения" of
    # "Движением неприсоединения", "организация здравоохранения" of "Всемирная…".
    after: str = ""

    def glossed(self, glossary: Glossary) -> bool:
        """Whether the glossary knows this name: a form of a term is in it, or one spans it
        and the words after it in lower case (Russian writes a name of several words with
        one capital: "Всемирная организация здравоохранения"; not "Путине и торговле",
        though "торговле" is a form), or the word before it ("Лю Цзяньчао", whose first
        word opens the question; not "Əliyev Putin", though "Əliyev" is a form)."""
        if glossary.english(self.text):
            return True
        if self.after and glossary.joins(self.text, self.after):
            return True
        return bool(self.before) and glossary.joins(self.before, self.text)


def asked_foreign_names(question: str, language: str, lookup: bool = False) -> list[ForeignName]:
    """The names a question in ``language`` ("ru", "az" or "zh") asks about: "Что Алиев
    сказал о Путине?" -> Алиев, Путине. The word a sentence opens with is read only where it
    is an acronym ("ЕС"). As for English, only a question (ending in a question mark) or a
    ``lookup`` of a few words is read, not a statement.

    Russian typed in Latin letters is read after `index.text.language.as_written` has put it
    in Cyrillic.
    """
    text = question.strip()
    if not asks_about_names(text, lookup):
        return []
    found: list[ForeignName] = []
    for sentence in split_sentences(text):
        words = list((LATIN_NAME_WORD if language == "zh" else NAME_WORD).finditer(sentence))
        run: list[int] = []
        for at, match in enumerate(words):
            like = _name_like(match.group(), opens=at == 0, language=language)
            parted = run and sentence[words[run[-1]].end() : match.start()].strip()  # a comma
            if like and not parted:
                run.append(at)
                continue
            found += _named(sentence, words, run, language)
            run = [at] if like else []
        found += _named(sentence, words, run, language)
    return list({name.text: name for name in found}.values())


def _named(
    sentence: str, words: list[re.Match[str]], run: list[int], language: str
) -> list[ForeignName]:
    if not run:
        return []
    first, last = words[run[0]], words[run[-1]]
    text = sentence[first.start() : last.end()]
    before = ""
    if run[0] > 0 and not sentence[words[run[0] - 1].end() : first.start()].strip():
        before = words[run[0] - 1].group()
    end = last.end()
    for following in words[run[-1] + 1 : run[-1] + 1 + _AFTER_WORDS]:
        if not following.group().islower() or sentence[end : following.start()].strip():
            break
        end = following.end()
    after = sentence[last.end() : end].strip()
    return [ForeignName(text, english(text, language), before, after)]


def english(name: str, language: str) -> tuple[str, ...]:
    """``name`` in English letters: as typed, and (where that leaves `_STEM_LEAST` letters)
    without a case ending on its last word ("Путиным" -> "Putinym", "Putin")."""
    words = [_APOSTROPHE.sub("", word) for word in name.split()]
    as_typed = " ".join(_in_latin(word, language) for word in words)
    last = words[-1]
    stem = _without_ending(last, language)
    if stem == last or len(stem) < _STEM_LEAST or language == "zh":
        return (as_typed,)
    return (as_typed, " ".join(_in_latin(word, language) for word in [*words[:-1], stem]))


def _without_ending(word: str, language: str) -> str:
    """``word`` without its case ending: by Snowball's stemmer where the language has one
    (Russian), else by the longest of its lexicon's case endings (Azerbaijani)."""
    lexicon_ = lexicon(language)
    folded = word.casefold().replace("ё", "е")  # as Snowball writes it: letter for letter
    if lexicon_.stemmer:
        stem = lexicon_.stem(folded)
    else:
        ending = next((e for e in lexicon_.case_endings if folded.endswith(e)), "")
        stem = folded[: len(folded) - len(ending)]
    return word[: len(stem)] if stem != folded and folded.startswith(stem) else word


def _in_latin(word: str, language: str) -> str:
    if language == "zh" or (len(word) > 1 and word.isupper()):  # an acronym stays: "ЕС"
        return word
    table = _RUSSIAN_LATIN if language == "ru" else _AZERBAIJANI_LATIN
    latin = word.casefold().translate(table)
    return latin[:1].upper() + latin[1:]


def _name_like(word: str, opens: bool, language: str) -> bool:
    """A capitalised word not opening its sentence (no title), or an acronym anywhere; in
    Chinese, any word in Latin letters that holds a capital ("Huawei", "iPhone")."""
    capitals = sum(c.isupper() for c in word)
    if language == "zh":
        return capitals > 0
    if capitals > 1 and len(word) > 1 and word.isupper():
        return True
    return not opens and word[0].isupper() and word.casefold() not in _TITLES
