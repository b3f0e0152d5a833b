"""The corpus's names and subjects in the languages users ask in: a bridge for keyword search.

Keyword search (BM25) reads the articles' English words, so a question in Russian,
Azerbaijani or Chinese shares almost none with them, and e5 alone ranks it. e5-small knows
little of names across scripts: "孔子学院" is not "Confucius Institutes" to it. The glossary
(`corpus/glossary.yaml` by default, `CITEBOT_GLOSSARY`) lists each English name or subject
with its forms in the other languages; a question that holds a form is also searched for the
English words. It is data a maintainer reads and extends as the corpus grows, like the topic
rule. A form matches whole words, case-insensitively and whether or not Azerbaijani's own
letters are typed ("Əliyev" matches "Eliyev"); one ending in ``*`` matches every word it
starts ("Конфуци*": Конфуция, Конфуцию…); forms in Chinese match anywhere, in simplified or
traditional characters ("孔子学院" matches "孔子學院"), and forms in Cyrillic match Russian
typed in Latin letters ("Konfutsiya" reads as "Конфуция").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.errors import ConfigError
from index.text.language import as_written, detect, plain, simplified
from index.text.names import load_name_lists
from index.text.words import ASKING_UNSPACED, CJK

_CJK = re.compile(f"[{CJK}]")


@dataclass(frozen=True)
class Glossary:
    """English words, each with its forms in other languages."""

    terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """Raises ConfigError where the file can't be read or is not a glossary."""
        shape = "English names, each with a list of its forms in other languages"
        terms = load_name_lists(path, "terms", "the glossary", shape)
        if any(not form.strip("* ") for forms in terms.values() for form in forms):
            raise ConfigError(
                f"the glossary {path}: a form can't be `*` alone (see docs/corpus.md)"
            )
        return cls(tuple((english, tuple(forms)) for english, forms in terms.items()))

    def english(self, question: str) -> list[str]:
        """The English words of every term a form of which ``question`` holds, in the
        glossary's order."""
        return list(_english(self, question))

    def knows(self, name: str) -> bool:
        """Whether ``name`` is a term's English or one of its forms (a variant the articles
        don't use: "Aliev", "PRC")."""
        folded = name.casefold()
        return any(folded == english.casefold() for english, _ in self.terms) or bool(
            self.english(name)
        )

    def joins(self, first: str, second: str) -> bool:
        """Whether a form of a term holds ``first`` and ``second`` read together, across the
        space between them: "Лю" and "Цзяньчао" (Liu Jianchao), "Konfutsi" and "İnstitutları"
        (Confucius Institutes); not "Əliyev" and "Putin", though "Əliyev" is a form."""
        head = len(plain(as_written(first)))
        text = plain(as_written(f"{first} {second}"))
        return any(
            match.start() < head < match.end() - 1
            for _, pattern in _patterns(self)
            for match in pattern.finditer(text)
        )

    def writings(self, text: str) -> dict[str, list[str]]:
        """For each term ``text`` names, by its English, its acronym or a form, every way
        of writing it: its English (with and without its acronym) and its forms in every
        language (a form's ``*`` left off), so that "SCO" is looked up as ШОС, ŞƏT and 上合
        too."""
        # An English text is read for the terms' English alone: their forms' patterns load
        # the Chinese converter, which English questions never need.
        named = set(self.english(text)) if detect(text) != "en" else set()
        folded = plain(as_written(text)).casefold()
        for english, _ in self.terms:
            if any(_holds(folded, part) for part in _spoken(english)):
                named.add(english)
        return {
            english: list(
                dict.fromkeys([*_spoken(english), *(form.replace("*", "") for form in forms)])
            )
            for english, forms in self.terms
            if english in named
        }

    def respelled(self, question: str) -> str:
        """``question`` with the forms it holds read as their terms' English, and what a
        request is made of in Chinese left out: "расскажи о Шуше" -> "расскажи о Shusha",
        "关于比亚迪的新闻" -> "BYD", "Ilham Aliev" -> "Ilham Aliyev" (where "Aliev" is a form
        of Aliyev). What a lookup looks for where the words as typed hold nothing (`Engine`).
        """
        return _respelled(self, question)


def _spoken(english: str) -> list[str]:
    """A term's English as it is said: whole, without its acronym, and its acronym alone
    ("Shanghai Cooperation Organisation SCO": the name, and "SCO")."""
    acronyms = [word for word in english.split() if len(word) > 1 and word.isupper()]
    name = " ".join(word for word in english.split() if word not in acronyms)
    return list(dict.fromkeys(part for part in (english, name, *acronyms) if part))


def _holds(folded: str, part: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(plain(part).casefold())}(?!\w)", folded) is not None


@lru_cache(maxsize=512)  # a search and its answer read the same question (0.2-0.8 ms each)
def _english(glossary: Glossary, question: str) -> tuple[str, ...]:
    question = plain(as_written(question))
    return tuple(english for english, pattern in _patterns(glossary) if pattern.search(question))


@lru_cache(maxsize=512)
def _respelled(glossary: Glossary, question: str) -> str:
    text = plain(as_written(question))
    named, spans = [], []
    for english, pattern in _patterns(glossary):
        found = [match.span() for match in pattern.finditer(text)]
        if found:
            named.append(english)
            spans += found
    if not named:
        return question
    kept = list(text)
    for start, end in spans:  # all found in the question itself, so none in a term's English
        kept[start:end] = " " * (end - start)
    rest = "".join(kept)
    for asking in ASKING_UNSPACED:
        rest = rest.replace(asking, " ")
    return " ".join([*rest.split(), *named])


# Compiled on the first question in another language, not when citebot starts: reading the
# Chinese forms in simplified characters loads the converter's tables (English questions
# never need them; `citebot ask` started 0.17 s slower with them).
@lru_cache(maxsize=4)
def _patterns(glossary: Glossary) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((english, _pattern(forms)) for english, forms in glossary.terms)


def _pattern(forms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a term's forms, the longest tried first: "Konfutsi İnstitut*" reads
    "Konfutsi İnstitutu" whole, where "Konfutsi*" would leave its second word."""
    read = sorted((plain(simplified(form.strip())) for form in forms), key=len, reverse=True)
    return re.compile("|".join(_form(form) for form in read), re.IGNORECASE)


def _form(form: str) -> str:
    if _CJK.search(form):
        return re.escape(form)
    words = [
        re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word) + r"(?!\w)"
        for word in form.split()
    ]
    return r"(?<!\w)" + r"\s+".join(words)
