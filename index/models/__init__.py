"""The embedding models (one list of them in `index.settings.MODELS`), loaded on first use,
and the optional cross-encoder."""
