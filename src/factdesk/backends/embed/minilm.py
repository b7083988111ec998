"""The default embedder: all-MiniLM-L6-v2 through ONNX Runtime."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from factdesk import modelpkgs
from factdesk.errors import BackendError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.settings import UNHASHED, Settings

Vectors = npt.NDArray[np.float32]


def normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length (cosine similarity becomes a dot product)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class MiniLMSettings(BaseModel):
    model_config = {"extra": "forbid"}

    threads: int = Field(
        default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)),
        ge=1,
        description="ONNX Runtime threads.",
        json_schema_extra=UNHASHED,
    )
    batch_size: int = Field(
        default=16, ge=1, description="Texts per inference batch.", json_schema_extra=UNHASHED
    )
    max_tokens: int = Field(default=128, ge=8, description="Tokens embedded per text.")


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8 ONNX: mean-pooled over the attention mask, L2-normalised."""

    name = "minilm"
    dimension = 384

    def __init__(self, models_dir: Path, options: MiniLMSettings) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = modelpkgs.require(models_dir, "embedder")
        tokenizer_file = modelpkgs.require(models_dir, "tokenizer")
        session_options = ort.SessionOptions()
        session_options.intra_op_num_threads = options.threads
        session_options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model), sess_options=session_options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=options.max_tokens)
        self._tokenizer.no_padding()
        self._batch = options.batch_size

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors in the order given. Texts are tokenised once, then run in batches of
        similar token length, so that batches pad little: on the sample, 2,048 articles
        a call sorted by tokens pad 0.8% (the 256 sorted by characters before: 14%)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(e.ids) for e in encodings], dtype=np.int64)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), self._batch):
            idx = order[start : start + self._batch]
            ids = np.zeros((len(idx), int(lengths[idx].max())), dtype=np.int64)
            for row, i in enumerate(idx):
                ids[row, : lengths[i]] = encodings[i].ids
            mask = (np.arange(ids.shape[1]) < lengths[idx][:, None]).astype(np.int64)
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
            out[idx] = normalise(pooled)
        return out


def _build(context: BuildContext, options: MiniLMSettings) -> MiniLMEmbedder:
    return MiniLMEmbedder(context.settings.models_dir, options)


def _missing(settings: Settings, options: MiniLMSettings) -> str | None:
    missing = [
        name
        for name in ("embedder", "tokenizer")
        if not modelpkgs.artifact_path(settings.models_dir, name).is_file()
    ]
    return f"the {' and '.join(missing)} files: run `factdesk models install`" if missing else None


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="embedder",
            name="minilm",
            summary="all-MiniLM-L6-v2 (int8 ONNX), 384 dimensions (the default).",
            factory=_build,
            settings=MiniLMSettings,
            requires=_missing,
        )
    )
