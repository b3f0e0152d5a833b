"""The packaged MiniLM as ONNX models, made once; `index.models.embedder.OnnxEmbedder` runs them
with onnxruntime and the ``tokenizers`` package alone (torch is needed here only, to export).

Two files: ``FP32``, the same vectors as torch (cosine 1.0000) with a question embedded in
under half the time, is the default; ``QUANTIZED``, int8, is a little faster again but costs
SciFact nDCG@10 (bench/onnx_backend.py, CHANGELOG.md). The export is torch's own ONNX
exporter (eager attention: optimum's exporter does not trace transformers 5), the
quantization sentence-transformers' own `export_dynamic_quantized_onnx_model`. It runs
locally on first use, into a folder of its own that is published by one rename, so a
half-written model is never loaded and two processes preparing it at once both end up with a
whole one.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from index.errors import ConfigError

log = logging.getLogger("citebot.models")

FP32 = "onnx/model.onnx"
QUANTIZED = "onnx/model_quint8_avx2.onnx"  # the file name sentence-transformers gives it
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FALLBACK = "set CITEBOT_MODEL=minilm-torch to use torch instead"


def prepare(source: Path, target: Path) -> Path:
    """``target``, ONNX copies (``FP32``, ``QUANTIZED``) of the sentence-transformers model at
    ``source``.

    Returns at once when ``target`` is already whole.

    Raises:
        ConfigError: the ONNX libraries are missing or the export failed.
    """
    if (target / QUANTIZED).is_file():
        return target
    log.warning("preparing the ONNX model in %s (once)", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        folder = work / "model"
        # Everything but the weights: the ONNX file replaces them.
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
        _export(source, folder / FP32)
        _quantize(folder)
        try:
            folder.rename(target)
        except OSError:
            if not (target / QUANTIZED).is_file():  # not another process's whole copy
                raise
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            f"could not prepare the ONNX model in {target} ({type(error).__name__}: {error}); "
            + FALLBACK
        ) from error
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _export(source: Path, path: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = torch.ones(1, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    # The tracer warns about constants and shapes it records; the dynamic axes cover them.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _last_hidden_state(bert),
            (sample, sample, torch.zeros_like(sample)),
            str(path),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _quantize(folder: Path) -> None:
    try:
        from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

        model = SentenceTransformer(str(folder), backend="onnx", device="cpu")
    except Exception as error:  # sentence-transformers wraps a missing optimum in Exception
        raise ConfigError(
            f"the ONNX backend is not installed ({error}); reinstall citebot with "
            f"`pip install -e .`, or {FALLBACK}"
        ) from None
    export_dynamic_quantized_onnx_model(model, "avx2", str(folder))


def _last_hidden_state(module: Any) -> Any:
    """``module`` wrapped to return its token vectors alone (torch is imported late)."""
    import torch

    class LastHiddenState(torch.nn.Module):
        """The model's token vectors alone: what the ONNX backend reads."""

        def __init__(self) -> None:
            super().__init__()
            self.model = module

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return LastHiddenState()
