"""Building the index from the corpus folder, incrementally and atomically.

A build compares the corpus with what the current version recorded of each file (size and
modification time, then content hash), re-reads only what changed, embeds only passages
whose text has no cached vector, and writes a complete new version before switching to it.
With nothing changed it loads no model and writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from index.errors import (
    ArticleError,
    BuildFailed,
    CitebotError,
    CorpusError,
    IndexCorrupt,
    IndexStateError,
)
from index.models.embedder import Embedder, extra_embedders, make_embedder
from index.records import Article
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import FileRow, Store
from index.text.chunker import chunk, embedding_text
from index.text.corpus import (
    CorpusFile,
    Skipped,
    article_ids,
    digest,
    parse_article,
    read_bytes,
    scan,
)
from index.text.sanitize import shorten
from index.text.sentences import passage_sentences

EMBED_CHUNK = 4096  # texts embedded and stored together


@dataclass(frozen=True)
class Embedding:
    """How far a build has embedded one model's texts; a front end draws it as a bar."""

    model_id: str
    passages: int
    sentences: int
    done: int  # texts embedded so far, passages and sentences together

    @property
    def total(self) -> int:
        return self.passages + self.sentences


Progress = Callable[[Embedding], None]


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    changed: bool
    full: bool
    articles: int
    passages: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    embedded: int = 0
    reused: int = 0
    skipped: tuple[Skipped, ...] = ()
    duplicates: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    version: Path | None = None


@dataclass
class Plan:
    """How the corpus differs from the current version; also what `index status` shows."""

    rows: list[FileRow]
    parsed: dict[str, Article]
    insert: list[str]  # relpaths of articles to (re)insert
    delete: list[str]  # article ids to remove
    skipped: list[Skipped]
    previous_rows: dict[str, FileRow] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.insert or self.delete) or self.rows != sorted(
            self.previous_rows.values(), key=lambda r: r.relpath
        )


@dataclass(frozen=True)
class _Previous:
    version: Path
    manifest: layout.Manifest
    store: Store


def build(
    settings: Settings,
    *,
    full: bool = False,
    embedder: Embedder | None = None,
    extra: Sequence[Embedder] | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> BuildReport:
    """Bring the index up to date with the corpus folder.

    Args:
        settings: where the corpus and the index are, and how to chunk and embed.
        full: ignore the current version and embed everything again.
        embedder: the main model; by default the configured one, loaded only if something
            needs embedding.
        extra: models for further vector indexes (the multilingual one); by default the
            configured ones when ``embedder`` is not given, else none.
        progress: told when each model starts embedding and after each batch.
        stop: once set, the build gives up after the current embedding batch, and in any case
            before it publishes (the CLI sets it on Ctrl-C).

    Returns:
        A report of what changed; ``changed`` is False when the index was already current.

    Raises:
        CorpusError: the corpus folder is missing or has no usable article.
        BuildInProgress: another build is running.
        ConfigError: the configured index type can't be built.
        KeyboardInterrupt: ``stop`` was set; nothing was published.
    """
    started = time.monotonic()
    model = embedder or make_embedder(settings.model, settings.batch_size, settings.models_dir)
    if extra is None:
        extra = extra_embedders(settings.multilingual) if embedder is None else []
    with layout.build_lock(settings.index_dir), _previous(settings, model, full) as found:
        previous, notes = found
        damaged = damaged_vectors(previous.version, previous.manifest) if previous else None
        if damaged:
            notes.append(f"{damaged}; making the vector index anew from the stored vectors")
        plan = make_plan(
            settings, previous.store if previous else None, rechunk=_rechunk(settings, previous)
        )
        same_type = (
            previous is not None
            and previous.manifest.index_type
            == faiss_index.resolve_type(
                settings.index_type, previous.manifest.passages, settings.approximate_above
            )
        )
        same_models = previous is not None and [
            previous.manifest.model_id,
            *previous.manifest.extra_ids,
        ] == [m.model_id for m in (model, *extra)]
        same_sentences = previous is not None and (
            previous.manifest.sentences == settings.sentence_vectors
        )
        if previous is not None and settings.sentence_vectors and not same_sentences:
            notes.append("the index has no sentence vectors yet: adding them")
        if (
            previous is not None
            and same_type
            and same_models
            and same_sentences
            and not damaged
            and not plan.changed
        ):
            articles, passages = previous.store.counts()
            return BuildReport(
                changed=False,
                full=False,
                articles=articles,
                passages=passages,
                skipped=tuple(plan.skipped),
                duplicates=_duplicates(plan.rows),
                seconds=time.monotonic() - started,
            )
        _require_articles(settings, plan)
        with _writes():
            build_dir = layout.new_build_dir(settings.index_dir)
            try:
                report = _write(
                    settings,
                    [model, *extra],
                    previous,
                    plan,
                    build_dir,
                    progress,
                    stop,
                    reuse_vectors=not damaged,
                )
            except BaseException:
                shutil.rmtree(build_dir, ignore_errors=True)
                raise
    return replace(report, notes=tuple(notes), seconds=time.monotonic() - started)


@contextlib.contextmanager
def _writes() -> Iterator[None]:
    """Writing a new version: a disk that is full or failing ends the build with a message.

    Raises:
        BuildFailed: a file could not be written.
    """
    try:
        yield
    except (OSError, sqlite3.Error) as error:
        raise BuildFailed(
            f"the build could not write the new index ({_why(error)}); the index being "
            "served is unchanged"
        ) from None


def _why(error: OSError | sqlite3.Error) -> str:
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return f"no space left for {error.filename or 'a file'}: free some disk space"
    if isinstance(error, sqlite3.Error) and "full" in str(error):
        return f"{error}: free some disk space"
    return shorten(str(error)) or type(error).__name__


def make_plan(settings: Settings, store: Store | None, *, rechunk: bool = False) -> Plan:
    """Compare the corpus folder with what ``store`` recorded; reads only changed files.

    Raises:
        CorpusError: the corpus folder is missing.
    """
    files, skipped = scan(settings.corpus_dir)
    previous_rows = store.files() if store is not None else {}
    ids = article_ids([f.relpath for f in files])
    rows: list[FileRow] = []
    parsed: dict[str, Article] = {}
    for file in files:
        old = previous_rows.get(file.relpath)
        row, article = _examine(file, ids[file.relpath], old, settings, rechunk)
        rows.append(row)
        if article is not None:
            parsed[file.relpath] = article
        if row.status == "skipped":
            skipped.append(Skipped(file.relpath, row.message or "skipped"))
    rows = _mark_duplicates(rows)
    indexed = store.article_ids() if store is not None else set()
    wanted = {row.article_id: row for row in rows if row.status == "indexed" and row.article_id}
    # A changed file's article is deleted and inserted anew; its unchanged text keeps its vectors.
    changed = {article_id for article_id, row in wanted.items() if row.relpath in parsed}
    insert = sorted(row.relpath for i, row in wanted.items() if i not in indexed or i in changed)
    delete = sorted(i for i in indexed if i not in wanted or i in changed)
    return Plan(rows, parsed, insert, delete, skipped, previous_rows)


def _examine(
    file: CorpusFile, article_id: str, old: FileRow | None, settings: Settings, rechunk: bool
) -> tuple[FileRow, Article | None]:
    """The file's row, and the parsed article where the file is new or changed."""
    reusable = old is not None and old.status != "skipped" and old.article_id == article_id
    if reusable and old and not rechunk and (old.size, old.mtime_ns) == (file.size, file.mtime_ns):
        return old, None
    try:
        data = read_bytes(file, settings.max_article_bytes)
    except ArticleError as error:
        return _row(file, "", "skipped", message=error.reason), None
    sha = digest(data)
    if reusable and old and not rechunk and old.sha == sha:
        return replace(old, size=file.size, mtime_ns=file.mtime_ns), None
    try:
        article = parse_article(data, file.relpath, article_id)
    except ArticleError as error:
        return _row(file, sha, "skipped", message=error.reason), None
    except Exception as error:  # one file never stops a build, whatever it holds
        reason = f"could not be read ({type(error).__name__}: {shorten(str(error))})"
        return _row(file, sha, "skipped", message=reason), None
    content_sha = digest("\n\n".join(article.paragraphs).encode("utf-8"))
    return _row(file, sha, "indexed", article_id, content_sha), article


def _row(
    file: CorpusFile,
    sha: str,
    status: str,
    article_id: str | None = None,
    content_sha: str | None = None,
    message: str | None = None,
) -> FileRow:
    return FileRow(
        file.relpath, file.size, file.mtime_ns, sha, status, article_id, content_sha, message
    )


def _mark_duplicates(rows: list[FileRow]) -> list[FileRow]:
    """The first file (by path) with a given text is indexed; later copies are not."""
    first: dict[str, str] = {}
    marked = []
    for row in rows:
        if row.status == "skipped" or row.content_sha is None:
            marked.append(row)
        elif row.content_sha in first:
            message = f"same text as {first[row.content_sha]}; indexed once"
            marked.append(replace(row, status="duplicate", message=message))
        else:
            first[row.content_sha] = row.relpath
            marked.append(replace(row, status="indexed", message=None))
    return marked


def _duplicates(rows: list[FileRow]) -> tuple[Skipped, ...]:
    return tuple(Skipped(r.relpath, r.message or "") for r in rows if r.status == "duplicate")


def _require_articles(settings: Settings, plan: Plan) -> None:
    if any(row.status == "indexed" for row in plan.rows):
        return
    if not plan.rows and not plan.skipped:
        raise CorpusError(
            f"the corpus folder {settings.corpus_dir} has no articles: add .md, .txt or .html "
            "files (see README, 'Adding articles')"
        )
    reasons = "; ".join(str(s) for s in plan.skipped[:3])
    raise CorpusError(
        f"none of the files in {settings.corpus_dir} could be indexed ({reasons}); "
        "the previous index, if any, is unchanged"
    )


@contextlib.contextmanager
def _previous(
    settings: Settings, model: Embedder, full: bool
) -> Iterator[tuple[_Previous | None, list[str]]]:
    """The current version, if an incremental build can start from it, and why not if not."""
    notes: list[str] = []
    previous: _Previous | None = None
    if not full:
        try:
            # The store is what a build starts from; damaged vector files are made anew.
            version, manifest = layout.open_version(
                settings.index_dir, (layout.MANIFEST, layout.STORE_FILE)
            )
            if manifest.model_id != model.model_id:
                notes.append(
                    f"the index was built with {manifest.model_id}, the configured model "
                    f"is {model.model_id}: embedding with it (other models' vectors are kept)"
                )
            previous = _Previous(version, manifest, _open_store(version, manifest))
        except IndexStateError as error:
            if layout_exists(settings.index_dir):
                reason = str(error).split("; ")[0]  # without the advice to run a build
                notes.append(f"{reason}; rebuilding from scratch")
    try:
        yield previous, notes
    finally:
        if previous is not None:
            previous.store.close()


def _open_store(version: Path, manifest: layout.Manifest) -> Store:
    """The version's store, checked against the counts its manifest records.

    Raises:
        IndexCorrupt: the store is unreadable or holds other counts.
    """
    store = Store.open(version / layout.STORE_FILE)
    try:
        counts = store.counts()
    except sqlite3.Error as error:
        store.close()
        raise IndexCorrupt(f"the index store in {version} is damaged ({error})") from None
    if counts != (manifest.articles, manifest.passages):
        store.close()
        raise IndexCorrupt(
            f"the index store in {version} holds {counts[0]} articles and {counts[1]} "
            f"passages, its manifest says {manifest.articles} and {manifest.passages}"
        )
    return store


def damaged_vectors(version: Path, manifest: layout.Manifest) -> str | None:
    """What is wrong with a version's vector files, or None when every file its manifest
    names reads back with the counts it records (the store is checked by `_open_store`)."""
    expected = manifest.passages + manifest.removed
    files = [(layout.FAISS_FILE, manifest.dimension)]
    files += [(m.file, m.dimension) for m in manifest.extra_models]
    names = [name for name, _ in files] + ([layout.REMOVED_FILE] if manifest.removed else [])
    missing = [name for name in names if not (version / name).is_file()]
    if missing:
        return f"the index is missing {', '.join(missing)}"
    try:
        for name, dimension in files:
            index = faiss_index.read(version / name)
            if (index.ntotal, index.d) != (expected, dimension):
                return (
                    f"{name} holds {index.ntotal} vectors of dimension {index.d}, the manifest "
                    f"says {expected} of dimension {dimension}"
                )
        if manifest.removed:
            removed = faiss_index.read_ids(version / layout.REMOVED_FILE)
            if len(removed) != manifest.removed:
                return f"{layout.REMOVED_FILE} lists {len(removed)} ids, not {manifest.removed}"
    except IndexCorrupt as error:
        return str(error).split("; ")[0]
    return None


def layout_exists(index_dir: Path) -> bool:
    link = index_dir / "current"
    return link.is_symlink() or link.exists()


def _rechunk(settings: Settings, previous: _Previous | None) -> bool:
    return previous is not None and previous.manifest.chunker != settings.chunker


def _write(
    settings: Settings,
    models: list[Embedder],
    previous: _Previous | None,
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
    embedded: dict[str, int] = {}
    try:
        with store.transaction():
            orphans = store.cache.hashes(plan.delete)  # vectors that may lose their last user
            removed = [
                pid for article_id in plan.delete for pid in store.remove_article(article_id)
            ]
            dropped = _record_sentences(store, settings, previous)
            added = _insert(store, settings, plan)
            for model in models:
                among = added if _complete(previous, model, settings) else None
                embedded[model.model_id] = _embed_missing(store, model, among, progress, stop)
            if dropped:
                store.cache.prune()
            elif orphans:
                store.cache.prune(orphans)
            if previous is not None and previous.manifest.model_id != models[0].model_id:
                # A replaced main model's vectors go; a multilingual model's stay even while
                # it is off, since they are the slow ones to make again.
                store.cache.drop([previous.manifest.model_id])
            store.replace_files(plan.rows)
        articles, passages = store.counts()
        index_type = faiss_index.resolve_type(
            settings.index_type, passages, settings.approximate_above
        )
        dead, update = (
            _tombstones(index_type, models, previous, removed, passages)
            if reuse_vectors
            else ([], False)
        )
        entries = []
        for position, model in enumerate(models):
            name = layout.FAISS_FILE if position == 0 else layout.faiss_file(model.model_id)
            source = previous if update else None
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
    finally:
        store.close()
    main = models[0]
    manifest = layout.Manifest(
        format=layout.FORMAT,
        model_id=main.model_id,
        dimension=main.dimension,
        index_type=index_type,
        chunker=settings.chunker,
        articles=articles,
        passages=passages,
        skipped_files=len(plan.skipped),
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=0.0,
        code_version=_code_version(),
        extra_models=tuple(entries),
        removed=len(dead),
        sentences=settings.sentence_vectors,
    )
    _check(stop)
    version = layout.publish(settings.index_dir, build_dir, manifest)
    old_ids = {row.article_id for row in plan.previous_rows.values() if row.status == "indexed"}
    inserted = [plan.parsed[p].id if p in plan.parsed else _id_of(plan, p) for p in plan.insert]
    return BuildReport(
        changed=True,
        full=previous is None,
        articles=articles,
        passages=passages,
        added=tuple(sorted(i for i in inserted if i not in old_ids)),
        updated=tuple(sorted(i for i in inserted if i in old_ids)),
        removed=tuple(sorted(i for i in plan.delete if i not in inserted)),
        embedded=embedded[main.model_id],
        reused=max(0, len(added) - embedded[main.model_id]),  # all embedded on a new model
        skipped=tuple(plan.skipped),
        duplicates=_duplicates(plan.rows),
        version=version,
    )


def _id_of(plan: Plan, relpath: str) -> str:
    return next(row.article_id or "" for row in plan.rows if row.relpath == relpath)


def _insert(store: Store, settings: Settings, plan: Plan) -> list[int]:
    """Insert the planned articles; returns the new passage ids."""
    ids: list[int] = []
    for relpath in plan.insert:
        article = plan.parsed.get(relpath) or _reread(settings, relpath, _id_of(plan, relpath))
        passages = chunk(article, settings.chunker)
        ids.extend(
            store.add_article(
                article,
                passages,
                [embedding_text(article, p) for p in passages],
                [passage_sentences(p.text) if settings.sentence_vectors else [] for p in passages],
            )
        )
    return ids


def _record_sentences(store: Store, settings: Settings, previous: _Previous | None) -> bool:
    """Bring the previous version's passages in line with CITEBOT_SENTENCE_VECTORS: record
    their sentences where it was built without them, forget them where the setting is now
    off. Returns whether sentences were forgotten (their vectors are then pruned)."""
    if previous is None or previous.manifest.sentences == settings.sentence_vectors:
        return False
    if not settings.sentence_vectors:
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


def _check(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt


def _complete(previous: _Previous | None, model: Embedder, settings: Settings) -> bool:
    """Whether the previous version has vectors from ``model`` for all it holds (then only
    new passages can lack them, and a million others need not be checked)."""
    return (
        previous is not None
        and model.model_id in (previous.manifest.model_id, *previous.manifest.extra_ids)
        and (previous.manifest.sentences or not settings.sentence_vectors)
    )


def _embed_missing(
    store: Store,
    model: Embedder,
    among: list[int] | None,
    progress: Progress | None,
    stop: threading.Event | None,
) -> int:
    """Embed every passage and sentence ``model`` has no vector for yet (of the passages
    ``among``, or all), a chunk at a time, so a million texts never sit in memory at once;
    returns how many passages."""
    model_id = model.model_id
    passages = sorted(store.cache.missing(model_id, passage_ids=among))
    sentences = sorted(
        store.cache.missing(model_id, sentences=True, passage_ids=among) - set(passages)
    )
    if not passages and not sentences:
        return 0
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(Embedding(model_id, len(passages), len(sentences), done))
        _check(stop)

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
    previous: _Previous | None,
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
    source: _Previous | None,
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


@dataclass(frozen=True)
class IndexStatus:
    """The current version and how the corpus has moved since it was built."""

    index_dir: str
    corpus_dir: str
    model_id: str
    index_type: str
    articles: int
    passages: int
    built_at: str
    code_version: str
    multilingual: str  # ready, off, not installed, or not built (into this index yet)
    multilingual_model: str | None  # the multilingual model configured, where installed
    corpus_changed: bool
    pending_changes: int
    pending_removals: int
    skipped: tuple[str, ...]


def status(settings: Settings) -> IndexStatus:
    """Describe the current index without changing anything or loading a model.

    Raises:
        IndexNotBuilt, IndexCorrupt: as `layout.current_version`.
        CorpusError: the corpus folder is missing.
    """
    version = layout.current_version(settings.index_dir)
    manifest = layout.read_manifest(version)
    multilingual, model = _multilingual_state(settings, manifest)
    store = Store.open(version / layout.STORE_FILE)
    try:
        plan = make_plan(settings, store, rechunk=manifest.chunker != settings.chunker)
        inserted = {_id_of(plan, relpath) for relpath in plan.insert}
    finally:
        store.close()
    return IndexStatus(
        index_dir=str(settings.index_dir),
        corpus_dir=str(settings.corpus_dir),
        model_id=manifest.model_id,
        index_type=manifest.index_type,
        articles=manifest.articles,
        passages=manifest.passages,
        built_at=manifest.built_at,
        code_version=manifest.code_version,
        multilingual=multilingual,
        multilingual_model=model,
        corpus_changed=plan.changed,
        pending_changes=len(plan.insert),
        pending_removals=len([i for i in plan.delete if i not in inserted]),
        skipped=tuple(str(s) for s in plan.skipped),
    )


def _multilingual_state(settings: Settings, manifest: layout.Manifest) -> tuple[str, str | None]:
    """Whether questions in other languages get the multilingual index, and which model."""
    if settings.multilingual == "off":
        return "off", None
    models = extra_embedders(settings.multilingual)
    if not models:
        return "not installed", None
    model_id = models[0].model_id
    if not any(m.id == model_id for m in manifest.extra_models):
        return "not built", model_id
    return "ready", model_id
