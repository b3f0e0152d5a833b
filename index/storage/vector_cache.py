"""The vector cache: every model's vector of every text ever embedded, keyed by the text's
hash, so unchanged text is never embedded again. Passages and their sentences share it."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection, Iterable, Sequence

import numpy as np

from index.models.embedder import Vectors
from index.storage.sql import run_in, select_in


def text_hash(text: str) -> str:
    """The key of a text's vector in the embedding cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _matrix(blobs: Sequence[bytes], dimension: int) -> Vectors:
    """Stored vectors as the rows of one matrix."""
    matrix = np.zeros((len(blobs), dimension), dtype=np.float32)
    for i, blob in enumerate(blobs):
        matrix[i] = np.frombuffer(blob, dtype=np.float32)
    return matrix


class VectorCache:
    """The ``embeddings`` table of a store, and what reads it."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def _has_sentences(self) -> bool:
        """False for a store written before sentences were kept."""
        return bool(
            self._db.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sentences'"
            ).fetchone()[0]
        )

    def missing(
        self,
        model: str,
        sentences: bool = False,
        passage_ids: Sequence[int] | None = None,
        english_only: bool = False,
    ) -> set[str]:
        """Hashes of passage texts (or, with ``sentences``, of sentences) that have no vector
        from ``model`` yet: among the given passages', or all when None; with
        ``english_only``, the sentences of English passages alone."""
        table, key, column = (
            ("sentences", "passage_id", "sha") if sentences else ("passages", "id", "embed_sha")
        )
        sql = (
            f"SELECT DISTINCT t.{column} FROM {table} t WHERE NOT EXISTS "
            f"(SELECT 1 FROM embeddings e WHERE e.model = ? AND e.sha = t.{column})"
        )
        if sentences and english_only:
            sql += " AND t.passage_id IN (SELECT id FROM passages WHERE language = 'en')"
        if passage_ids is None:
            rows = list(self._db.execute(sql, (model,)))
        else:
            rows = select_in(
                self._db, sql + f" AND t.{key} IN ({{marks}})", [model, *passage_ids], fixed=1
            )
        return {row[0] for row in rows}

    def sentence_vectors(
        self, model: str, passage_ids: Sequence[int], dimension: int
    ) -> dict[int, tuple[list[tuple[int, int]], Vectors]]:
        """Each passage's sentence spans with their ``model`` vectors, in order.

        A passage is left out where a sentence has no vector from ``model`` (or the store
        has no sentences): the caller embeds its sentences itself.
        """
        if not self._has_sentences():
            return {}
        rows = select_in(
            self._db,
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
            else "SELECT p.embed_sha, f.embedded FROM passages p JOIN passages_fts f "
            "ON f.rowid = p.id WHERE p.embed_sha IN ({marks})"
        )
        return {row[0]: row[1] for row in select_in(self._db, sql, shas)}

    def put(self, model: str, shas: Sequence[str], vectors: Vectors) -> None:
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
            rows = select_in(
                self._db, query + " WHERE p.id IN ({marks})", [model, *passage_ids], fixed=1
            )
        return [int(row[0]) for row in rows], _matrix([blob for _, blob in rows], dimension)

    def prune(self, candidates: Collection[str] | None = None) -> int:
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
            pruned += run_in(self._db, sql, [model, *candidates], fixed=1)
        return pruned

    def hashes(self, article_ids: Sequence[str]) -> set[str]:
        """The hashes of the passages and sentences of some articles: what keys their vectors."""
        passages = select_in(
            self._db, "SELECT embed_sha FROM passages WHERE article_id IN ({marks})", article_ids
        )
        sentences = select_in(
            self._db,
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

    def drop(self, models: Iterable[str]) -> None:
        """Drop every cached vector of ``models``."""
        self._db.executemany("DELETE FROM embeddings WHERE model = ?", [(m,) for m in models])
