"""The SQLite store inside an index version: files, articles, paragraphs, passages; its
vector cache (`store.cache`) and keyword search (`store.keywords`) read the same file.

Passage ids are the FAISS ids. They come from AUTOINCREMENT, so an id is never reused for a
different passage, and an id held by a chat button keeps meaning what it meant.
Vectors are cached by the hash of the text that was embedded: unchanged text is never
embedded again. A passage's sentences (where each starts and ends in its text) have vectors
too, in the same cache: the sentence shown in bold is then found without running a model.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import IndexCorrupt
from index.records import Article, Passage
from index.storage.keywords import KeywordSearch
from index.storage.schema import SCHEMA, SENTENCES_SCHEMA
from index.storage.sql import select_in
from index.storage.vector_cache import VectorCache, text_hash
from index.text.analysis import indexed
from index.text.language import text_language

# A vector row (1.5 KB) is too big for a 4 KB page of a WITHOUT ROWID table, so each took an
# overflow page of its own: 4.7 KB a vector. With 16 KB pages it is 1.6 KB (a 100k-passage
# store 2.1 GB -> 0.86 GB).
PAGE_SIZE = 16384
ARTICLE_COLUMNS = "id, relpath, title, source, published, url, language, authors"


@dataclass(frozen=True)
class FileRow:
    """What the last build saw of one corpus file and what it made of it."""

    relpath: str
    size: int
    mtime_ns: int
    sha: str
    status: str
    article_id: str | None = None
    content_sha: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class StoredPassage:
    """A passage row joined with what a citation needs of its article."""

    id: int
    article_id: str
    seq: int
    first_paragraph: int
    last_paragraph: int
    text: str
    context: str | None
    title: str
    source: str | None
    published: str | None
    url: str | None


def _article(row: Sequence[Any], paragraphs: tuple[str, ...]) -> Article:
    """An article from a row of ARTICLE_COLUMNS."""
    return Article(
        id=row[0],
        path=row[1],
        title=row[2],
        source=row[3],
        published=row[4],
        url=row[5],
        language=row[6],
        authors=tuple(json.loads(row[7])),
        paragraphs=paragraphs,
    )


class Store:
    """A thin typed layer over one SQLite file."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._db.execute("PRAGMA foreign_keys = ON")
        self.keywords = KeywordSearch(connection)
        self.cache = VectorCache(connection)
        # False for a store written before sentences were kept (see `copy`).
        self.has_sentences: bool = (
            self._db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sentences'"
            ).fetchone()[0]
            > 0
        )

    @classmethod
    def create(cls, path: Path) -> Store:
        """A new, empty store at ``path``."""
        store = cls(sqlite3.connect(path))
        store._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before the first table
        store._db.executescript(SCHEMA)
        store.has_sentences = True
        return store

    @classmethod
    def copy(cls, source: Path, path: Path) -> Store:
        """A writable copy of the store at ``source``, which no one writes any more (a
        published version): a plain file copy, 4-8x quicker than SQLite's backup API.

        Raises:
            IndexCorrupt: ``source`` is missing or not a citebot store.
        """
        cls.open(source).close()
        shutil.copyfile(source, path)
        target = sqlite3.connect(path)
        # Stores written before this index existed get it now (without it, finding the text
        # of k passages by hash scanned every passage per chunk: quadratic at a million).
        target.execute("CREATE INDEX IF NOT EXISTS passages_by_embed_sha ON passages (embed_sha)")
        if target.execute("PRAGMA page_size").fetchone()[0] < PAGE_SIZE:  # an older store
            target.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            target.execute("VACUUM")  # once: rewritten with the new page size
        copied = cls(target)
        if not copied.has_sentences:  # the builder records them (`passages_without_sentences`)
            target.executescript(SENTENCES_SCHEMA)
            copied.has_sentences = True
        return copied

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open an existing store read-only; safe to share between threads.

        Raises:
            IndexCorrupt: the file is missing or not a citebot store.
        """
        if not path.is_file():
            raise IndexCorrupt(f"the index store {path} is missing")
        try:
            connection = sqlite3.connect(
                f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            connection.execute("SELECT count(*) FROM passages").fetchone()
        except sqlite3.DatabaseError as error:
            raise IndexCorrupt(f"the index store {path} is damaged ({error})") from None
        return cls(connection)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._db:
            yield

    # files ---------------------------------------------------------------------------------

    def files(self) -> dict[str, FileRow]:
        rows = self._db.execute(
            "SELECT relpath, size, mtime_ns, sha, status, article_id, content_sha, message "
            "FROM files"
        )
        return {row[0]: FileRow(*row) for row in rows}

    def replace_files(self, rows: Iterable[FileRow]) -> None:
        self._db.execute("DELETE FROM files")
        self._db.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.relpath,
                    r.size,
                    r.mtime_ns,
                    r.sha,
                    r.status,
                    r.article_id,
                    r.content_sha,
                    r.message,
                )
                for r in rows
            ],
        )

    # articles and passages -----------------------------------------------------------------

    def article_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM articles")}

    def add_article(
        self,
        article: Article,
        passages: Sequence[Passage],
        embedded: Sequence[str],
        sentences: Sequence[Sequence[tuple[int, int]]],
    ) -> list[int]:
        """Insert an article with its paragraphs and passages; returns the new passage ids.

        ``embedded`` is the text embedded for each passage; it is also what keyword search
        matches, and its hash keys the vector cache. ``sentences`` are the spans of each
        passage's sentences in its text.
        """
        embed_shas = [text_hash(text) for text in embedded]
        self._db.execute(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.path,
                article.title,
                article.source,
                article.published,
                article.url,
                article.language,
                json.dumps(list(article.authors)),
            ),
        )
        self._db.executemany(
            "INSERT INTO paragraphs VALUES (?, ?, ?)",
            [(article.id, n, text) for n, text in enumerate(article.paragraphs, 1)],
        )
        ids = []
        for passage, sha, text in zip(passages, embed_shas, embedded, strict=True):
            language = text_language(text)
            cursor = self._db.execute(
                "INSERT INTO passages (article_id, seq, first_paragraph, last_paragraph, text, "
                "context, embed_sha, language) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    passage.seq,
                    passage.first_paragraph,
                    passage.last_paragraph,
                    passage.text,
                    passage.context,
                    sha,
                    language,
                ),
            )
            ids.append(int(cursor.lastrowid or 0))
            self._db.execute(
                "INSERT INTO passages_fts (rowid, text, embedded) VALUES (?, ?, ?)",
                (ids[-1], indexed(text, language), text),
            )
        for passage_id, passage, spans in zip(ids, passages, sentences, strict=True):
            self.add_sentences(passage_id, passage.text, spans)
        return ids

    def add_sentences(self, passage_id: int, text: str, spans: Sequence[tuple[int, int]]) -> None:
        """Record where the sentences of a passage (whose text is ``text``) start and end."""
        self._db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?)",
            [(passage_id, a, b, text_hash(text[a:b])) for a, b in spans],
        )

    def drop_sentences(self) -> None:
        """Forget every passage's sentences (their vectors go with `prune_embeddings`)."""
        self._db.execute("DELETE FROM sentences")

    def passages_without_sentences(self) -> list[tuple[int, str]]:
        """(id, text) of passages with no sentence recorded (built without them); read whole,
        as the caller records their sentences in the same connection."""
        rows = self._db.execute(
            "SELECT id, text FROM passages p WHERE NOT EXISTS "
            "(SELECT 1 FROM sentences s WHERE s.passage_id = p.id)"
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    def languages(self, ids: Sequence[int] | None = None) -> dict[int, str]:
        """The language of each passage of ``ids`` (`text_language`, read when it was
        stored), or of every passage."""
        query = "SELECT id, language FROM passages"
        rows: Iterable[Any] = (
            self._db.execute(query)
            if ids is None
            else select_in(self._db, query + " WHERE id IN ({marks})", ids)
        )
        return {int(row[0]): str(row[1]) for row in rows}

    def remove_article(self, article_id: str) -> list[int]:
        """Delete an article with its paragraphs and passages; returns the removed passage ids."""
        ids = [
            row[0]
            for row in self._db.execute(
                "SELECT id FROM passages WHERE article_id = ?", (article_id,)
            )
        ]
        self._db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        self._db.executemany("DELETE FROM passages_fts WHERE rowid = ?", [(i,) for i in ids])
        return ids

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, with their article's citation fields; unknown ids are left out."""
        rows = select_in(
            self._db,
            "SELECT p.id, p.article_id, p.seq, p.first_paragraph, p.last_paragraph, p.text, "
            "p.context, a.title, a.source, a.published, a.url FROM passages p "
            "JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            ids,
        )
        return {row[0]: StoredPassage(*row) for row in rows}

    def leads(self, article_ids: Sequence[str]) -> dict[str, int]:
        """Each article's first passage's id, by article id (those without passages left
        out)."""
        rows = select_in(
            self._db,
            "SELECT article_id, id FROM passages WHERE article_id IN ({marks}) ORDER BY seq",
            article_ids,
        )
        leads: dict[str, int] = {}
        for article_id, passage_id in rows:  # in order: the first of each is its lead
            leads.setdefault(article_id, passage_id)
        return leads

    def article(self, article_id: str) -> Article | None:
        row = self._db.execute(
            f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            return None
        paragraphs = tuple(
            text
            for (text,) in self._db.execute(
                "SELECT text FROM paragraphs WHERE article_id = ? ORDER BY number", (article_id,)
            )
        )
        return _article(row, paragraphs)

    def articles(self) -> list[Article]:
        """Every article (without paragraphs), by id."""
        rows = self._db.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY id")
        return [_article(row, ()) for row in rows]

    def counts(self) -> tuple[int, int]:
        """(articles, passages)."""
        articles = self._db.execute("SELECT count(*) FROM articles").fetchone()[0]
        passages = self._db.execute("SELECT count(*) FROM passages").fetchone()[0]
        return int(articles), int(passages)

    def check(self) -> str:
        """SQLite's own integrity verdict: ``ok`` or what is wrong."""
        return str(self._db.execute("PRAGMA quick_check").fetchone()[0])
