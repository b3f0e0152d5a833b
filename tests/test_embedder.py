from __future__ import annotations

import os

import pytest

from index.embedder import set_runtime_flags


def test_runtime_flags_keep_models_offline_and_idle_threads_from_spinning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOMP_SPINCOUNT", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "0")  # what the environment says, stays
    set_runtime_flags()
    assert os.environ["GOMP_SPINCOUNT"] == "10000"
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "0"
