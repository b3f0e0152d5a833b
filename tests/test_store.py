from __future__ import annotations

import sqlite3
from pathlib import Path

from index.store import Store


def indexes(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    finally:
        db.close()


def test_store_copy_gives_an_older_store_the_embedding_hash_index(tmp_path: Path) -> None:
    """Without it, finding the texts to embed scanned every passage once per 500."""
    Store.create(tmp_path / "old.sqlite").close()
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("DROP INDEX passages_by_embed_sha")  # as stores were written before it
    db.commit()
    db.close()
    Store.copy(tmp_path / "old.sqlite", tmp_path / "new.sqlite").close()
    assert "passages_by_embed_sha" in indexes(tmp_path / "new.sqlite")
    assert "passages_by_embed_sha" not in indexes(tmp_path / "old.sqlite")  # left as it was
