"""Keyword search: BM25 over the catalogue's full-text table (SQLite FTS5)."""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Sequence

from index.storage.sql import select_in
from index.text.words import ASKING, QUESTION_WORDS, STOPWORDS, WORD, is_question

NAME_WORDS = 4  # the words of a name `mentions` looks for, at most (each costs a few lookups)
COUNTS_KEPT = 50_000  # words whose passages `_holding` keeps counted (a few MB)
NEAR_WORDS = 10  # how far apart `near` finds two words (FTS5's own default)
_STAN = re.compile(r"i?stan$")


class KeywordSearch:
    """BM25 over the embedded text of every passage, for a store that no longer changes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._counts: dict[str, int] = {}  # word -> passages holding it, up to half (`_holding`)
        self._passage_count: int | None = None  # `_passages`, counted once
        self._vocabulary = False  # its words' table (FTS5's vocabulary), made on first use

    def search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score) for passages sharing words with ``query``, best first.

        Each word is quoted, so no character of the question can be FTS5 syntax. Words found
        in half the passages or more are left out: BM25 gives them no weight (FTS5 clamps
        their IDF to 1e-6), yet every passage holding one had to be scored, which made a
        search over 100,000 passages take 100 ms. How common a word is, is counted once per
        store, so this is for a store that no longer changes (a published version).
        """
        found = WORD.findall(query)
        # Stopwords match nearly every passage: they slow the search and add nothing to it.
        # A question's own words ("what", "did", "how") are its grammar, not its subject:
        # news prose seldom says "did", so BM25 would weigh it as a rare word.
        grammar = STOPWORDS | QUESTION_WORDS if is_question(query) else STOPWORDS
        words = [word for word in found if word.lower() not in grammar] or found
        words = [word for word in dict.fromkeys(words) if not self._is_common(word)]
        if not words:
            return []
        match = " OR ".join(_quoted(word) for word in words)
        rows = self._db.execute(
            "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ? "
            "ORDER BY bm25(passages_fts) LIMIT ?",
            (match, limit),
        )
        return [(int(row[0]), float(row[1])) for row in rows]

    def holding_all(self, words: Sequence[str], among: Sequence[int]) -> set[int]:
        """Those of ``among`` that hold every one of ``words`` (as BM25 reads words: stemmed,
        case and diacritics ignored; `lookup_words` gives them). Words in half the passages
        or more are left out, as in `search`; if none is left, none holds them."""
        kept = [word for word in words if not self._is_common(word)]
        if not kept:
            return set()
        rows = select_in(
            self._db,
            "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN ({marks})",
            [" AND ".join(_quoted(word) for word in kept), *among],
            fixed=1,
        )
        return {int(row[0]) for row in rows}

    def mentions(self, name: str) -> bool:
        """Whether a passage holds a word of ``name`` as BM25 reads words (stemmed, case and
        diacritics ignored), a word starting with it ("COP" of "COP 29" in "COP29"), the
        words it is an acronym of ("NAM"), or a word a letter or two from it, as a
        misspelling is ("Aliyv", "Azerbajan"). Letters alone and figures alone tell nothing:
        a name of nothing else counts as mentioned."""
        words = [w for w in WORD.findall(name) if len(w) > 1 and not w.isdigit()][:NAME_WORDS]
        return not words or any(
            self._holds(w) or self._spelled_out(w) or self._near(w) for w in words
        )

    def near(self, names: Sequence[str], word: str, within: int = NEAR_WORDS) -> bool:
        """Whether a passage holds ``word`` (or a word it starts: "presidents") within
        ``within`` words of a word starting as one of ``names`` does, its last letters aside
        ("Russia" finds "Russian", "Chinese" finds "China")."""
        stems = {_family(name) for name in names[:NAME_WORDS] if len(name) > 1}
        return any(
            self._matches(f"NEAR({_quoted(stem)} * {_quoted(word)} *, {within})") for stem in stems
        )

    def _spelled_out(self, word: str) -> bool:
        """Whether ``word`` is an acronym of words a passage holds in a row: "NAM" of
        "Non-Aligned Movement", "CCP" of "Chinese Communist Party". Of three letters or more:
        two words in a row starting "e" and "u" are in any text."""
        if not (3 <= len(word) <= 6 and word.isupper() and word.isalpha()):
            return False
        return self._matches(" + ".join(f"{_quoted(letter.lower())} *" for letter in word))

    def _holds(self, word: str) -> bool:
        """Whether a passage holds ``word``, or of three letters or more, a word it starts
        (two would be "un" of "unusual")."""
        return self._matches(_quoted(word) + (" *" if len(word) >= 3 else ""))

    def _matches(self, query: str) -> bool:
        """Whether any passage matches the FTS5 ``query``."""
        row = self._db.execute(
            "SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? LIMIT 1", (query,)
        ).fetchone()
        return row is not None

    def _near(self, word: str) -> bool:
        """Whether a word of the passages (a stem, as FTS5 keeps them) is one edit from
        ``word`` (two from a word of eight letters or more). Only words sharing its first two
        letters are compared, a few hundred even in a large corpus; a misspelling seldom
        starts wrong."""
        typed = word.casefold()
        most = 2 if len(typed) >= 8 else 1 if len(typed) >= 5 else 0
        if not most:
            return False
        if not self._vocabulary:
            self._db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab "
                "USING fts5vocab('main', 'passages_fts', 'row')"
            )
            self._vocabulary = True
        start = typed[:2]
        rows = self._db.execute(
            "SELECT term FROM temp.passages_vocab WHERE term >= ? AND term < ?",
            (start, start[:-1] + chr(ord(start[-1]) + 1)),
        )
        return any(
            abs(len(term) - len(typed)) <= most and edits(term, typed, most) <= most
            for (term,) in rows
        )

    def rarity(self, word: str) -> float:
        """How rare ``word`` is among the passages (as BM25 reads words): the log of the
        passages over those holding it; log 2 for a word half of them or more hold, the
        most for one none holds."""
        total = self._passages()
        return math.log((total + 1) / (self._holding(word) + 0.5))

    def _is_common(self, word: str) -> bool:
        total = self._passages()
        return total > 0 and self._holding(word) >= (total + 1) // 2

    def _holding(self, word: str) -> int:
        """The passages holding ``word``, counted up to half of them (FTS5's IDF is <= 0
        from there on, and a common word then costs no full scan); kept per word."""
        key = word.casefold()
        holding = self._counts.get(key)
        if holding is None:
            if len(self._counts) >= COUNTS_KEPT:  # a bot up for months meets endless words
                self._counts.clear()
            holding = self._counts[key] = self._db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? "
                "LIMIT ?)",
                (_quoted(word), (self._passages() + 1) // 2),
            ).fetchone()[0]
        return holding

    def _passages(self) -> int:
        if self._passage_count is None:
            (self._passage_count,) = self._db.execute("SELECT count(*) FROM passages").fetchone()
        return self._passage_count


def lookup_words(query: str, most: int | None = None) -> list[str]:
    """The words of ``query`` besides those a request is made of (`ASKING`), once each: what
    a lookup ("BYD", "tell me about the Zangezur corridor") looks for. None where there are
    more than ``most``: that is a question, not a lookup."""
    found = (w.casefold() for w in WORD.findall(query))
    words = list(dict.fromkeys(w for w in found if w not in ASKING and len(w) > 1))
    return words if most is None or len(words) <= most else []


def edits(a: str, b: str, most: int) -> int:
    """The Levenshtein distance between ``a`` and ``b``, or ``most + 1`` once it exceeds
    ``most``."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        if min(current) > most:
            return most + 1
        previous = current
    return min(previous[-1], most + 1)


def _family(name: str) -> str:
    """What words of ``name``'s family start with: all but its last three letters, four at
    least ("russ" of Russia and Russian, "chin" of China and Chinese), and of a country
    named "-stan", what comes before it ("uzbek" of Uzbekistan and Uzbek)."""
    folded = name.casefold()
    folded = _STAN.sub("", folded) if len(folded) > 7 else folded
    return folded[: max(4, len(folded) - 3)] if len(folded) > 5 else folded


def _quoted(word: str) -> str:
    """``word`` as one FTS5 string, so none of its characters is query syntax."""
    return '"' + word.replace('"', '""') + '"'
