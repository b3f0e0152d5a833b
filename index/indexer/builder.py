"""Building the index from the corpus folder, incrementally and atomically.

A build compares the corpus with what the current version recorded of each file (size and
modification time, then content hash), re-reads only what changed, embeds only passages
whose text has no cached vector, and writes a complete new version before switching to it.
With nothing changed it loads no model and writes nothing.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from index.errors import BuildFailed
from index.indexer.plan import Plan, duplicates, make_plan, require_articles
from index.indexer.previous import Previous, damaged_vectors, previous_version, rechunks
from index.indexer.report import BuildReport, Embedding, Progress
from index.indexer.status import IndexStatus, status
from index.indexer.write import write_version
from index.models.configured import models_for
from index.models.embedder import Embedder
from index.settings import Settings
from index.storage import faiss_index, layout
from index.text.sanitize import shorten

__all__ = [
    "BuildReport",
    "Embedding",
    "IndexStatus",
    "Progress",
    "build",
    "damaged_vectors",
    "make_plan",
    "status",
]


def build(
    settings: Settings,
    *,
    full: bool = False,
    embedder: Embedder | None = None,
    extra: Sequence[Embedder] | None = None,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    wait: float = 0.0,
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
        wait: seconds to wait for a build that is running to finish, then build on what it
            published (articles added meanwhile are not lost to a busy lock).

    Returns:
        A report of what changed; ``changed`` is False when the index was already current.

    Raises:
        CorpusError: the corpus folder is missing or has no usable article.
        BuildInProgress: another build is still running after ``wait`` seconds.
        ConfigError: the configured index type can't be built.
        KeyboardInterrupt: ``stop`` was set; nothing was published.
    """
    started = time.monotonic()
    models = models_for(settings, embedder, extra)
    with (
        layout.build_lock(settings.index_dir, wait),
        previous_version(settings, models[0], full) as found,
    ):
        previous, notes = found
        damaged = damaged_vectors(previous.version, previous.manifest) if previous else None
        if damaged:
            notes.append(f"{damaged}; making the vector index anew from the stored vectors")
        plan = make_plan(
            settings, previous.store if previous else None, rechunk=rechunks(settings, previous)
        )
        if previous and settings.tuning.sentence_vectors and not previous.manifest.sentences:
            notes.append("the index has no sentence vectors yet: adding them")
        current = previous is not None and not damaged and not plan.changed
        if previous is not None and current and _same_setup(settings, previous.manifest, models):
            articles, passages = previous.store.counts()
            skipped, same = tuple(plan.skipped), duplicates(plan.rows)
            return BuildReport(False, False, articles, passages, skipped=skipped,
                               duplicates=same, seconds=time.monotonic() - started)  # fmt: skip
        require_articles(settings, plan)
        report = _write(settings, models, previous, plan, progress, stop, not damaged)
    return replace(report, notes=tuple(notes), seconds=time.monotonic() - started)


def _write(
    settings: Settings,
    models: list[Embedder],
    previous: Previous | None,
    plan: Plan,
    progress: Progress | None,
    stop: threading.Event | None,
    reuse_vectors: bool,
) -> BuildReport:
    """Write a new version and publish it; a failed or stopped write leaves nothing."""
    with _writes():
        build_dir = layout.new_build_dir(settings.index_dir)
        try:
            return write_version(
                settings, models, previous, plan, build_dir, progress, stop,
                reuse_vectors=reuse_vectors,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise


def _same_setup(settings: Settings, manifest: layout.Manifest, models: Sequence[Embedder]) -> bool:
    """Whether a version was built as the settings would build it now: the same index
    type, the same models, and sentence vectors kept or not alike."""
    index_type = faiss_index.resolve_type(
        settings.index_type, manifest.passages, settings.approximate_above
    )
    return (
        manifest.index_type == index_type
        and [manifest.model_id, *manifest.extra_ids] == [m.model_id for m in models]
        and manifest.sentences == settings.tuning.sentence_vectors
    )


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
