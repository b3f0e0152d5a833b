"""The SQLite store inside an index version: files, articles, paragraphs, passages, vectors.

Passage ids are the FAISS ids. They come from AUTOINCREMENT, so an id is never reused for a
different passage, and an id held by a chat button keeps meaning what it meant.
Vectors are cached by the hash of the text that was embedded: unchanged text is never
embedded again. A passage's sentences (where each starts and ends in its text) have vectors
too, in the same cache: the sentence shown in bold is then found without running a model.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import IndexCorrupt
from index.models.embedder import Vectors
from index.records import Article, Passage
from index.text.words import STOPWORDS

_WORD = re.compile(r"\w+")
_IN_CHUNK = 500  # SQLite limits the number of bound parameters in one statement
# A vector row (1.5 KB) is too big for a 4 KB page of a WITHOUT ROWID table, so each took an
# overflow page of its own: 4.7 KB a vector. With 16 KB pages it is 1.6 KB (a 100k-passage
# store 2.1 GB -> 0.86 GB).
PAGE_SIZE = 16384
ARTICLE_COLUMNS = "id, relpath, title, source, published, url, language, authors"

SCHEMA = """
CREATE TABLE files (
    relpath TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('indexed', 'duplicate', 'skipped')),
    article_id TEXT,
    content_sha TEXT,
    message TEXT
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    relpath TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT,
    published TEXT,
    url TEXT,
    language TEXT,
    authors TEXT NOT NULL
);
CREATE TABLE paragraphs (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (article_id, number)
) WITHOUT ROWID;
CREATE TABLE passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    first_paragraph INTEGER NOT NULL,
    last_paragraph INTEGER NOT NULL,
    text TEXT NOT NULL,
    context TEXT,
    embed_sha TEXT NOT NULL
);
CREATE INDEX passages_by_article ON passages (article_id, seq);
CREATE INDEX passages_by_embed_sha ON passages (embed_sha);
CREATE VIRTUAL TABLE passages_fts USING fts5 (
    text,
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TABLE sentences (
    passage_id INTEGER NOT NULL REFERENCES passages (id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    stop INTEGER NOT NULL,
    sha TEXT NOT NULL,
    PRIMARY KEY (passage_id, start)
) WITHOUT ROWID;
CREATE INDEX sentences_by_sha ON sentences (sha);
CREATE TABLE embeddings (
    model TEXT NOT NULL,
    sha TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model, sha)
) WITHOUT ROWID;
"""

_SENTENCES_SCHEMA = SCHEMA[
    SCHEMA.index("CREATE TABLE sentences") : SCHEMA.index("CREATE TABLE embeddings")
]


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


def text_hash(text: str) -> str:
    """The key of a text's vector in the embedding cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _matrix(blobs: Sequence[bytes], dimension: int) -> Vectors:
    """Stored vectors as the rows of one matrix."""
    matrix = np.zeros((len(blobs), dimension), dtype=np.float32)
    for i, blob in enumerate(blobs):
        matrix[i] = np.frombuffer(blob, dtype=np.float32)
    return matrix


def _quoted(word: str) -> str:
    """``word`` as one FTS5 string, so none of its characters is query syntax."""
    return '"' + word.replace('"', '""') + '"'


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
        self._common: dict[str, bool] = {}  # word -> in half the passages or more
        self._passage_count: int | None = None  # for `_is_common`, counted once
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
            target.executescript(_SENTENCES_SCHEMA)
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
            cursor = self._db.execute(
                "INSERT INTO passages (article_id, seq, first_paragraph, last_paragraph, text, "
                "context, embed_sha) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    article.id,
                    passage.seq,
                    passage.first_paragraph,
                    passage.last_paragraph,
                    passage.text,
                    passage.context,
                    sha,
                ),
            )
            ids.append(int(cursor.lastrowid or 0))
            self._db.execute(
                "INSERT INTO passages_fts (rowid, text) VALUES (?, ?)", (ids[-1], text)
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

    def keyword_search(self, query: str, limit: int) -> list[tuple[int, float]]:
        """(passage id, BM25 score) for passages sharing words with ``query``, best first.

        Each word is quoted, so no character of the question can be FTS5 syntax. Words found
        in half the passages or more are left out: BM25 gives them no weight (FTS5 clamps
        their IDF to 1e-6), yet every passage holding one had to be scored, which made a
        search over 100,000 passages take 100 ms. How common a word is, is counted once per
        store, so this is for a store that no longer changes (a published version).
        """
        found = _WORD.findall(query)
        # Stopwords match nearly every passage: they slow the search and add nothing to it.
        words = [word for word in found if word.lower() not in STOPWORDS] or found
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

    def _is_common(self, word: str) -> bool:
        key = word.casefold()
        common = self._common.get(key)
        if common is None:
            if self._passage_count is None:
                (self._passage_count,) = self._db.execute(
                    "SELECT count(*) FROM passages"
                ).fetchone()
            total = self._passage_count
            half = (total + 1) // 2  # FTS5's IDF is <= 0 from n >= total / 2 on
            holding = self._db.execute(
                "SELECT count(*) FROM (SELECT 1 FROM passages_fts WHERE passages_fts MATCH ? "
                "LIMIT ?)",  # stops counting at half: a common word costs no full scan
                (_quoted(word), half),
            ).fetchone()[0]
            common = self._common[key] = total > 0 and holding >= half
        return common

    def passages(self, ids: Sequence[int]) -> dict[int, StoredPassage]:
        """Passages by id, with their article's citation fields; unknown ids are left out."""
        rows = self._select_in(
            "SELECT p.id, p.article_id, p.seq, p.first_paragraph, p.last_paragraph, p.text, "
            "p.context, a.title, a.source, a.published, a.url FROM passages p "
            "JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
            ids,
        )
        return {row[0]: StoredPassage(*row) for row in rows}

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

    # embeddings ----------------------------------------------------------------------------

    def missing_embeddings(
        self, model: str, sentences: bool = False, passage_ids: Sequence[int] | None = None
    ) -> set[str]:
        """Hashes of passage texts (or, with ``sentences``, of sentences) that have no vector
        from ``model`` yet: among the given passages', or all when None."""
        table, key, column = (
            ("sentences", "passage_id", "sha") if sentences else ("passages", "id", "embed_sha")
        )
        sql = (
            f"SELECT DISTINCT t.{column} FROM {table} t WHERE NOT EXISTS "
            f"(SELECT 1 FROM embeddings e WHERE e.model = ? AND e.sha = t.{column})"
        )
        if passage_ids is None:
            rows = list(self._db.execute(sql, (model,)))
        else:
            rows = self._select_in(
                sql + f" AND t.{key} IN ({{marks}})", [model, *passage_ids], fixed=1
            )
        return {row[0] for row in rows}

    def sentence_vectors(
        self, model: str, passage_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[list[tuple[int, int]], Vectors]]:
        """Each passage's sentence spans with their ``model`` vectors, in order.

        A passage is left out where a sentence has no vector from ``model`` (or the store
        has no sentences): the caller embeds its sentences itself.
        """
        if not self.has_sentences:
            return {}
        rows = self._select_in(
            "SELECT s.passage_id, s.start, s.stop, e.vector FROM sentences s "
            "LEFT JOIN embeddings e ON e.sha = s.sha AND e.model = ? "
            "WHERE s.passage_id IN ({marks})",
            [model, *passage_ids],
            fixed=1,
        )
        grouped: dict[int, list[tuple[int, int, bytes | None]]] = {}
        for passage_id, start, stop, blob in rows:
            grouped.setdefault(passage_id, []).append((start, stop, blob))
        found = {}
        for passage_id, sentences in grouped.items():
            if any(blob is None for _, _, blob in sentences):
                continue
            sentences.sort()
            matrix = _matrix([blob or b"" for _, _, blob in sentences], dimension)
            found[passage_id] = ([(a, b) for a, b, _ in sentences], matrix)
        return found

    def embedded_texts(self, shas: Sequence[str], sentences: bool = False) -> dict[str, str]:
        """The embedded text of passages by hash (kept in the full-text table); with
        ``sentences``, of sentences (cut from their passage's text)."""
        sql = (
            "SELECT s.sha, substr(p.text, s.start + 1, s.stop - s.start) FROM sentences s "
            "JOIN passages p ON p.id = s.passage_id WHERE s.sha IN ({marks})"
            if sentences
            else "SELECT p.embed_sha, f.text FROM passages p JOIN passages_fts f "
            "ON f.rowid = p.id WHERE p.embed_sha IN ({marks})"
        )
        return {row[0]: row[1] for row in self._select_in(sql, shas)}

    def put_embeddings(self, model: str, shas: Sequence[str], vectors: Vectors) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
            [
                (model, sha, vector.astype(np.float32).tobytes())
                for sha, vector in zip(shas, vectors, strict=True)
            ],
        )

    def vectors(
        self, model: str, passage_ids: Sequence[int] | None, dimension: int
    ) -> tuple[list[int], Vectors]:
        """Passage ids with their ``model`` vectors: those given, or all when None."""
        query = (  # CROSS JOIN: passages first (SQLite otherwise may scan every vector)
            "SELECT p.id, e.vector FROM passages p CROSS JOIN embeddings e "
            "ON e.sha = p.embed_sha AND e.model = ?"
        )
        if passage_ids is None:
            rows = list(self._db.execute(query + " ORDER BY p.id", (model,)))
        else:
            rows = self._select_in(
                query + " WHERE p.id IN ({marks})", [model, *passage_ids], fixed=1
            )
        return [int(row[0]) for row in rows], _matrix([blob for _, blob in rows], dimension)

    def prune_embeddings(self, candidates: Collection[str] | None = None) -> int:
        """Drop cached vectors no passage or sentence uses any more; returns how many.

        ``candidates``: the only hashes that may have lost their last user (see `hashes`),
        so a million vectors are not all checked after one article went; None: check all.
        """
        unused = (
            "NOT EXISTS (SELECT 1 FROM passages p WHERE p.embed_sha = embeddings.sha) AND "
            "NOT EXISTS (SELECT 1 FROM sentences s WHERE s.sha = embeddings.sha)"
        )
        if candidates is None:
            return self._db.execute(f"DELETE FROM embeddings WHERE {unused}").rowcount
        pruned = 0
        for model in self._models():
            sql = f"DELETE FROM embeddings WHERE model = ? AND sha IN ({{marks}}) AND {unused}"
            pruned += self._run_in(sql, [model, *candidates], fixed=1)
        return pruned

    def hashes(self, article_ids: Sequence[str]) -> set[str]:
        """The hashes of the passages and sentences of some articles: what keys their vectors."""
        passages = self._select_in(
            "SELECT embed_sha FROM passages WHERE article_id IN ({marks})", article_ids
        )
        sentences = self._select_in(
            "SELECT s.sha FROM passages p JOIN sentences s ON s.passage_id = p.id "
            "WHERE p.article_id IN ({marks})",
            article_ids,
        )
        return {row[0] for row in passages + sentences}

    def _models(self) -> list[str]:
        """The models with cached vectors, one index probe each (not a scan of the vectors)."""
        rows = self._db.execute(
            "WITH RECURSIVE m(model) AS (SELECT min(model) FROM embeddings UNION ALL "
            "SELECT (SELECT min(model) FROM embeddings WHERE model > m.model) FROM m "
            "WHERE m.model IS NOT NULL) SELECT model FROM m WHERE model IS NOT NULL"
        )
        return [row[0] for row in rows]

    def drop_embeddings(self, models: Iterable[str]) -> None:
        """Drop every cached vector of ``models``."""
        self._db.executemany("DELETE FROM embeddings WHERE model = ?", [(m,) for m in models])

    def _select_in(self, sql: str, values: Sequence[Any], fixed: int = 0) -> list[Any]:
        """Run ``sql``, whose ``{marks}`` is an IN list, over ``values`` in bounded chunks.

        The first ``fixed`` values are parameters that come before the list, in every chunk.
        """
        rows: list[Any] = []
        for cursor in self._chunks(sql, values, fixed):
            rows.extend(cursor)
        return rows

    def _run_in(self, sql: str, values: Sequence[Any], fixed: int = 0) -> int:
        """`_select_in` for a statement that changes rows; returns how many it changed."""
        return sum(cursor.rowcount for cursor in self._chunks(sql, values, fixed))

    def _chunks(self, sql: str, values: Sequence[Any], fixed: int) -> Iterator[sqlite3.Cursor]:
        head, values = list(values[:fixed]), list(values[fixed:])
        for start in range(0, len(values), _IN_CHUNK):
            chunk = values[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield self._db.execute(sql.format(marks=marks), head + chunk)

    def check(self) -> str:
        """SQLite's own integrity verdict: ``ok`` or what is wrong."""
        return str(self._db.execute("PRAGMA quick_check").fetchone()[0])
