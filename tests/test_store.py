from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from index.records import Article, Passage
from index.storage.catalog import PAGE_SIZE, Store
from index.storage.vector_cache import text_hash
from index.text.sentences import passage_sentences


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


TEXT = "Баку и Пекин 🚄 подписали. 中阿关系很好。 Then <b>&amp; more</b>.\n\nA second paragraph."


def store_with_one_passage(path: Path) -> tuple[Store, int]:
    store = Store.create(path)
    article = Article(id="a", title="T", paragraphs=tuple(TEXT.split("\n\n")))
    passage = Passage("a", 0, 1, 2, TEXT, None)
    with store.transaction():
        (passage_id,) = store.add_article(article, [passage], [TEXT], [passage_sentences(TEXT)])
    return store, passage_id


def test_sentence_texts_are_cut_where_python_cuts_them(tmp_path: Path) -> None:
    """SQLite's substr counts characters as Python does, emoji and CJK included."""
    store, _ = store_with_one_passage(tmp_path / "s.sqlite")
    spans = passage_sentences(TEXT)
    assert len(spans) >= 3
    wanted = {text_hash(TEXT[a:b]): TEXT[a:b] for a, b in spans}
    assert store.cache.embedded_texts(list(wanted), sentences=True) == wanted
    assert store.cache.missing("m", sentences=True) == set(wanted)


def test_sentence_vectors_come_back_in_order_only_when_all_are_embedded(tmp_path: Path) -> None:
    store, passage_id = store_with_one_passage(tmp_path / "s.sqlite")
    spans = passage_sentences(TEXT)
    shas = [text_hash(TEXT[a:b]) for a, b in spans]
    matrix = np.eye(len(spans), 4, dtype=np.float32)
    store.cache.put("m", shas[:-1], matrix[:-1])
    assert store.cache.sentence_vectors("m", [passage_id], 4) == {}  # one missing: embed them all
    store.cache.put("m", shas[-1:], matrix[-1:])
    found, vectors = store.cache.sentence_vectors("m", [passage_id], 4)[passage_id]
    assert found == spans and np.array_equal(vectors, matrix)
    assert store.cache.prune() == 0  # sentences keep their vectors
    with store.transaction():
        store.remove_article("a")
    assert store.cache.prune() == len(set(shas))
    store.close()


def test_store_copy_of_a_store_without_sentences_adds_the_table(tmp_path: Path) -> None:
    old, _ = store_with_one_passage(tmp_path / "old.sqlite")
    old.close()
    db = sqlite3.connect(tmp_path / "old.sqlite")
    db.execute("DROP TABLE sentences")  # as stores were written before sentences were kept
    db.commit()
    db.close()
    assert not Store.open(tmp_path / "old.sqlite").has_sentences
    copy = Store.copy(tmp_path / "old.sqlite", tmp_path / "new.sqlite")
    assert copy.has_sentences
    assert list(copy.passages_without_sentences()) == [(1, TEXT)]
    copy.close()


def test_pruning_the_vectors_of_a_removed_article_keeps_those_still_used(tmp_path: Path) -> None:
    store, _ = store_with_one_passage(tmp_path / "s.sqlite")
    spans = passage_sentences(TEXT)
    shas = [text_hash(TEXT[a:b]) for a, b in spans] + [text_hash(TEXT)]
    for model in ("m1", "m2"):
        store.cache.put(model, shas, np.eye(len(shas), 4, dtype=np.float32))
    other = "A second paragraph. Nothing else."  # shares one sentence with the first article
    with store.transaction():
        (kept,) = store.add_article(
            Article(id="b", title="B", paragraphs=(other,)),
            [Passage("b", 0, 1, 1, other, None)],
            [other],
            [passage_sentences(other)],
        )
        orphans = store.cache.hashes(["a"])
        assert orphans == set(shas)
        store.remove_article("a")
    assert store.cache.missing("m1", passage_ids=[kept]) == {text_hash(other)}
    assert store.cache.prune(orphans) == 2 * (len(shas) - 1)  # both models'
    assert store.cache.missing("m1", sentences=True) == {text_hash("Nothing else.")}
    store.close()


def page_size(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA page_size").fetchone()[0])
    finally:
        db.close()


def test_stores_have_pages_that_hold_a_vector_and_older_ones_get_them_on_copy(
    tmp_path: Path,
) -> None:
    """With 4 KB pages every 1.5 KB vector took an overflow page: stores were 3x larger."""
    store, _ = store_with_one_passage(tmp_path / "new.sqlite")
    store.close()
    assert page_size(tmp_path / "new.sqlite") == PAGE_SIZE
    db = sqlite3.connect(tmp_path / "new.sqlite")
    db.execute("PRAGMA page_size = 4096")
    db.execute("VACUUM")  # as stores were written before
    db.close()
    assert page_size(tmp_path / "new.sqlite") == 4096
    Store.copy(tmp_path / "new.sqlite", tmp_path / "copy.sqlite").close()
    assert page_size(tmp_path / "copy.sqlite") == PAGE_SIZE
    copy = Store.open(tmp_path / "copy.sqlite")
    assert copy.article("a") is not None and copy.check() == "ok"
    copy.close()
