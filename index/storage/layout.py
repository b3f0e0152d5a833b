"""The index directory: immutable versions, a `current` link, and a build lock.

    INDEX_DIR/
      current -> versions/20261123T101500-1a2b     switched atomically (rename of a link)
      versions/20261123T101500-1a2b/
        manifest.json   passages.faiss   store.sqlite
        passages.<model>.faiss                      a further model's vectors
        removed.npy                                 removed passages an HNSW index still holds
      versions/.building-.../                       a build in progress (or one that died)
      build.lock

A build writes a whole new version aside and only then renames `current` onto it, so a
reader resolves `current` once and always sees a complete version, and a build killed at any
moment leaves the previous version serving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from index.errors import (
    REBUILD_HINT,
    BuildInProgress,
    IndexCorrupt,
    IndexIncompatible,
    IndexNotBuilt,
)
from index.tuning import Chunking

# 2: a full-text (BM25) table; 3: vectors of more than one model; 4: the full-text table
# holds each passage's words as its language's analyser leaves them (`index.text.analysis`);
# 5: and its Chinese names in pinyin (`index.text.pinyin`); each passage's language stored
FORMAT = 5
MANIFEST = "manifest.json"
FAISS_FILE = "passages.faiss"
STORE_FILE = "store.sqlite"
REMOVED_FILE = "removed.npy"
LOCK_POLL = 0.2  # seconds between tries of a build lock another build holds


@dataclass(frozen=True)
class ModelEntry:
    """A further model's vector index in a version (the main model's is FAISS_FILE)."""

    id: str
    dimension: int
    file: str


def faiss_file(model_id: str) -> str:
    """The FAISS file of a further model, named after it."""
    return "passages." + re.sub(r"[^a-z0-9]+", "-", model_id.lower()).strip("-") + ".faiss"


@dataclass(frozen=True)
class Manifest:
    """What an index version was built from and holds."""

    format: int
    model_id: str
    dimension: int
    index_type: str
    chunker: Chunking
    articles: int
    passages: int
    skipped_files: int
    built_at: str
    build_seconds: float
    code_version: str
    extra_models: tuple[ModelEntry, ...] = ()
    # Vectors each FAISS file holds for removed passages (listed in REMOVED_FILE): an HNSW
    # index can't drop them in place, so searches skip them (see `vectors.DEAD_SHARE`).
    removed: int = 0
    sentences: bool = False  # every passage's sentences have vectors

    @property
    def extra_ids(self) -> tuple[str, ...]:
        """The further models' ids."""
        return tuple(m.id for m in self.extra_models)

    def faiss_file(self, model_id: str) -> str | None:
        """The name of the FAISS file holding ``model_id``'s vectors, if this version has one."""
        if model_id == self.model_id:
            return FAISS_FILE
        return next((m.file for m in self.extra_models if m.id == model_id), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        fields = dict(data)
        # Manifests from before the chunker had versions were cut by algorithm 1.
        fields["chunker"] = Chunking(**{"algorithm": 1, **fields["chunker"]})
        fields["extra_models"] = tuple(ModelEntry(**m) for m in fields.get("extra_models", ()))
        return cls(**fields)


def versions_dir(index_dir: Path) -> Path:
    return index_dir / "versions"


def current_version(
    index_dir: Path, required: tuple[str, ...] = (MANIFEST, FAISS_FILE, STORE_FILE)
) -> Path:
    """The directory of the version being served, which holds the ``required`` files.

    Raises:
        IndexNotBuilt: nothing was ever built here.
        IndexCorrupt: `current` points nowhere or the version lacks a file.
    """
    link = index_dir / "current"
    if not link.is_symlink() and not link.exists():
        raise IndexNotBuilt(
            f"there is no index at {index_dir} yet: build it with `citebot index build`"
        )
    version = link.resolve()
    if not version.is_dir():
        raise IndexCorrupt(f"the index at {index_dir} points to a missing version; {REBUILD_HINT}")
    for name in required:
        if not (version / name).is_file():
            raise IndexCorrupt(f"the index at {index_dir} is missing {name}; {REBUILD_HINT}")
    return version


def open_version(
    index_dir: Path, required: tuple[str, ...] = (MANIFEST, FAISS_FILE, STORE_FILE)
) -> tuple[Path, Manifest]:
    """The current version and its manifest, in the format this citebot reads: the one
    check of a version that the builder and the engine share.

    Raises:
        IndexNotBuilt, IndexCorrupt: as `current_version` and `read_manifest`.
        IndexIncompatible: the version is in another format.
    """
    version = current_version(index_dir, required)
    manifest = read_manifest(version)
    if manifest.format != FORMAT:
        raise IndexIncompatible(
            f"the index at {index_dir} has format {manifest.format} and this citebot reads "
            f"format {FORMAT}; {REBUILD_HINT}"
        )
    return version, manifest


def read_manifest(version: Path) -> Manifest:
    """Raises IndexCorrupt where the manifest is unreadable."""
    try:
        return Manifest.from_json(json.loads((version / MANIFEST).read_text("utf-8")))
    except (OSError, ValueError, TypeError, KeyError) as error:
        raise IndexCorrupt(
            f"the index manifest in {version} is unreadable ({error}); {REBUILD_HINT}"
        ) from None


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the build lock, waiting up to ``wait`` seconds for another build to let it go;
    the kernel frees it when the process dies, however it dies.

    Raises:
        BuildInProgress: another build still holds it after ``wait`` seconds.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / "build.lock").open("a") as handle:
        _take_lock(handle.fileno(), index_dir, wait)
        try:
            _remove_leftovers(index_dir)  # whoever holds the lock is the only builder
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take_lock(descriptor: int, index_dir: Path, wait: float) -> None:
    ends = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= ends:
                raise BuildInProgress(
                    f"another build of the index at {index_dir} is running; wait for it to finish"
                ) from None
            time.sleep(min(LOCK_POLL, max(0.0, ends - time.monotonic())))


def _remove_leftovers(index_dir: Path) -> None:
    """Remove what dead builds left: scratch directories and unused `current` links."""
    root = versions_dir(index_dir)
    if root.is_dir():
        for leftover in root.glob(".building-*"):
            shutil.rmtree(leftover, ignore_errors=True)
    for link in index_dir.glob(".current-*"):
        link.unlink(missing_ok=True)


def new_build_dir(index_dir: Path) -> Path:
    """A fresh scratch directory for a build. Only call while holding the build lock."""
    root = versions_dir(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    path = root / f".building-{secrets.token_hex(4)}"
    path.mkdir()
    return path


def publish(index_dir: Path, build_dir: Path, manifest: Manifest) -> Path:
    """Make a finished build the current version, atomically, and drop old versions."""
    (build_dir / MANIFEST).write_text(json.dumps(manifest.to_json(), indent=2), "utf-8")
    files = [MANIFEST, FAISS_FILE, STORE_FILE, *(m.file for m in manifest.extra_models)]
    for name in files + ([REMOVED_FILE] if manifest.removed else []):
        _fsync(build_dir / name)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    version = versions_dir(index_dir) / f"{stamp}-{secrets.token_hex(2)}"
    build_dir.rename(version)
    _fsync(versions_dir(index_dir))
    current = index_dir / "current"
    previous = current.resolve().name if current.is_symlink() else ""
    link = index_dir / f".current-{secrets.token_hex(4)}"
    link.symlink_to(version.relative_to(index_dir))
    link.replace(current)  # rename(2) is atomic: readers see the old version or the new one
    _fsync(index_dir)
    _drop_versions(index_dir, keep={version.name, previous})
    return version


def _drop_versions(index_dir: Path, keep: set[str]) -> None:
    """Remove all versions but ``keep``: the new one, and the one a slow reader may still open.

    This also removes a complete version that never became current (a build killed between
    its rename and the switch).
    """
    for path in versions_dir(index_dir).iterdir():
        if path.is_dir() and not path.name.startswith(".") and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
