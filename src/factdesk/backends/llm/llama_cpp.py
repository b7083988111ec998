"""The embedded default LLM: a local GGUF model through llama-cpp-python.

Prompt processing dominates on a small CPU, so each prompt kind's fixed opening (its
instructions and examples) is evaluated once, and the model state after it is kept,
in memory and on disk. A later call of the same kind, in this process or a later one,
restores that state and only evaluates what differs.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from factdesk.backends.llm import llama_decode
from factdesk.errors import LLMError, ModelMissingError
from factdesk.plugins import Backend, BuildContext, Registry
from factdesk.protocols import ChatMessage, LLMRequest, LLMResponse
from factdesk.settings import UNHASHED, Settings

MAX_SAVED_PREFIXES = 12
REPEAT_PENALTY = 1.1


@dataclass(frozen=True)
class _SavedPrefix:
    tokens: tuple[int, ...]
    state: bytes


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class LlamaCppLLM:
    """A GGUF model run in-process; one call at a time (the model is not re-entrant)."""

    def __init__(
        self,
        model_path: Path,
        *,
        n_ctx: int,
        n_threads: int,
        n_batch: int,
        seed: int,
        state_dir: Path | None = None,
    ) -> None:
        if not model_path.is_file():
            raise ModelMissingError(
                f"The local model is not installed at {model_path}; run `factdesk models install`."
            )
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = f"llama_cpp:{model_path.name}"
        self._lock = threading.Lock()
        try:
            self._llm = Llama(
                str(model_path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=n_batch,
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMError("llama_cpp", f"could not load {model_path}: {exc}") from exc
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise LLMError("llama_cpp", f"{model_path.name} has no chat template")
        self._format = Jinja2ChatFormatter(template=template, eos_token="", bos_token="")
        self._grammars: dict[str, Any] = {}
        self._prefixes: OrderedDict[str, _SavedPrefix] = OrderedDict()
        self._n_ctx = n_ctx
        self._state_dir = state_dir
        import llama_cpp

        self._state_salt = f"{model_path.name}:{model_path.stat().st_size}:{n_ctx}:" + str(
            llama_cpp.__version__
        )

    def _tokens(self, messages: list[ChatMessage]) -> list[int]:
        rendered: Any = [m.model_dump() for m in messages]
        prompt = self._format(messages=rendered).prompt
        tokens: list[int] = self._llm.tokenize(prompt.encode(), add_bos=False, special=True)
        return tokens

    def _prompt_tokens(self, request: LLMRequest) -> list[int]:
        tokens = self._tokens(request.messages)
        if request.prefill:
            tokens += self._llm.tokenize(request.prefill.encode(), add_bos=False, special=False)
        if len(tokens) + request.max_tokens > self._n_ctx:
            raise LLMError(
                "llama_cpp",
                f"the {request.kind} prompt needs {len(tokens) + request.max_tokens} tokens, "
                f"more than the context of {self._n_ctx}",
            )
        return tokens

    def _fixed_prefix(self, request: LLMRequest, tokens: list[int]) -> int:
        """How many leading tokens every prompt of this kind shares (its instructions)."""
        opening = [m for m in request.messages if m.role == "system"]
        probe = self._tokens([*opening, ChatMessage(role="user", content="")])
        return min(common_prefix(probe, tokens), len(tokens) - 1)

    def _prepare(self, request: LLMRequest, tokens: list[int]) -> None:
        """Leave the model's cache holding as much of `tokens` as can be had cheaply."""
        llm = self._llm
        fixed = self._fixed_prefix(request, tokens)
        cached = common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)
        if cached >= fixed:
            return
        saved = self._prefixes.get(request.kind)
        if saved is None or list(saved.tokens) != tokens[:fixed]:
            saved = self._load_prefix(tokens[:fixed])
        if saved is not None and self._restore(saved):
            self._remember(request.kind, saved)
            return
        self._truncate(cached)
        llm.eval(tokens[cached:fixed])
        saved = _SavedPrefix(tuple(tokens[:fixed]), self._snapshot())
        self._remember(request.kind, saved)
        self._store_prefix(saved)

    def _remember(self, kind: str, saved: _SavedPrefix) -> None:
        self._prefixes[kind] = saved
        self._prefixes.move_to_end(kind)
        while len(self._prefixes) > MAX_SAVED_PREFIXES:
            self._prefixes.popitem(last=False)

    def _prefix_file(self, tokens: Sequence[int]) -> Path | None:
        if self._state_dir is None:
            return None
        digest = hashlib.sha256(self._state_salt.encode())
        digest.update(np.asarray(tokens, dtype=np.int32).tobytes())
        return self._state_dir / f"{digest.hexdigest()[:24]}.state"

    def _load_prefix(self, tokens: Sequence[int]) -> _SavedPrefix | None:
        path = self._prefix_file(tokens)
        if path is None or not path.is_file():
            return None
        return _SavedPrefix(tuple(tokens), path.read_bytes())

    def _store_prefix(self, saved: _SavedPrefix) -> None:
        """Write the state for later processes; a cache that cannot be written is skipped."""
        path = self._prefix_file(saved.tokens)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.partial")
            partial.write_bytes(saved.state)
            partial.replace(path)
        except OSError:
            return

    def _truncate(self, keep: int) -> None:
        llm = self._llm
        if keep > 0 and llm._ctx.kv_cache_seq_rm(-1, keep, -1):
            llm.n_tokens = keep
        else:
            llm.reset()

    def _snapshot(self) -> bytes:
        import llama_cpp

        ctx = self._llm._ctx.ctx
        size = llama_cpp.llama_state_get_size(ctx)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_get_data(ctx, buffer, size)
        # string_at copies the memory in one go; slicing a ctypes array builds a Python
        # list of every byte first (minutes for a state of a hundred megabytes)
        return ctypes.string_at(buffer, written)

    def _restore(self, saved: _SavedPrefix) -> bool:
        import llama_cpp

        data = (ctypes.c_uint8 * len(saved.state)).from_buffer_copy(saved.state)
        if not llama_cpp.llama_state_set_data(self._llm._ctx.ctx, data, len(saved.state)):
            self._llm.reset()
            return False
        self._llm.input_ids[: len(saved.tokens)] = saved.tokens
        self._llm.n_tokens = len(saved.tokens)
        return True

    def _grammar(self, schema: dict[str, Any]) -> Any:
        from llama_cpp.llama_grammar import LlamaGrammar

        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            # the schema as written: its property order is the order the model writes them in
            self._grammars[key] = LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        return self._grammars[key]

    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        with self._lock:
            tokens = self._prompt_tokens(request)
            grammar = self._grammar(request.json_schema) if request.json_schema else None
            try:
                self._prepare(request, tokens)
                text, generated = self._generate(request, tokens, grammar)
            except (ValueError, RuntimeError) as exc:
                self._llm.reset()
                raise LLMError("llama_cpp", f"{request.kind} generation failed: {exc}") from exc
        return LLMResponse(
            text=request.prefill + text,
            prompt_tokens=len(tokens),
            completion_tokens=generated,
            seconds=time.perf_counter() - started,
        )

    def _generate(self, request: LLMRequest, tokens: list[int], grammar: Any) -> tuple[str, int]:
        """Greedy requests (all of the desk's) take the faster greedy decoder; a sampled
        one goes through llama-cpp-python's own sampler chain."""
        if request.temperature == 0:
            self._evaluate(tokens)
            return llama_decode.generate(
                self._llm,
                tokens,
                max_tokens=request.max_tokens,
                stop=request.stop,
                grammar=grammar,
                repeat_penalty=REPEAT_PENALTY,
            )
        out: Any = self._llm.create_completion(
            tokens,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            stop=request.stop or None,
            grammar=grammar,
            repeat_penalty=REPEAT_PENALTY,
        )
        return out["choices"][0]["text"], out["usage"]["completion_tokens"]

    def classify(self, request: LLMRequest, choices: Sequence[str]) -> LLMResponse:
        """Next-token probabilities of each choice's first token, renormalised over choices."""
        started = time.perf_counter()
        with self._lock:
            tokens = self._prompt_tokens(request)
            try:
                self._prepare(request, tokens)
                logits = self._last_logits(tokens)
            except (ValueError, RuntimeError) as exc:
                self._llm.reset()
                raise LLMError("llama_cpp", f"{request.kind} evaluation failed: {exc}") from exc
        shifted = np.exp(logits - logits.max())
        probs = shifted / shifted.sum()
        mass = {choice: self._choice_mass(choice, probs) for choice in choices}
        total = sum(mass.values())
        chosen = (
            {choice: value / total for choice, value in mass.items()}
            if total > 0
            else {choice: 1.0 / len(choices) for choice in choices}
        )
        return LLMResponse(
            text=max(chosen, key=lambda c: chosen[c]),
            probs=chosen,
            prompt_tokens=len(tokens),
            seconds=time.perf_counter() - started,
        )

    def _choice_mass(self, choice: str, probs: np.ndarray) -> float:
        """Probability of the choice's first token, in the spellings a model may use."""
        ids: set[int] = set()
        for variant in {choice, choice.lower(), " " + choice, " " + choice.lower()}:
            encoded = self._llm.tokenize(variant.encode(), add_bos=False, special=False)
            if encoded:
                ids.add(encoded[0])
        return float(sum(float(probs[i]) for i in ids))

    def _evaluate(self, tokens: list[int]) -> None:
        """Evaluate `tokens` after the longest cached prefix, so the last one's logits are
        current (at least one token is always decoded, for fresh logits)."""
        llm = self._llm
        cached = common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)
        self._truncate(min(cached, len(tokens) - 1))
        llm.eval(tokens[llm.n_tokens :])

    def _last_logits(self, tokens: list[int]) -> np.ndarray:
        llm = self._llm
        self._evaluate(tokens)
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(llm.n_vocab(),)).copy()


class LlamaCppSettings(BaseModel):
    model_config = {"extra": "forbid"}

    model_file: str = Field(
        default="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        description="A GGUF file, absolute or relative to the models folder.",
    )
    n_ctx: int = Field(default=4096, ge=512, description="Context window in tokens.")
    n_threads: int = Field(
        default_factory=lambda: max(1, min(os.cpu_count() or 2, 8)),
        ge=1,
        description="CPU threads (default: the machine's cores, at most 8).",
        json_schema_extra=UNHASHED,
    )
    n_batch: int = Field(default=512, ge=1, description="Prompt tokens evaluated per batch.")
    seed: int = Field(default=7, description="Sampling seed.")
    prefix_cache: bool = Field(
        default=True,
        description="Keep the model state after each prompt kind's instructions, in memory "
        "and on disk, so later prompts of that kind skip them.",
        json_schema_extra=UNHASHED,
    )


def model_path(settings: Settings, options: LlamaCppSettings) -> Path:
    configured = Path(options.model_file)
    return configured if configured.is_absolute() else settings.models_dir / configured


def _build(context: BuildContext, options: LlamaCppSettings) -> LlamaCppLLM:
    settings = context.settings
    return LlamaCppLLM(
        model_path(settings, options),
        n_ctx=options.n_ctx,
        n_threads=options.n_threads,
        n_batch=options.n_batch,
        seed=options.seed,
        state_dir=settings.home / "cache" / "llm-prefix" if options.prefix_cache else None,
    )


def _missing_model(settings: Settings, options: LlamaCppSettings) -> str | None:
    path = model_path(settings, options)
    return None if path.is_file() else f"the model file {path}: run `factdesk models install`"


def register(registry: Registry) -> None:
    registry.register(
        Backend(
            kind="llm",
            name="llama_cpp",
            summary="A local GGUF model in-process through llama-cpp-python (the default).",
            factory=_build,
            settings=LlamaCppSettings,
            requires=_missing_model,
        )
    )
