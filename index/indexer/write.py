"""Writing a new index version: the store copied and changed, what is missing embedded, the
FAISS files updated or made anew, then published by `layout.publish`."""

from __future__ import annotations

import datetime as dt
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from index.errors import CitebotError, IndexCorrupt
from index.indexer.plan import Plan, article_id_of, duplicates
from index.indexer.previous import Previous
from index.indexer.report import EMBED_CHUNK, BuildReport, Embedding, Progress
from index.models.embedder import Embedder
from index.records import Article
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import Store
from index.text.chunker import chunk, embedding_text
from index.text.corpus import CorpusFile, parse_article, read_bytes
from index.text.sentences import passage_sentences


def write_version(
    settings: Settings,
    models: list[Embedder],
    previous: Previous | None,
    plan: Plan,
    build_dir: Path,
    progress: Progress | None,
    stop: threading.Event | None,
    *,
    reuse_vectors: bool = True,
) -> BuildReport:
    """Write a whole new version into ``build_dir`` and publish it; ``models[0]`` is the main.

    The previous version's FAISS files are updated where ``reuse_vectors`` and the index
    type allow; else they are made anew from the stored vectors (nothing is embedded again).
    """
    store_path = build_dir / layout.STORE_FILE
    if previous is not None:
        store = Store.copy(previous.version / layout.STORE_FILE, store_path)
    else:
        store = Store.create(store_path)
    try:
        removed, added, embedded = _fill(store, settings, models, previous, plan, progress, stop)
        articles, passages = store.counts()
        index_type = faiss_index.resolve_type(
            settings.index_type, passages, settings.approximate_above
        )
        dead, update = (
            _tombstones(index_type, models, previous, removed, passages)
            if reuse_vectors
            else ([], False)
        )
        source = previous if update else None
        entries = _write_vectors(
            index_type, models, source, store, removed, added, build_dir, passages, dead
        )
    finally:
        store.close()
    main = models[0]
    manifest = layout.Manifest(
        format=layout.FORMAT,
        model_id=main.model_id,
        dimension=main.dimension,
        index_type=index_type,
        chunker=settings.tuning.chunking,
        articles=articles,
        passages=passages,
        skipped_files=len(plan.skipped),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=0.0,
        code_version=_code_version(),
        extra_models=tuple(entries),
        removed=len(dead),
        sentences=settings.tuning.sentence_vectors,
    )
    check_stop(stop)
    version = layout.publish(settings.index_dir, build_dir, manifest)
    return _report(plan, previous, manifest, len(added), embedded[main.model_id], version)


def _fill(
    store: Store,
    settings: Settings,
    models: list[Embedder],
    previous: Previous | None,
    plan: Plan,
    progress: Progress | None,
    stop: threading.Event | None,
) -> tuple[list[int], list[int], dict[str, int]]:
    """Bring the copied store up to the plan in one transaction: articles removed and
    inserted, passages embedded where no vector is cached. Returns the removed and the new
    passage ids, and how many passages each model embedded."""
    embedded: dict[str, int] = {}
    with store.transaction():
        orphans = store.cache.hashes(plan.delete)  # vectors that may lose their last user
        removed = [pid for article_id in plan.delete for pid in store.remove_article(article_id)]
        dropped = _record_sentences(store, settings, previous)
        added = _insert(store, settings, plan)
        for model in models:
            among = added if _complete(previous, model, settings) else None
            # The English model reads English: the multilingual one reads the sentences of
            # the other languages' passages (`present.SentenceScores`).
            english_only = model is models[0] and len(models) > 1
            embedded[model.model_id] = _embed_missing(
                store, model, among, progress, stop, english_only
            )
        if dropped:
            store.cache.prune()
        elif orphans:
            store.cache.prune(orphans)
        if previous is not None and previous.manifest.model_id != models[0].model_id:
            # A replaced main model's vectors go; a multilingual model's stay even while
            # it is off, since they are the slow ones to make again.
            store.cache.drop([previous.manifest.model_id])
        store.replace_files(plan.rows)
    return removed, added, embedded


def _write_vectors(
    index_type: str,
    models: list[Embedder],
    source: Previous | None,
    store: Store,
    removed: list[int],
    added: list[int],
    build_dir: Path,
    passages: int,
    dead: list[int],
) -> list[layout.ModelEntry]:
    """Write each model's FAISS index (updated from ``source``'s, or made anew) and the
    removed passages it still holds; returns the further models' manifest entries."""
    entries = []
    for position, model in enumerate(models):
        name = layout.FAISS_FILE if position == 0 else layout.faiss_file(model.model_id)
        index = _vector_index(index_type, model, source, store, removed, added)
        if index.ntotal != passages + len(dead):
            raise CitebotError(
                f"internal error: {index.ntotal} {model.model_id} vectors for {passages} "
                f"passages and {len(dead)} removed"
            )
        faiss_index.write(index, build_dir / name)
        if position:
            entries.append(layout.ModelEntry(model.model_id, model.dimension, name))
    if dead:
        faiss_index.write_ids(dead, build_dir / layout.REMOVED_FILE)
    return entries


def _report(
    plan: Plan,
    previous: Previous | None,
    manifest: layout.Manifest,
    inserted: int,
    embedded: int,
    version: Path,
) -> BuildReport:
    old_ids = {row.article_id for row in plan.previous_rows.values() if row.status == "indexed"}
    ids = [plan.parsed[p].id if p in plan.parsed else article_id_of(plan, p) for p in plan.insert]
    return BuildReport(
        changed=True,
        full=previous is None,
        articles=manifest.articles,
        passages=manifest.passages,
        added=tuple(sorted(i for i in ids if i not in old_ids)),
        updated=tuple(sorted(i for i in ids if i in old_ids)),
        removed=tuple(sorted(i for i in plan.delete if i not in ids)),
        inserted=inserted,
        embedded=embedded,
        reused=max(0, inserted - embedded),  # all embedded on a new model
        skipped=tuple(plan.skipped),
        duplicates=duplicates(plan.rows),
        version=version,
    )


def _insert(store: Store, settings: Settings, plan: Plan) -> list[int]:
    """Insert the planned articles; returns the new passage ids."""
    ids: list[int] = []
    for relpath in plan.insert:
        article = plan.parsed.get(relpath) or _reread(
            settings, relpath, article_id_of(plan, relpath)
        )
        passages = chunk(article, settings.tuning.chunking)
        ids.extend(
            store.add_article(
                article,
                passages,
                [embedding_text(article, p) for p in passages],
                [
                    passage_sentences(p.text) if settings.tuning.sentence_vectors else []
                    for p in passages
                ],
            )
        )
    return ids


def _record_sentences(store: Store, settings: Settings, previous: Previous | None) -> bool:
    """Bring the previous version's passages in line with the calibration file's
    ``sentence_vectors``: record their sentences where it was built without them, forget
    them where the setting is now off. Returns whether sentences were forgotten (their
    vectors are then pruned)."""
    if previous is None or previous.manifest.sentences == settings.tuning.sentence_vectors:
        return False
    if not settings.tuning.sentence_vectors:
        store.drop_sentences()
        return True
    for passage_id, text in store.passages_without_sentences():
        store.add_sentences(passage_id, text, passage_sentences(text))
    return False


def _reread(settings: Settings, relpath: str, article_id: str) -> Article:
    """Read an unchanged file again: a duplicate whose original has gone is indexed now."""
    path = settings.corpus_dir / relpath
    stat = path.stat()
    file = CorpusFile(path, relpath, stat.st_size, stat.st_mtime_ns)
    return parse_article(read_bytes(file, settings.max_article_bytes), relpath, article_id)


def check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt


def _complete(previous: Previous | None, model: Embedder, settings: Settings) -> bool:
    """Whether the previous version has vectors from ``model`` for all it holds (then only
    new passages can lack them, and a million others need not be checked)."""
    return (
        previous is not None
        and model.model_id in (previous.manifest.model_id, *previous.manifest.extra_ids)
        and (previous.manifest.sentences or not settings.tuning.sentence_vectors)
    )


def _embed_missing(
    store: Store,
    model: Embedder,
    among: list[int] | None,
    progress: Progress | None,
    stop: threading.Event | None,
    english_only: bool = False,
) -> int:
    """Embed every passage and sentence ``model`` has no vector for yet (of the passages
    ``among``, or all; with ``english_only``, the sentences of English passages alone), a
    chunk at a time, so a million texts never sit in memory at once; returns how many
    passages."""
    model_id = model.model_id
    passages = sorted(store.cache.missing(model_id, passage_ids=among))
    sentences = sorted(store.cache.missing(model_id, True, among, english_only) - set(passages))
    if not passages and not sentences:
        return 0
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(Embedding(model_id, len(passages), len(sentences), done))
        check_stop(stop)

    advance(0)
    for shas, are_sentences in ((passages, False), (sentences, True)):
        for start in range(0, len(shas), EMBED_CHUNK):
            part = shas[start : start + EMBED_CHUNK]
            texts = store.cache.embedded_texts(part, sentences=are_sentences)
            found = model.embed_passages([texts[s] for s in part], progress=advance)
            store.cache.put(model_id, part, found)
    return len(passages)


def _tombstones(
    index_type: str,
    models: list[Embedder],
    previous: Previous | None,
    removed: list[int],
    passages: int,
) -> tuple[list[int], bool]:
    """The removed passages whose vectors the new FAISS files keep, and whether the previous
    files are updated (else built anew from the stored vectors).

    A Flat index drops removed vectors in place. HNSW can't, so it keeps them and searches
    skip them, until more than `faiss_index.DEAD_SHARE` of its vectors would be dead: removing
    an article from a million passages then costs seconds, not a rebuild of the graph. Any
    other type is built anew after a removal.
    """
    if previous is None or previous.manifest.index_type != index_type:
        return [], False
    if faiss_index.supports_removal(index_type):
        return [], True
    if not faiss_index.supports_skipping(index_type):
        return [], not removed  # built anew after a removal
    files = [previous.manifest.faiss_file(model.model_id) for model in models]
    if not all(name and (previous.version / name).is_file() for name in files):
        return [], False  # a model's index is built anew: all are, so all agree
    dead = removed
    if previous.manifest.removed:
        try:
            dead = faiss_index.read_ids(previous.version / layout.REMOVED_FILE) + removed
        except IndexCorrupt:
            return [], False
    if len(dead) > faiss_index.DEAD_SHARE * (passages + len(dead)):
        return [], False
    return dead, True


def _vector_index(
    index_type: str,
    model: Embedder,
    source: Previous | None,
    store: Store,
    removed: list[int],
    added: list[int],
) -> Any:
    """The previous FAISS index updated, where ``source`` is given and has one of this type
    (removed vectors dropped where the type allows, see `_tombstones`), else a new one built
    from the stored vectors: a new index type never embeds anything again."""
    name = source.manifest.faiss_file(model.model_id) if source is not None else None
    if (
        source is not None
        and name is not None
        and (source.version / name).is_file()
        and source.manifest.index_type == index_type
    ):
        index = faiss_index.read(source.version / name)
        if faiss_index.supports_removal(index_type):
            faiss_index.remove(index, removed)
        ids, matrix = store.cache.vectors(model.model_id, added, model.dimension)
        faiss_index.add(index, matrix, ids)
        return index
    ids, matrix = store.cache.vectors(model.model_id, None, model.dimension)
    return faiss_index.new_index(model.dimension, index_type, matrix, ids)


def _code_version() -> str:
    try:
        return version("citebot")
    except PackageNotFoundError:
        return "unknown"
