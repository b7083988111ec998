"""Greedy decoding for the embedded model, with the grammar checked on the chosen token first.

llama-cpp-python's sampler chain filters every one of the model's 151,936 candidate tokens
through a JSON-schema grammar at each step, which on a 2-core CPU costs about as much as
the model's own forward pass. Greedy decoding only needs the best token the grammar
allows, so the unconstrained best token is tried first and the whole vocabulary is
filtered only when the grammar rejects it (what llama.cpp's own command-line sampler does).

The tokens chosen are the ones llama-cpp-python's chain chooses at temperature 0: the same
repeat penalty over the same window of generated tokens, then the grammar, then the
highest logit (the first on a tie); tests/test_llama_decode.py compares the two on the
real model.
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

PENALTY_WINDOW = 64  # llama-cpp-python's default `last_n_tokens_size`


class GrammarFilter:
    """A llama.cpp grammar sampler used on its own: asked about one token or all of them."""

    def __init__(self, llm: Any, grammar: Any) -> None:
        import llama_cpp
        from llama_cpp import _internals

        self._api = llama_cpp
        self._sampler = llama_cpp.llama_sampler_init_grammar(
            llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._one = _internals.LlamaTokenDataArray(n_vocab=1)
        self._all = _internals.LlamaTokenDataArray(n_vocab=llm.n_vocab())

    def allows(self, token: int, logit: float) -> bool:
        self._one.candidates_data.id[0] = token
        self._one.candidates_data.logit[0] = logit
        self._one.candidates.size = 1
        self._one.candidates.sorted = False
        self._api.llama_sampler_apply(self._sampler, ctypes.byref(self._one.candidates))
        return bool(np.isfinite(self._one.candidates_data.logit[0]))

    def filter(self, scores: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """The scores with every token the grammar forbids here set to minus infinity."""
        self._all.copy_logits(scores)
        self._api.llama_sampler_apply(self._sampler, ctypes.byref(self._all.candidates))
        filtered: npt.NDArray[np.float32] = np.array(self._all.candidates_data.logit)
        return filtered

    def accept(self, token: int) -> None:
        self._api.llama_sampler_accept(self._sampler, token)

    def close(self) -> None:
        self._api.llama_sampler_free(self._sampler)


def _penalised(
    logits: npt.NDArray[np.float32], recent: Sequence[int], penalty: float
) -> npt.NDArray[np.float32]:
    """llama.cpp's repeat penalty: each recently generated token's logit divided by the
    penalty when positive, multiplied when not, once however often it occurred."""
    scores = logits.copy()
    if recent and penalty != 1.0:
        ids = np.fromiter(set(recent), dtype=np.int64)
        values = scores[ids]
        factor = np.float32(penalty)
        scores[ids] = np.where(values > 0, values / factor, values * factor)
    return scores


def generate(
    llm: Any,
    prompt: Sequence[int],
    *,
    max_tokens: int,
    stop: Sequence[str] = (),
    grammar: Any = None,
    repeat_penalty: float = 1.1,
) -> tuple[str, int]:
    """(text, tokens generated) of the greedy continuation of `prompt`, which the model
    has just evaluated, cut before the first stop string; the end-of-generation token is
    neither counted nor shown."""
    import llama_cpp

    vocab = llm._model.vocab
    allowed = GrammarFilter(llm, grammar) if grammar is not None else None
    recent: deque[int] = deque(maxlen=PENALTY_WINDOW)
    generated: list[int] = []
    try:
        for _ in range(max_tokens):
            logits = np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),))
            scores = _penalised(logits, recent, repeat_penalty)
            token = int(np.argmax(scores))
            if allowed is not None and not allowed.allows(token, float(scores[token])):
                token = int(np.argmax(allowed.filter(scores)))
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                break
            if allowed is not None:
                allowed.accept(token)
            recent.append(token)
            generated.append(token)
            if stop:  # only stop strings need the text while generating
                text = _text(llm, prompt, generated)
                found = [text.find(s) for s in stop if s and s in text]
                if found:
                    return text[: min(found)], len(generated)
            llm.eval([token])
    finally:
        if allowed is not None:
            allowed.close()
    return _text(llm, prompt, generated), len(generated)


def _text(llm: Any, prompt: Sequence[int], generated: list[int]) -> str:
    decoded: bytes = llm.detokenize(generated, prev_tokens=list(prompt))
    return decoded.decode("utf-8", "ignore")
