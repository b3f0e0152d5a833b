"""What citebot knows of each language's words, as data: one file a language in
`index/text/lexicons/`, each naming where its lists come from. Stemming is Snowball's
(PyStemmer), for the languages it has a stemmer for; Azerbaijani has none, and its file lists
the case endings names take."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).with_name("lexicons")


@dataclass(frozen=True)
class Lexicon:
    """One language's word lists; a list the language has no use for is empty."""

    code: str
    name: str
    sources: dict[str, str]  # where each list comes from
    stopwords: frozenset[str] = frozenset()
    subjectless: frozenset[str] = frozenset()  # beside the stopwords: nothing of a subject
    question_words: frozenset[str] = frozenset()
    question_openers: frozenset[str] = frozenset()
    not_person: frozenset[str] = frozenset()  # capitalised words that name no person
    asking: tuple[str, ...] = ()  # the words a request is made of ("tell me about")
    case_endings: tuple[str, ...] = ()  # the longest first
    typed_words: frozenset[str] = frozenset()  # the language typed in plain Latin letters
    typed_stems: tuple[str, ...] = ()
    typed_endings: tuple[str, ...] = ()
    stemmer: str | None = None  # Snowball's algorithm for the language, where it has one
    # Snowball's algorithm keyword search stems the language's words by (`index.text.analysis`)
    keyword_stemmer: str | None = None
    # Regular expressions of time words: "relative" by what they name ("last year"), what
    # asks for what is new ("recent"), and what else a request for news is made of.
    relative_times: dict[str, str] = field(default_factory=dict)
    recent: str = ""
    news_request: str = ""

    def stem(self, word: str) -> str:
        """``word`` (lower case) without its ending, by Snowball's stemmer; as it is for a
        language without one."""
        return _stem(self.code, word) if self.stemmer else word


LANGUAGES = ("en", "ru", "az", "zh")  # in the order their patterns are tried


@cache
def lexicon(code: str) -> Lexicon:
    """The lexicon of ``code`` (en, ru, az, zh), read once."""
    data: dict[str, Any] = json.loads((FOLDER / f"{code}.json").read_text("utf-8"))

    def words(key: str) -> frozenset[str]:
        return frozenset(data.get(key, ()))

    def ordered(key: str) -> tuple[str, ...]:
        return tuple(data.get(key, ()))

    time: dict[str, Any] = data.get("time", {})

    return Lexicon(
        code=code,
        name=data["language"],
        sources=dict(data["sources"]),
        stopwords=words("stopwords"),
        subjectless=words("subjectless"),
        question_words=words("question_words"),
        question_openers=words("question_openers"),
        not_person=words("not_person"),
        asking=ordered("asking"),
        case_endings=ordered("case_endings"),
        typed_words=words("typed_words"),
        typed_stems=ordered("typed_stems"),
        typed_endings=ordered("typed_endings"),
        stemmer=data.get("stemmer"),
        keyword_stemmer=data.get("keyword_stemmer", data.get("stemmer")),
        relative_times=dict(time.get("relative", {})),
        recent=time.get("recent", ""),
        news_request=time.get("news_request", ""),
    )


_STEMMING = threading.Lock()  # a Snowball stemmer is not to be shared between threads at once


def _stem(code: str, word: str) -> str:
    return snowball(lexicon(code).stemmer or "", word)


@lru_cache(maxsize=65536)  # the corpus's words come back sentence after sentence
def snowball(algorithm: str, word: str) -> str:
    """``word`` stemmed by Snowball's ``algorithm`` ("russian", "turkish"…)."""
    with _STEMMING:
        found: str = _stemmer(algorithm).stemWord(word)
    return found


@cache
def _stemmer(algorithm: str) -> Any:
    import Stemmer  # PyStemmer

    return Stemmer.Stemmer(algorithm)
