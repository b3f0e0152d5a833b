from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import pytest

from index.errors import BuildInProgress, ConfigError, CorpusError, IndexCorrupt
from index.indexer.builder import build, status
from index.models.embedder import Progress, Vectors
from index.search.engine import Engine
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import Store
from index.text.corpus import parse_article
from tests.conftest import RAIL, REPO, TRADE, settings_for, write_article
from tests.fakes import FakeEmbedder

TEXTS = 3 + 4  # what the fixture corpus has to embed: 3 passages, 4 sentences


def versions(settings: Settings) -> list[str]:
    return sorted(p.name for p in layout.versions_dir(settings.index_dir).iterdir())


def answer_sources(settings: Settings, fake: FakeEmbedder, question: str) -> list[str]:
    engine = Engine.open(settings, embedder=fake)
    try:
        return [hit.article.id for hit in engine.search(question, 10)]
    finally:
        engine.close()


def test_build_first_time_embeds_every_passage(settings: Settings, fake: FakeEmbedder) -> None:
    report = build(settings, embedder=fake)
    assert (report.changed, report.full, report.articles) == (True, True, 3)
    assert report.embedded == report.passages == 3
    assert len(fake.embedded) == TEXTS  # with their sentences
    assert report.added == ("culture", "rail", "trade")


def test_build_with_nothing_changed_embeds_nothing_and_writes_nothing(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    before = versions(settings)
    report = build(settings, embedder=fake)
    assert not report.changed
    assert len(fake.embedded) == TEXTS
    assert versions(settings) == before


def test_build_after_touching_a_file_reembeds_nothing(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    os.utime(corpus / "trade.md", ns=(1, 1))
    report = build(settings, embedder=fake)
    assert report.embedded == 0 and report.updated == ()
    assert not build(settings, embedder=fake).changed


def test_build_edited_article_costs_only_its_changed_passages(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    write_article(corpus, "rail.md", RAIL.replace("twelve days", "eleven days"))
    report = build(settings, embedder=fake)
    assert report.updated == ("rail",) and report.added == ()
    assert report.embedded == 1 and report.reused == 0
    assert "eleven days" in fake.embedded[-1]
    assert "rail" in answer_sources(settings, fake, "eleven days train")


def test_build_deleted_article_disappears_from_answers(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    assert "trade" in answer_sources(settings, fake, "crude oil exports trade")
    (corpus / "trade.md").unlink()
    report = build(settings, embedder=fake)
    assert report.removed == ("trade",) and report.articles == 2
    assert "trade" not in answer_sources(settings, fake, "crude oil exports trade")


def test_build_same_article_twice_is_indexed_once_with_a_warning(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    shutil.copy(corpus / "trade.md", corpus / "trade-copy.md")
    report = build(settings, embedder=fake)
    assert report.articles == 3
    assert [str(d) for d in report.duplicates] == [
        "trade.md: same text as trade-copy.md; indexed once"
    ]
    (corpus / "trade-copy.md").unlink()  # the copy that was indexed goes; the other takes over
    report = build(settings, embedder=fake)
    assert (report.articles, report.added, report.removed) == (3, ("trade",), ("trade-copy",))
    assert report.embedded == 0  # same text: the cached vectors serve


def test_build_skips_bad_files_and_indexes_the_rest(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    write_article(corpus, "broken.md", "---\ntitle: [oops\n---\ntext")
    (corpus / "latin1.txt").write_bytes(b"Title\n\ncaf\xe9")
    (corpus / "empty.md").write_text("---\ntitle: Empty\n---\n\n  \n")
    report = build(settings, embedder=fake)
    assert report.articles == 3
    assert {s.relpath for s in report.skipped} == {"broken.md", "latin1.txt", "empty.md"}
    again = build(settings, embedder=fake)
    assert not again.changed and len(again.skipped) == 3  # still reported, nothing rebuilt


def test_build_skips_hostile_files_with_a_warning_and_affects_nothing_else(
    settings: Settings, fake: FakeEmbedder, corpus: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\n\nThe password is hunter2.\n")
    (corpus / "binary.md").write_bytes(bytes(range(256)) * 40)
    (corpus / "nul.txt").write_bytes(b"Title\n\nHello\x00world")
    (corpus / "escape.md").symlink_to(outside / "secret.md")
    (corpus / "escape-dir").symlink_to(outside, target_is_directory=True)
    (corpus / "loop.md").symlink_to(corpus / "loop.md")
    (corpus / "dangling.md").symlink_to(tmp_path / "nowhere.md")
    os.mkfifo(corpus / "pipe.md")  # reading it would block forever
    (corpus / "folder.md").mkdir()
    write_article(corpus, "title-list.md", "---\ntitle: [a, b]\n---\n\nSome text here.\n")
    write_article(corpus, "bad-date.md", "---\ntitle: T\npublished: 2024-13-45\n---\n\nText.\n")
    write_article(corpus, "not-a-map.md", "---\n- just\n- a list\n---\n\nText.\n")
    write_article(corpus, "long-line.md", "---\ntitle: Long\n---\n\n" + "word " * 10_000 + "\n")
    report = build(settings, embedder=fake)
    skipped = {s.relpath: s.reason for s in report.skipped}
    assert set(skipped) == {
        *("binary.md", "nul.txt", "escape.md", "escape-dir", "loop.md", "dangling.md"),
        *("pipe.md", "title-list.md", "bad-date.md", "not-a-map.md"),
    }
    assert "leads in a circle" in skipped["loop.md"]
    assert "month must be in 1..12" in skipped["bad-date.md"]
    assert report.articles == 4  # the three good ones and the long line
    engine = Engine.open(settings, embedder=fake)
    try:
        titles = {a.title for a in engine.articles()}
        assert titles >= {"Long"} and "Secret" not in titles
        assert not any("hunter2" in hit.text for hit in engine.rank("password hunter2", 10))
        assert "trade" in {hit.article.id for hit in engine.search("crude oil exports trade")}
    finally:
        engine.close()


def test_build_empty_corpus_fails_and_keeps_the_previous_index(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    for path in corpus.iterdir():
        path.unlink()
    with pytest.raises(CorpusError, match="has no articles"):
        build(settings, embedder=fake)
    assert "trade" in answer_sources(settings, fake, "crude oil exports trade")


def test_build_only_unreadable_files_fails_clearly(tmp_path: Path, fake: FakeEmbedder) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.md").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError, match=r"none of the files.*binary"):
        build(settings_for(tmp_path / "c", tmp_path / "i"), embedder=fake)


def test_build_missing_corpus_folder_fails_clearly(tmp_path: Path, fake: FakeEmbedder) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        build(settings_for(tmp_path / "nope", tmp_path / "i"), embedder=fake)


def built_with_one_more_article(
    settings: Settings, model: FakeEmbedder, corpus: Path
) -> list[str]:
    """Build, then add an article to the corpus; returns the versions that build left."""
    build(settings, embedder=model)
    before = versions(settings)
    write_article(corpus, "new.md", TRADE.replace("a fifth", "a third"))
    return before


def test_build_that_fails_midway_leaves_the_previous_index_serving(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    before = built_with_one_more_article(settings, fake, corpus)
    fake.fail_after = len(fake.embedded)
    with pytest.raises(RuntimeError, match="broke down"):
        build(settings, embedder=fake)
    assert versions(settings) == before  # no half-built version left behind
    assert "new" not in answer_sources(settings, fake, "grew by a third")
    fake.fail_after = None
    assert build(settings, embedder=fake).added == ("new",)


class StopAfterFirstBatch(FakeEmbedder):
    """Sets ``stop`` once it has embedded something, as Ctrl-C during embedding would."""

    def __init__(self, stop: threading.Event) -> None:
        super().__init__()
        self.stop = stop

    def embed_passages(self, texts: Sequence[str], progress: Progress | None = None) -> Vectors:
        self.stop.set()
        return super().embed_passages(texts, progress)


def test_build_told_to_stop_while_embedding_publishes_nothing(
    settings: Settings, corpus: Path
) -> None:
    stop = threading.Event()
    model = StopAfterFirstBatch(stop)
    before = built_with_one_more_article(settings, FakeEmbedder(model_id=model.model_id), corpus)
    with pytest.raises(KeyboardInterrupt):
        build(settings, embedder=model, stop=stop)
    assert versions(settings) == before
    assert "new" not in answer_sources(settings, model, "grew by a third")


def test_build_stopped_after_a_lost_ctrl_c_publishes_nothing(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    """The flag alone stops a build: a KeyboardInterrupt can be dropped by Python."""
    before = built_with_one_more_article(settings, fake, corpus)
    stop = threading.Event()
    stop.set()
    with pytest.raises(KeyboardInterrupt):
        build(settings, embedder=fake, stop=stop)
    assert versions(settings) == before
    assert build(settings, embedder=fake).added == ("new",)


def test_build_refuses_to_run_twice_at_once(settings: Settings, fake: FakeEmbedder) -> None:
    with layout.build_lock(settings.index_dir), pytest.raises(BuildInProgress):
        build(settings, embedder=fake)


def test_build_full_embeds_everything_again(settings: Settings, fake: FakeEmbedder) -> None:
    build(settings, embedder=fake)
    report = build(settings, full=True, embedder=fake)
    assert report.full and report.embedded == 3 and len(fake.embedded) == 2 * TEXTS


def test_build_with_another_main_model_embeds_with_it_and_keeps_the_others_vectors(
    settings: Settings, fake: FakeEmbedder
) -> None:
    multilingual = FakeEmbedder(model_id="fake/multilingual")
    build(settings, embedder=fake, extra=[multilingual])
    other = FakeEmbedder(dimension=128, model_id="fake/other")
    report = build(settings, embedder=other, extra=[multilingual])
    assert report.changed and report.embedded == 3
    assert len(multilingual.embedded) == TEXTS  # not embedded again
    assert "fake/bag-of-words" in report.notes[0]
    engine = Engine.open(settings, other, [multilingual])  # a 128-d index, not the old one
    assert engine.manifest.model_id == "fake/other"
    assert (
        engine.search("Confucius Institutes teach Chinese in Baku", 1)[0].article.id == "culture"
    )
    engine.close()
    build(settings, embedder=other, extra=[])  # multilingual off
    store = Store.open(layout.current_version(settings.index_dir) / layout.STORE_FILE)
    assert len(store.cache.missing("fake/bag-of-words")) == 3  # replaced: dropped
    assert not store.cache.missing("fake/multilingual")  # off, but kept for later
    store.close()
    report = build(settings, embedder=other, extra=[multilingual])
    assert report.changed and len(multilingual.embedded) == TEXTS  # on again: none embedded


def test_build_new_chunk_sizes_rechunk_but_reuse_unchanged_vectors(
    settings: Settings, fake: FakeEmbedder, corpus: Path, tmp_path: Path
) -> None:
    build(settings, embedder=fake)
    resized = settings_for(corpus, tmp_path / "index", min_words=5)
    report = build(resized, embedder=fake)
    assert report.changed and report.updated == ("culture", "rail", "trade")
    assert report.embedded + report.reused == report.passages
    assert report.reused > 0


def test_build_rechunks_an_index_cut_by_an_older_chunker(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    manifest_file = layout.current_version(settings.index_dir) / layout.MANIFEST
    manifest = json.loads(manifest_file.read_text())
    del manifest["chunker"]["algorithm"]  # as written before the chunker had versions
    manifest_file.write_text(json.dumps(manifest))
    report = build(settings, embedder=fake)
    assert report.changed and report.updated == ("culture", "rail", "trade")
    assert report.embedded == 0  # the same passages: their vectors come from the cache


def test_build_recovers_from_a_half_deleted_index(settings: Settings, fake: FakeEmbedder) -> None:
    build(settings, embedder=fake)
    current = layout.current_version(settings.index_dir)
    (current / layout.FAISS_FILE).unlink()
    report = build(settings, embedder=fake)
    # The store is whole: the vector file is made anew from its vectors, nothing re-embedded.
    assert report.changed and "missing passages.faiss" in report.notes[0]
    assert report.embedded == 0
    assert "trade" in answer_sources(settings, fake, "crude oil exports trade")


def test_build_keeps_two_versions_and_cleans_dead_builds(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    (settings.index_dir / "versions" / ".building-dead").mkdir(parents=True)
    for n in range(4):
        write_article(corpus, f"extra{n}.md", TRADE.replace("a fifth", f"{n} percent"))
        build(settings, embedder=fake)
    assert len(versions(settings)) == 2


def test_status_says_when_the_corpus_changed(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    build(settings, embedder=fake)
    assert not status(settings).corpus_changed
    write_article(corpus, "more.md", RAIL.replace("Xi'an", "Chongqing"))
    (corpus / "trade.md").unlink()
    found = status(settings)
    assert (found.corpus_changed, found.pending_changes, found.pending_removals) == (True, 1, 1)
    assert (found.articles, found.passages) == (3, 3)


def test_build_with_a_new_index_type_rebuilds_vectors_without_embedding(
    settings: Settings, fake: FakeEmbedder, corpus: Path, tmp_path: Path
) -> None:
    build(settings, embedder=fake)
    hnsw = settings_for(corpus, tmp_path / "index", CITEBOT_INDEX_TYPE="HNSW16")
    report = build(hnsw, embedder=fake)
    assert report.changed and report.embedded == 0
    engine = Engine.open(hnsw, embedder=fake)
    assert engine.manifest.index_type == "HNSW16"
    assert engine.search("crude oil exports trade")[0].article.id == "trade"
    engine.close()
    write_article(corpus, "more.md", RAIL.replace("Xi'an", "Chongqing"))
    assert build(hnsw, embedder=fake).added == ("more",)


def test_auto_index_type_turns_approximate_past_the_size_limit_without_embedding(
    fake: FakeEmbedder, corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path / "index", CITEBOT_APPROXIMATE_ABOVE="3")
    first = build(settings, embedder=fake)
    assert first.passages == 3 and Engine.open(settings, embedder=fake).manifest.index_type == (
        "Flat"
    )
    write_article(corpus, "more.md", RAIL.replace("Xi'an", "Chongqing"))
    grown = build(settings, embedder=fake)
    assert grown.passages == 4 and grown.embedded == 1  # only the new article is embedded
    engine = Engine.open(settings, embedder=fake)
    assert engine.manifest.index_type == "HNSW32"
    assert engine.search("crude oil exports trade")[0].article.id == "trade"
    engine.close()
    write_article(corpus, "tea.md", RAIL.replace("Xi'an", "Lankaran tea"))
    build(settings, embedder=fake)  # HNSW takes additions in place
    assert "tea" in answer_sources(settings, fake, "Lankaran tea")
    (corpus / "trade.md").unlink()  # but not removals: rebuilt from the stored vectors
    removed = build(settings, embedder=fake)
    assert removed.embedded == 0
    assert "trade" not in answer_sources(settings, fake, "crude oil exports trade")


def test_build_with_an_unknown_index_type_fails_clearly(
    corpus: Path, tmp_path: Path, fake: FakeEmbedder
) -> None:
    bad = settings_for(corpus, tmp_path / "index", CITEBOT_INDEX_TYPE="Nonsense99")
    with pytest.raises(ConfigError, match="CITEBOT_INDEX_TYPE='Nonsense99'"):
        build(bad, embedder=fake)


def test_build_skips_a_huge_file_and_indexes_the_rest(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    with (corpus / "huge.md").open("wb") as handle:
        handle.truncate(50_000_000)  # 50 MB, sparse
    report = build(settings, embedder=fake)
    assert report.articles == 3
    assert [str(s) for s in report.skipped] == [
        "huge.md: 50.0 MB is over the 5 MB limit for one article (CITEBOT_MAX_ARTICLE_BYTES)"
    ]


def twenty_articles_in_hnsw(tmp_path: Path, **env: Any) -> tuple[Path, Settings]:
    corpus = tmp_path / "twenty"
    for n in range(20):
        write_article(corpus, f"a{n:02}.md", f"---\ntitle: T{n}\n---\n\nTopic{n} in Baku {n}.")
    return corpus, settings_for(corpus, tmp_path / "index", CITEBOT_INDEX_TYPE="HNSW32", **env)


def test_removing_from_an_hnsw_index_keeps_the_graph_and_its_searches_skip_the_removed(
    tmp_path: Path, fake: FakeEmbedder
) -> None:
    corpus, settings = twenty_articles_in_hnsw(tmp_path, retrieval="dense")
    build(settings, embedder=fake)
    engine = Engine.open(settings, embedder=fake)
    (gone,) = [hit.passage_id for hit in engine.rank("Topic3", 20) if hit.article.id == "a03"]
    engine.close()
    (corpus / "a03.md").unlink()
    assert build(settings, embedder=fake).removed == ("a03",)
    version = layout.current_version(settings.index_dir)
    assert layout.read_manifest(version).removed == 1
    index = faiss_index.read(version / layout.FAISS_FILE)
    assert index.ntotal == 20  # the graph was kept, with the removed vector in it
    assert gone in [i for i, _ in faiss_index.search(index, fake.embed_queries(["Topic3"])[0], 20)]
    engine = Engine.open(settings, embedder=fake)
    (best,) = engine.rank("T3 Topic3 in Baku 3", 1)  # the removed passage's very words
    assert best.passage_id != gone  # skipped by the search, so the next one is found
    assert len(engine.rank("Topic3", 20)) == 19
    engine.close()
    for name in ("a04.md", "a05.md"):  # 3 of 20 vectors dead: over the share, built anew
        (corpus / name).unlink()
    build(settings, embedder=fake)
    version = layout.current_version(settings.index_dir)
    assert layout.read_manifest(version).removed == 0
    assert faiss_index.read(version / layout.FAISS_FILE).ntotal == 17
    assert not (version / layout.REMOVED_FILE).exists()


def test_an_index_whose_list_of_removed_vectors_is_gone_is_reported_damaged(
    tmp_path: Path, fake: FakeEmbedder
) -> None:
    corpus, settings = twenty_articles_in_hnsw(tmp_path)
    build(settings, embedder=fake)
    (corpus / "a03.md").unlink()
    build(settings, embedder=fake)
    (layout.current_version(settings.index_dir) / layout.REMOVED_FILE).unlink()
    with pytest.raises(IndexCorrupt, match="removed vectors"):
        Engine.open(settings, embedder=fake)
    write_article(corpus, "new.md", "---\ntitle: New\n---\n\nWind farms near Baku.")
    report = build(settings, embedder=fake)  # the next build recovers
    assert report.added == ("new",)
    Engine.open(settings, embedder=fake).close()


def test_an_hnsw_index_is_built_for_recall(tmp_path: Path, fake: FakeEmbedder) -> None:
    """efConstruction 40 (FAISS's default) capped recall@10 at 0.946 on a million vectors."""
    _, settings = twenty_articles_in_hnsw(tmp_path)
    build(settings, embedder=fake)
    index = faiss_index.read(layout.current_version(settings.index_dir) / layout.FAISS_FILE)
    inner: Any = faiss.downcast_index(index.index)
    hnsw = inner.hnsw
    assert (hnsw.efConstruction, hnsw.efSearch) == (80, 128)


def test_removing_from_an_index_that_cant_skip_vectors_builds_it_anew(
    tmp_path: Path, fake: FakeEmbedder
) -> None:
    corpus, hnsw = twenty_articles_in_hnsw(tmp_path)
    settings = replace(hnsw, index_type="IVF2,Flat")
    build(settings, embedder=fake)
    (corpus / "a03.md").unlink()
    build(settings, embedder=fake)
    version = layout.current_version(settings.index_dir)
    assert layout.read_manifest(version).removed == 0
    assert faiss_index.read(version / layout.FAISS_FILE).ntotal == 19
    engine = Engine.open(settings, embedder=fake)
    assert [hit.article.id for hit in engine.search("Topic4 in Baku", 1)] == ["a04"]
    engine.close()


def test_build_files_whose_ids_would_collide_are_all_indexed_and_removed(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    for name, crop in (
        ("dup.md", "apricots"),
        ("dup.txt", "pomegranates"),
        ("dup.md.txt", "figs"),
    ):
        body = f"Farmers in Ganja export {crop} to Urumqi."
        text = (
            f"---\ntitle: {crop}\n---\n\n{body}\n" if name.endswith(".md") else f"{crop}\n\n{body}"
        )
        write_article(corpus, name, text)
    report = build(settings, embedder=fake)
    assert report.articles == 6 and not report.duplicates
    assert "dup.md.txt" in answer_sources(settings, fake, "Ganja export figs")
    (corpus / "dup.md.txt").unlink()
    assert status(settings).corpus_changed
    report = build(settings, embedder=fake)
    assert report.removed == ("dup.md.txt",) and report.articles == 5
    assert "dup.md.txt" not in answer_sources(settings, fake, "Ganja export figs")


def test_build_goes_on_past_a_file_that_breaks_its_reader(
    settings: Settings, fake: FakeEmbedder, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(corpus, "bomb.md", "---\ntitle: Bomb\na: &a [1]\nsource: *a\n---\n\nBody.\n")
    write_article(corpus, "crash.md", "---\ntitle: Crash\n---\n\nBody.\n")

    def crashing(data: bytes, relpath: str, article_id: str) -> Any:
        if relpath == "crash.md":
            raise MemoryError("x" * 100_000)  # what a front matter expanding to 300 MB did
        return parse_article(data, relpath, article_id)

    monkeypatch.setattr("index.indexer.plan.parse_article", crashing)
    report = build(settings, embedder=fake)
    assert report.articles == 3
    reasons = {s.relpath: s.reason for s in report.skipped}
    assert "anchor or alias" in reasons["bomb.md"]
    assert reasons["crash.md"].startswith("could not be read (MemoryError")
    assert len(reasons["crash.md"]) < 300


@pytest.mark.parametrize("damage", ["truncate", "delete", "garbage"])
@pytest.mark.parametrize("which", ["main", "multilingual"])
def test_build_repairs_a_damaged_vector_file_without_embedding(
    settings: Settings, fake: FakeEmbedder, damage: str, which: str
) -> None:
    other = FakeEmbedder(model_id="fake/multilingual")
    build(settings, embedder=fake, extra=[other])
    version = layout.current_version(settings.index_dir)
    manifest = layout.read_manifest(version)
    path = version / (
        manifest.faiss_file(other.model_id if which != "main" else fake.model_id) or ""
    )
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "delete":
        path.unlink()
    else:
        path.write_bytes(b"\x00" * path.stat().st_size)
    with pytest.raises(IndexCorrupt):
        Engine.open(settings, fake, [other])
    embedded = len(fake.embedded) + len(other.embedded)
    report = build(settings, embedder=fake, extra=[other])
    assert report.changed and path.name in report.notes[0]  # not "index is up to date"
    assert len(fake.embedded) + len(other.embedded) == embedded  # from the stored vectors
    engine = Engine.open(settings, fake, [other])
    try:
        assert engine.search("crude oil exports trade")[0].article.id == "trade"
    finally:
        engine.close()
    assert not build(settings, embedder=fake, extra=[other]).changed


def test_build_with_a_store_that_disagrees_with_its_manifest_rebuilds_it(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    version = layout.current_version(settings.index_dir)
    manifest = json.loads((version / layout.MANIFEST).read_text())
    (version / layout.MANIFEST).write_text(json.dumps({**manifest, "passages": 99}))
    report = build(settings, embedder=fake)
    assert report.full and "99" in report.notes[0]


def test_an_up_to_date_build_removes_what_dead_builds_left(
    settings: Settings, fake: FakeEmbedder
) -> None:
    build(settings, embedder=fake)
    dead = layout.versions_dir(settings.index_dir) / ".building-dead"
    dead.mkdir()
    (settings.index_dir / ".current-dead").symlink_to("versions")
    assert not build(settings, embedder=fake).changed
    assert not dead.exists() and not (settings.index_dir / ".current-dead").is_symlink()


DISK_FULL = """
import resource, sys
from pathlib import Path
from index.indexer.builder import build
from index.errors import CitebotError
from tests.conftest import settings_for
from tests.fakes import FakeEmbedder

limit = int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # writes past it fail, as on a full disk
try:
    build(settings_for(Path(sys.argv[1]), Path(sys.argv[2])), embedder=FakeEmbedder())
except CitebotError as error:
    print(type(error).__name__, error)
"""


def test_build_on_a_full_disk_fails_with_a_message_and_keeps_the_index(
    settings: Settings, fake: FakeEmbedder, corpus: Path
) -> None:
    before = built_with_one_more_article(settings, fake, corpus)
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(corpus), str(settings.index_dir), "20000"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.startswith("BuildFailed the build could not write the new index")
    assert "the index being served is unchanged" in done.stdout
    assert versions(settings) == before
    assert "trade" in answer_sources(settings, fake, "crude oil exports trade")
