"""The models an index is built and searched with, as the settings configure them."""

from __future__ import annotations

from collections.abc import Sequence

from index.models.e5 import extra_embedders
from index.models.embedder import Embedder, make_embedder
from index.settings import Settings


def models_for(
    settings: Settings, embedder: Embedder | None = None, extra: Sequence[Embedder] | None = None
) -> list[Embedder]:
    """The main model, then the further ones (the multilingual model's vector index).

    ``embedder`` is the main model (default: the configured one); ``extra`` the further
    models (default: the configured ones when ``embedder`` is not given, else none).
    """
    model = embedder or make_embedder(settings.model, settings.batch_size, settings.models_dir)
    if extra is None:
        extra = (
            extra_embedders(settings.multilingual, settings.batch_size, settings.models_dir)
            if embedder is None
            else []
        )
    return [model, *extra]
