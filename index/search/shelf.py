"""One index version's store, read by many threads: every read behind one lock, and what
never changes in a version (its articles, each passage's language and length) read once."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from index.records import Article, ArticleRef, Hit
from index.storage.catalog import Store, StoredPassage
from index.text.chunker import count_words
from index.text.words import WORD

Sentences = tuple[list[tuple[int, int]], Any]  # a passage's sentence spans and their vectors


class Shelf:
    """The store of the version an engine serves; thread-safe."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._articles: list[Article] | None = None
        self._credited: frozenset[str] | None = None
        self._words: dict[int, int] = {}  # passage id -> its length in words
        self._languages: dict[int, str] = {}  # passage id -> its language
        self._every_language = False  # every passage's language read

    def close(self) -> None:
        self._store.close()

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        with self._lock:
            return self._store.passages(ids)

    def article(self, article_id: str) -> Article | None:
        with self._lock:
            return self._store.article(article_id)

    def articles(self) -> list[Article]:
        """Every article's metadata (paragraphs left out), read on first use and kept."""
        with self._lock:
            if self._articles is None:
                self._articles = self._store.articles()
            return list(self._articles)

    def leads(self, article_ids: Sequence[str]) -> dict[str, int]:
        with self._lock:
            return self._store.leads(article_ids)

    def keyword_search(self, text: str, limit: int) -> list[tuple[int, float]]:
        with self._lock:
            return self._store.keywords.search(text, limit)

    def holding_all(self, words: Sequence[str], among: Sequence[int]) -> set[int]:
        with self._lock:
            return self._store.keywords.holding_all(words, among)

    def mentions(self, name: str) -> bool:
        with self._lock:
            return self._store.keywords.mentions(name)

    def near(self, names: Sequence[str], word: str) -> bool:
        with self._lock:
            return self._store.keywords.near(names, word)

    def rarity(self, word: str) -> float:
        with self._lock:
            return self._store.keywords.rarity(word)

    def sentence_vectors(
        self, model_id: str, ids: Sequence[int], dimension: int
    ) -> dict[int, Sentences]:
        with self._lock:
            return self._store.cache.sentence_vectors(model_id, ids, dimension)

    def credited(self) -> frozenset[str]:
        """The words of the articles' outlets and authors, casefolded (read once)."""
        if self._credited is None:
            self._credited = frozenset(
                word.casefold()
                for article in self.articles()
                for who in (article.source or "", *article.authors)
                for word in WORD.findall(who)
            )
        return self._credited

    def shapes(self, ids: Sequence[int]) -> dict[int, tuple[bool, int]]:
        """For each passage: whether it is in a language other than English, and its length
        in words (as the chunker counts them); the unseen ones read in one query, kept."""
        with self._lock:
            self._read([pid for pid in ids if pid not in self._words])
            return {pid: (self._languages.get(pid, "en") != "en", self._words[pid]) for pid in ids}

    def languages(self, ids: Sequence[int] | None = None) -> dict[int, str]:
        """The language of each passage of ``ids``, or of every passage, as the build read
        it (`Store.languages`); each read once and kept."""
        with self._lock:
            if ids is None:
                if not self._every_language:
                    self._languages.update(self._store.languages())
                    self._every_language = True
                return self._languages
            self._read_languages(ids)
            return {pid: self._languages[pid] for pid in ids if pid in self._languages}

    def _read(self, unknown: Sequence[int]) -> None:
        """Each passage's length and language, for those of ``unknown`` (lock held)."""
        rows = self._store.passages(unknown) if unknown else {}
        for pid in unknown:
            row = rows.get(pid)
            self._words[pid] = count_words(row.text if row is not None else "")
        self._read_languages(unknown)

    def _read_languages(self, ids: Sequence[int]) -> None:
        unknown = [pid for pid in ids if pid not in self._languages]
        if unknown and not self._every_language:
            self._languages.update(self._store.languages(unknown))

    def foreign(self, ids: Sequence[int]) -> set[int]:
        """The passages of ``ids`` in a language other than English."""
        return {pid for pid, (other, _) in self.shapes(ids).items() if other}


def as_hit(row: StoredPassage, score: float = 0.0, rank: int = 0) -> Hit:
    """A stored passage as a hit with its citation."""
    article = ArticleRef(row.article_id, row.title, row.source, row.published, row.url)
    paragraphs = (row.first_paragraph, row.last_paragraph)
    return Hit(rank, score, row.text, article, paragraphs, row.id, row.context)
