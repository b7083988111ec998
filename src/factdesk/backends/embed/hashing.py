"""A model-free embedder: feature hashing of words and word pairs."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from factdesk.backends.embed.minilm import normalise
from factdesk.plugins import Backend, Registry

Vectors = npt.NDArray[np.float32]
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
        return normalise(out)


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="embedder",
            name="hashing",
            summary="Feature hashing of words: no model, lexical only (tests, tiny machines).",
            factory=lambda context, options: HashingEmbedder(),
        )
    )
