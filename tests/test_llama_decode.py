"""The embedded model's greedy decoder chooses the tokens llama-cpp-python's sampler chain
chooses at temperature 0, with and without a JSON-schema grammar, and stops where it does
(real model; slow)."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from factdesk import modelpkgs
from factdesk.backends.llm import llama_decode
from factdesk.backends.llm.llama_cpp import REPEAT_PENALTY, LlamaCppLLM
from factdesk.prompts import FOLLOWUP, POINT, SECTION, UNDERSTAND
from factdesk.protocols import LLMRequest
from factdesk.settings import Settings

pytestmark = pytest.mark.slow

MODELS_DIR = Settings().models_dir
PASSAGE = (
    "<<<PASSAGE [1] from Wikipedia: Eiffel Tower>>>\nThe Eiffel Tower is a wrought-iron "
    "lattice tower on the Champ de Mars in Paris. It was designed by Gustave Eiffel's "
    "company and built from 1887 to 1889 as the centrepiece of the 1889 World's Fair.\n"
    "<<<END [1]>>>"
)


@pytest.fixture(scope="module")
def model() -> LlamaCppLLM:
    artifact = next(a for a in modelpkgs.ARTIFACTS if a.name == "llm")
    if not modelpkgs.is_installed(MODELS_DIR, artifact):
        reason = f"the local model is not installed in {MODELS_DIR}"
        if os.environ.get("FACTDESK_REQUIRE_MODELS") == "1":
            pytest.fail(reason + " (run `factdesk models install`)")
        pytest.skip(reason)
    path = modelpkgs.artifact_path(MODELS_DIR, "llm")
    return LlamaCppLLM(path, n_ctx=2048, n_threads=2, n_batch=512, seed=7)


def _both(model: LlamaCppLLM, request: LLMRequest) -> tuple[str, str]:
    """(chain, decoder) texts for one request, each from a freshly reset model."""
    llm: Any = model._llm
    tokens = model._prompt_tokens(request)
    grammar = model._grammar(request.json_schema) if request.json_schema else None
    llm.reset()
    chain = llm.create_completion(
        tokens,
        max_tokens=request.max_tokens,
        temperature=0.0,
        stop=request.stop or None,
        grammar=grammar,
        repeat_penalty=REPEAT_PENALTY,
    )["choices"][0]["text"]
    llm.reset()
    model._evaluate(tokens)
    decoded, _ = llama_decode.generate(
        llm,
        tokens,
        max_tokens=request.max_tokens,
        stop=request.stop,
        grammar=grammar,
        repeat_penalty=REPEAT_PENALTY,
    )
    return chain, decoded


@pytest.mark.parametrize(
    "request_",
    [
        UNDERSTAND.render(question="Was the Eiffel Tower built for the 1889 World's Fair?"),
        FOLLOWUP.render(
            subject="Eiffel Tower",
            claim="The Eiffel Tower was built for the 1889 World's Fair.",
            verdict="supported",
            fact="It was built from 1887 to 1889 for the fair [1].",
        ),
        SECTION.render(
            passages=PASSAGE, subject="Eiffel Tower", question="Who built the Eiffel Tower?"
        ),
    ],
    ids=["understand-json", "followup-json", "section"],
)
def test_greedy_decoder_matches_the_sampler_chain(model: LlamaCppLLM, request_: LLMRequest) -> None:
    chain, decoded = _both(model, request_)
    assert decoded == chain
    if request_.json_schema:
        json.loads(decoded)  # the grammar held


def test_a_stop_string_ends_the_text_before_it(model: LlamaCppLLM) -> None:
    request = POINT.render(passages=PASSAGE, question="When was the Eiffel Tower built?")
    request = request.model_copy(update={"stop": ["Statement:"]})
    chain, decoded = _both(model, request)
    assert decoded == chain
    assert "Statement:" not in decoded
    assert decoded.strip()


def test_complete_keeps_the_prefill_and_counts_tokens(model: LlamaCppLLM) -> None:
    request = POINT.render(passages=PASSAGE, question="When was the Eiffel Tower built?")
    response = model.complete(request)
    assert response.text.startswith("Answer:")
    assert "1889" in response.text
    assert 0 < response.completion_tokens <= request.max_tokens
    assert response.prompt_tokens > 100
