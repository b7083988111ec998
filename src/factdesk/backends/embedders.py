"""Embedders: MiniLM through ONNX Runtime (default) and a model-free hashing embedder."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from factdesk import modelpkgs
from factdesk.errors import BackendError
from factdesk.protocols import EMBEDDERS
from factdesk.settings import Settings

Vectors = npt.NDArray[np.float32]


def _normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX: mean-pooled over the attention mask, L2-normalised."""

    name = "minilm"
    dimension = 384

    def __init__(self, settings: Settings) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = modelpkgs.require(settings.models_dir, "embedder")
        tokenizer_file = modelpkgs.require(settings.models_dir, "tokenizer")
        options = ort.SessionOptions()
        options.intra_op_num_threads = settings.embedder.threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=settings.embedder.max_tokens)
        self._tokenizer.no_padding()
        self._batch = settings.embedder.batch_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sort by length so each batch pads to a similar length.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch):
            idx = order[start : start + self._batch]
            encodings = self._tokenizer.encode_batch([texts[i] for i in idx])
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, enc in enumerate(encodings):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            try:
                (hidden,) = self._session.run(
                    ["last_hidden_state"],
                    {
                        "input_ids": ids,
                        "attention_mask": mask,
                        "token_type_ids": np.zeros_like(ids),
                    },
                )
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise BackendError("embedder", f"ONNX inference failed: {exc}") from exc
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[idx] = _normalise(pooled)
        return out


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Feature hashing of words and word pairs: no model, deterministic, lexical only.

    Useful where no model can be installed and in tests; it has no notion of synonyms.
    """

    name = "hashing"

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.lower() for w in _TOKEN.findall(text)]
            features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
            for feature in features:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
        return _normalise(out)


@EMBEDDERS.register("minilm")
def _minilm(settings: Settings) -> MiniLMEmbedder:
    return MiniLMEmbedder(settings)


@EMBEDDERS.register("hashing")
def _hashing(settings: Settings) -> HashingEmbedder:
    return HashingEmbedder()
