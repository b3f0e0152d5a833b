"""Which names a question asks about that no article mentions: the articles cannot answer a
question about something none of them names, however near their passages come to the rest
of it ("What did Aliyev say about Macron?": they say much about what Aliyev said)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from index.search.query import Query
from index.search.shelf import Shelf
from index.text.foreign_names import asked_foreign_names
from index.text.glossary import Glossary
from index.text.language import plain
from index.text.proper_names import Office, asked_names, asked_offices, subject_names
from index.text.words import WORD

# The names of a question looked for, at most: each costs a few lookups, and a question of
# nothing but capitalised words must not cost hundreds.
NAMES_READ = 8


class Mentions:
    """Reads a question's names against one index version's articles."""

    def __init__(self, shelf: Shelf, glossary: Glossary, topic_rule: Path) -> None:
        self._shelf = shelf
        self._glossary = glossary
        # The topic rule's names, casefolded: stems ("Кита" of Китае).
        self.subject = tuple(plain(name).casefold() for name in subject_names(topic_rule))
        self.unmentioned = lru_cache(maxsize=256)(self._unmentioned)

    def _unmentioned(self, query: Query) -> tuple[str, ...]:
        """The names ``query`` asks about that no article mentions.

        In English (`asked_names`): "What did Aliyev say about Macron?" -> ("Macron",). A
        name counts as mentioned where a passage holds one of its words or a misspelling of
        one ("Aliyv"), an article's outlet or author names it, or the glossary knows it
        ("Aliev" as Aliyev, "PRC" as China). An office named by what holds it ("Russia's
        president"; `asked_offices`) counts as a name, mentioned where a passage holds its
        title near that name (`_unheld`).

        In Russian, Azerbaijani or Chinese, the names as written there
        (`asked_foreign_names`), each mentioned where the glossary knows it, the topic rule
        names it, or a passage holds it in English letters (`_unheld_abroad`).
        """
        lookup = bool(query.lookup)
        if query.language != "en":
            return self._unheld_abroad(query.written, query.language, lookup)
        names = asked_names(query.text, lookup)[:NAMES_READ]
        offices = asked_offices(query.text, lookup)[:NAMES_READ]
        if not names and not offices:
            return ()
        credited = self._shelf.credited()
        missing = [
            name
            for name in names
            if not {w.casefold() for w in WORD.findall(name)} & credited
            and not self._shelf.mentions(name)
        ]
        # Read last: the glossary's patterns load the Chinese converter on first use.
        missing = [name for name in missing if not self._glossary.knows(name)]
        return (*missing, *self._unheld(offices, missing))

    def _unheld_abroad(self, text: str, language: str, lookup: bool) -> tuple[str, ...]:
        """The names a question in ``language`` asks about that no article mentions: the
        glossary knows none (`ForeignName.glossed`), they start with none of the topic
        rule's names ("Китае", "Azərbaycanda"), and no passage holds them, or their stem, in
        English letters ("Путиным": Putinym, Putin). None without a glossary or a topic
        rule: the corpus's own names are then known in no other script ("Китай" is no
        "Kitay" to the articles), and such questions are left to the thresholds."""
        if not self._glossary.terms or not self.subject:
            return ()
        credited = self._shelf.credited()
        missing = []
        for name in asked_foreign_names(text, language, lookup)[:NAMES_READ]:
            if name.glossed(self._glossary) or self._of_subject(name.text):
                continue
            forms = name.english
            if {w.casefold() for f in forms for w in WORD.findall(f)} & credited:
                continue
            if not any(self._shelf.mentions(form) for form in forms):
                missing.append(name.text)
        return tuple(missing)

    def _of_subject(self, name: str) -> bool:
        """Whether ``name`` starts with one of the topic rule's names, or a word of it does."""
        folded = plain(name).casefold()
        words = WORD.findall(folded)
        return any(
            folded.startswith(subject) or (" " not in subject and w.startswith(subject))
            for subject in self.subject
            for w in words
        )

    def _unheld(self, offices: Sequence[Office], missing: Sequence[str]) -> list[str]:
        """The ``offices`` no passage names: none holds the title, or one of its kind
        ("envoy" for an ambassador: `Office.named_by`), near the name of what holds it, in
        any form the glossary knows it by ("PRC" as China). An office of a name already
        ``missing`` is not repeated."""
        absent = {w for name in missing for w in WORD.findall(name)}
        found = []
        for office in offices:
            words = WORD.findall(office.name)
            if absent & set(words):
                continue
            forms = [
                *words,
                *(w for e in self._glossary.english(office.name) for w in WORD.findall(e)),
            ]
            if not any(self._shelf.near(forms, t) for t in office.named_by):
                found.append(office.text)
        return found
