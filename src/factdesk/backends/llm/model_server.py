"""`factdesk models serve`: the bundled model behind an OpenAI-compatible HTTP API.

llama-cpp-python's own server (`llama_cpp.server`) loads the GGUF file that the
`llama_cpp` backend would load, with the same context, threads and seed, so that any
number of workers on other machines can share one loaded model through the `openai`
backend. Log-probabilities must be on (`logits_all`), since stance, verdict and
grounding read the probabilities of their answers.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from factdesk.backends.llm.llama_cpp import LlamaCppSettings, model_path
from factdesk.errors import ConfigError, ModelMissingError
from factdesk.settings import Settings

MODEL_ALIAS = "factdesk"
"""The model name workers ask for (FACTDESK_LLM__MODEL_NAME)."""


def model_server_app(settings: Settings, options: LlamaCppSettings, host: str, port: int) -> Any:
    """The server's ASGI app, with the model loaded."""
    path = model_path(settings, options)
    if not path.is_file():
        raise ModelMissingError(
            f"The local model is not installed at {path}; run `factdesk models install`."
        )
    try:
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        raise ConfigError(
            f"llama-cpp-python's server is not installed ({exc.name}); "
            "pip install 'llama-cpp-python[server]'."
        ) from exc
    model = ModelSettings(
        model=str(path),
        model_alias=MODEL_ALIAS,
        n_ctx=options.n_ctx,
        n_threads=options.n_threads,
        n_threads_batch=options.n_threads,
        n_batch=options.n_batch,
        seed=options.seed,
        logits_all=True,
        verbose=False,
    )
    return create_app(server_settings=ServerSettings(host=host, port=port), model_settings=[model])


def serve_model(settings: Settings, options: LlamaCppSettings, host: str, port: int) -> None:
    """Serve until interrupted."""
    uvicorn.run(model_server_app(settings, options, host, port), host=host, port=port)
