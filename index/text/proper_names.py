"""Names in the articles that the glossary has no entry for: what a maintainer adds to it as
the corpus grows (`citebot glossary`), so that questions in other languages find them too.
And the names an English question asks about (`asked_names`), which the engine looks for in
the articles: a question about a name none of them mentions is one they cannot answer.

A name is a run of capitalised words ("Liu Jianchao", "Shanghai Cooperation Organisation"),
read from English articles. A capitalised word that the corpus also writes in lower case, or
only ever at the start of a sentence, is a word, not a name ("The", "However", "Declaration");
months, weekdays, titles and directions are no names either. Names of the corpus's subject
itself, which the topic rule lists ("China", "Azerbaijani"), are left out: nearly every
passage holds them, so they tell keyword search nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from index.ingest.topic import TopicRule
from index.records import Article
from index.text.chunker import split_sentences
from index.text.glossary import Glossary
from index.text.sentences import passage_sentences
from index.text.words import NAME_CHAR, NAME_TOKEN, QUESTION_OPENERS, WORD, asks_about_names

_CAPITALISED = rf"[A-Z]{NAME_CHAR}*"
# Capitalised words, with the small words names hold between them ("Institute of Foreign
# Affairs", "Belt and Road").
_RUN = re.compile(rf"{_CAPITALISED}(?:\s+(?:(?:of|the|for|de|and)\s+)?{_CAPITALISED})*")
_SMALL = frozenset({"of", "the", "for", "de", "and"})
_TRAILING = re.compile(r"(?:’s|'s|[’'-])$")
# Capitalised without being names, or too general to translate.
_NOT_NAMES = frozenset(
    " ".join(
        (
            "january february march april may june july august september october november",
            "december monday tuesday wednesday thursday friday saturday sunday",
            "mr ms mrs dr president presidents minister ambassador prime deputy chairman",
            "secretary charge affaires",
            "general director head i’ve i'm east west north south eastern western english",
            "q1 q2 q3 q4 h1 h2",  # quarters and halves of a year, in "What grew in Q1?"
        )
    ).split()
)


# What an office's name can't start with: "Did Russia's president", "President Aliyev's".
_OPENERS_AND_TITLES = QUESTION_OPENERS | _NOT_NAMES
# The small words a name holds inside ("Bank of China"); "and" parts two in a question
# ("Uzbekistan and Kazakhstan": "Belt and Road" is then two words the articles hold).
_JOINING = _SMALL - {"and"}


# Offices that stand for the person holding them, where a place or body is named with them.
_TITLES = (
    r"(?i:president|premier|minister|ambassador|envoy|consul|king|queen|chancellor|emir|"
    r"sultan|mayor|governor|spokesman|spokeswoman|spokesperson)s?"
)
# What an office's title may be qualified by: "foreign minister", "deputy prime minister".
_QUALIFIER = (
    r"(?:(?i:deputy|vice|prime|foreign|former|new|current|late|first|defen[cs]e|economy|"
    r"energy|trade|finance|interior|education|culture|health|transport)\s+){0,2}"
)
# "Russia", "Bank of China": four words at most, so a run of capitalised words costs a
# bounded look at each (a question is read in linear time).
_NAMED = r"[A-Z][\w-]*(?:\s+(?:of\s+)?[A-Z][\w-]*){0,3}"
_HOLDER_NEXT = r"(?!\s+[A-Z])"  # not "president Xi": then the holder is named
# "Russia's president", "the Russian foreign minister", "the president of Russia".
_OFFICE_OF_POSSESSOR = re.compile(
    rf"\b(?P<name>{_NAMED}(?:’s|'s))\s+{_QUALIFIER}(?P<title>{_TITLES})\b{_HOLDER_NEXT}"
)
_OFFICE_OF_ADJECTIVE = re.compile(
    rf"\b(?P<name>[A-Z][a-z]+)\s+{_QUALIFIER}(?P<title>{_TITLES})\b{_HOLDER_NEXT}"
)
_OFFICE_OF_PLACE = re.compile(
    rf"\b{_QUALIFIER}(?P<title>{_TITLES})\s+of\s+(?:the\s+)?(?P<name>{_NAMED})"
)
_OFFICES = (_OFFICE_OF_POSSESSOR, _OFFICE_OF_ADJECTIVE, _OFFICE_OF_PLACE)


# The words a passage may name an office by, for each title a question may use: a
# diplomat is "China's envoy" to one and "China's chargé d'affaires" to another.
_DIPLOMATS = ("ambassador", "envoy", "consul", "charge", "diplomat", "representative")
_HEADS = ("president", "leader", "head", "king", "queen", "emir", "sultan")
_GOVERNMENT = ("minister", "premier", "chancellor", "ministry", "government")
_SPOKESPEOPLE = ("spokesman", "spokeswoman", "spokesperson", "ministry")
_NAMED_BY = {
    **dict.fromkeys(("ambassador", "envoy", "consul"), _DIPLOMATS),
    **dict.fromkeys(("president", "king", "queen", "emir", "sultan"), _HEADS),
    **dict.fromkeys(("minister", "premier", "chancellor"), _GOVERNMENT),
    **dict.fromkeys(("spokesman", "spokeswoman", "spokesperson"), _SPOKESPEOPLE),
}


@dataclass(frozen=True)
class Office:
    """An office a question asks about without naming who holds it (`asked_offices`)."""

    text: str  # as the question words it: "Russia's president"
    name: str  # what holds the office: "Russia"
    title: str  # "president"

    @property
    def named_by(self) -> tuple[str, ...]:
        """The words a passage may name this office by: its title, or one of the same kind
        ("envoy" for an ambassador, "leader" for a president)."""
        title = self.title.casefold().removesuffix("s")
        return _NAMED_BY.get(title, (title,))


@dataclass(frozen=True)
class Name:
    """A name the glossary lacks, with how many paragraphs mention it."""

    text: str
    paragraphs: int


def lacking(articles: Iterable[Article], glossary: Glossary, topic_rule: Path) -> list[Name]:
    """`unglossed`, with the names of the topic rule at ``topic_rule`` as the subject.

    Raises:
        ConfigError: the topic rule is not one.
    """
    return unglossed(articles, glossary, subject_names(topic_rule))


def subject_names(topic_rule: Path) -> list[str]:
    """The corpus's own names, as the topic rule at ``topic_rule`` lists them (none where
    there is no rule).

    Raises:
        ConfigError: the topic rule is not one.
    """
    groups = TopicRule.load(topic_rule).groups.values() if topic_rule.exists() else []
    return [name for names in groups for name in names]


def unglossed(
    articles: Iterable[Article], glossary: Glossary, subject: Iterable[str] = ()
) -> list[Name]:
    """The names of the English ``articles`` that no glossary term's English holds, the most
    mentioned first (ties by name). ``subject``: the corpus's own names, as the topic rule
    lists them (stems: "Azerbaijan" covers "Azerbaijani")."""
    paragraphs = [p for a in articles if (a.language or "en") == "en" for p in a.paragraphs]
    sentences = [[p[a:b] for a, b in passage_sentences(p)] for p in paragraphs]
    stems = tuple(w.casefold() for name in subject for w in WORD.findall(name))
    known = {w.casefold() for english, _ in glossary.terms for w in WORD.findall(english)}
    lowered = {w for p in paragraphs for w in WORD.findall(p) if w.islower()}
    inner = {  # capitalised words seen where they don't start a sentence
        _TRAILING.sub("", match.group())
        for paragraph in sentences
        for sentence in paragraph
        for match in re.finditer(_CAPITALISED, sentence)
        if not _starts(sentence, match.start())
    }
    counts: Counter[str] = Counter()
    for paragraph in sentences:
        names = (n for sentence in paragraph for n in _names(sentence, lowered, inner))
        counts.update({name for name in names if not _glossed(name, known, stems)})
    return [Name(text, n) for text, n in sorted(counts.items(), key=lambda c: (-c[1], c[0]))]


def asked_names(question: str, lookup: bool = False) -> list[str]:
    """The names an English question asks about: its runs of capitalised words, acronyms and
    codes, without titles, months and weekdays ("What did President Macron say about 5G?" ->
    Macron, 5G). The word a sentence opens with counts only where it can be nothing but a
    name: an acronym or a code ("BYD", "5G"), not "Which" or "Nuclear".

    None for a statement: only a question ("…?", or one opening with a question word or a
    request) asks about a name, or a ``lookup`` of a few words ("Aliyev Putin") not ending
    in a full stop. A statement searched for evidence (a claim) is matched as a whole, and
    a name in it that the articles spell another way ("IFIT1" for "IFIT-1") must not keep
    the rest from finding its passage.
    """
    text = question.strip()
    if not asks_about_names(text, lookup):
        return []
    names: list[str] = []
    for sentence in split_sentences(text):
        run: list[str] = []
        after = 0  # where the word before ended
        for at, match in enumerate(NAME_TOKEN.finditer(sentence)):
            token, word = match.group(), _TRAILING.sub("", match.group())
            if sentence[after : match.start()].strip():  # a comma, a bracket: a new name
                names += [" ".join(piece) for piece in _trimmed(run)]
                run = []
            after = match.end()
            if _name_like(word, opens=at == 0) or (run and word in _JOINING and _joins(run)):
                run.append(token)
                continue
            names += [" ".join(piece) for piece in _trimmed(run)]
            run = []
        names += [" ".join(piece) for piece in _trimmed(run)]
    return list(dict.fromkeys(names))


def asked_offices(question: str, lookup: bool = False) -> list[Office]:
    """The offices of a named place or body that an English question asks about without
    naming who holds them: "Russia's president", "the president of Russia", "the Turkish
    foreign minister". Such an office stands for a person, as a name does: the articles
    answer "What did Aliyev say about Russia's president?" only where one of them names the
    office, whatever they say of Aliyev, of Russia and of presidents apart. An office
    followed by its holder's name ("China's president Xi Jinping") is not one: the name is
    what is asked about. Read from questions and lookups only, as `asked_names`."""
    text = question.strip()
    if not asks_about_names(text, lookup):
        return []
    found = (
        _office(sentence, match, pattern is _OFFICE_OF_PLACE)
        for sentence in split_sentences(text)
        for pattern in _OFFICES
        for match in pattern.finditer(sentence)
        if pattern is not _OFFICE_OF_ADJECTIVE or not _starts(sentence, match.start())
    )  # a sentence's first word is no name: "Nuclear minister…"
    return list(dict.fromkeys(office for office in found if office is not None))


def _office(sentence: str, match: re.Match[str], title_first: bool) -> Office | None:
    """The office ``match`` found in ``sentence``, its name starting past a question's
    opener or a title ("Did Russia's president"); None where nothing else is left."""
    name = match.group("name")
    for word in NAME_TOKEN.finditer(name):
        if _TRAILING.sub("", word.group()).casefold() not in _OPENERS_AND_TITLES:
            start = match.start() if title_first else match.start("name") + word.start()
            named = " ".join(_TRAILING.sub("", name[word.start() :]).split())
            return Office(sentence[start : match.end()].strip(), named, match.group("title"))
    return None


def _name_like(word: str, opens: bool) -> bool:
    """A capitalised word, an acronym or a code ("Macron", "BRICS", "COP29", "iPhone",
    "5G"), but no figure with an ending ("2020s", "22nd"); where it opens its sentence, only
    an acronym or a code."""
    if not word:
        return False
    if word[0].isdigit():
        return any(c.isupper() for c in word)
    coded = any(c.isupper() for c in word[1:]) or any(c.isdigit() for c in word)
    return coded or (not opens and word[0].isupper())


def _joins(run: list[str]) -> bool:
    """Whether a small word ("of") can join the name ``run`` ends with to the next: not
    after an acronym, which is then what is asked about ("the GDP of Azerbaijan", "the CEO of
    BYD"), where a name of words holds it ("Bank of China")."""
    last = _TRAILING.sub("", run[-1])
    return not (len(last) > 1 and last.isupper() and last.isalpha())


def _trimmed(run: list[str]) -> Iterable[list[str]]:
    """A run of name-like words as names: parted at titles and possessives (`_pieces`),
    without small words at either end."""
    for piece in _pieces(run):
        while piece and piece[0] in _SMALL:
            piece.pop(0)
        while piece and piece[-1] in _SMALL:
            piece.pop()
        if piece:
            yield piece


def _starts(sentence: str, at: int) -> bool:
    """Whether the word at ``at`` starts its sentence: nothing in lower case before it there
    ("Q.: Tell us" starts with "Tell")."""
    return not any(c.islower() for c in sentence[:at])


def _names(sentence: str, lowered: set[str], inner: set[str]) -> Iterable[str]:
    for match in _RUN.finditer(sentence):
        words = match.group().split()
        if _starts(sentence, match.start()) and _TRAILING.sub("", words[0]) not in inner:
            words = words[1:]  # a word that only ever starts a sentence
        for piece in _pieces(words):
            while piece and _not_a_name(piece[0], lowered):
                piece.pop(0)
            while piece and _not_a_name(piece[-1], lowered):
                piece.pop()
            if len(piece) > 1 or (piece and len(piece[0]) > 1):
                yield " ".join(piece)


def _pieces(words: list[str]) -> Iterable[list[str]]:
    """A run of capitalised words as the names in it: titles and compounds part them
    ("Chinese President Xi Jinping"), a possessive ends one ("China’s BYD"), and "and"
    parts two names of several words ("Xi Jinping and Ilham Aliyev", not "Belt and Road")."""
    piece: list[str] = []
    for word in [*words, "president"]:  # a title at the end parts off the last name
        name = _TRAILING.sub("", word)
        if name.lower() in _NOT_NAMES or _compound(name):
            yield from _and_parted(piece)
            piece = []
            continue
        piece.append(name)
        if name != word:  # a possessive, or a trailing mark
            yield from _and_parted(piece)
            piece = []


def _and_parted(piece: list[str]) -> Iterable[list[str]]:
    if "and" in piece:
        at = piece.index("and")
        if at > 1 or len(piece) - at > 2:
            yield piece[:at]
            yield from _and_parted(piece[at + 1 :])
            return
    yield piece


def _not_a_name(word: str, lowered: set[str]) -> bool:
    """Whether a name can't start or end with ``word``: a word the corpus writes in lower
    case too, or one names hold inside ("of")."""
    return word.lower() in lowered or word.lower() in _SMALL


def _compound(word: str) -> bool:
    """A compound with a word: "English-language", "Chinese-led"."""
    return any(part.islower() for part in word.split("-")[1:])


def _glossed(name: str, known: set[str], subject: tuple[str, ...]) -> bool:
    """Whether the glossary's English holds every word of ``name`` not of the corpus's
    subject (the small ones aside), or the surname of a two-word name ("Ilham Aliyev")."""
    words = [w.casefold() for w in WORD.findall(name)]
    if len(words) == 2 and words[1] in known:
        return True
    return all(w in known or w in _SMALL or w.startswith(subject) for w in words)
