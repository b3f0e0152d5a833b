"""The version a build starts from: opened, checked against its manifest, or set aside with
the reason (then the build starts from scratch)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexCorrupt, IndexStateError
from index.models.embedder import Embedder
from index.settings import Settings
from index.storage import faiss_index, layout
from index.storage.catalog import Store


@dataclass(frozen=True)
class Previous:
    version: Path
    manifest: layout.Manifest
    store: Store


@contextlib.contextmanager
def previous_version(
    settings: Settings, model: Embedder, full: bool
) -> Iterator[tuple[Previous | None, list[str]]]:
    """The current version, if an incremental build can start from it, and why not if not."""
    notes: list[str] = []
    previous: Previous | None = None
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
            previous = Previous(version, manifest, _open_store(version, manifest))
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


def rechunks(settings: Settings, previous: Previous | None) -> bool:
    return previous is not None and previous.manifest.chunker != settings.tuning.chunking
