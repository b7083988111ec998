"""Raw speed of the installed llama.cpp build: prompt tokens/s and generated tokens/s.

    python bench/model_speed.py [--name model-speed] [--runs 3]

Reads a 600-token prompt (Wikipedia sample text) into an empty context, then generates 100
tokens greedily from it, `--runs` times, with the embedded backend's context, threads
and batch. Run it from two virtualenvs (e.g. a portable and a native llama.cpp build) to
compare builds; the result records the build's CPU features. Needs `factdesk models
install`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from factdesk import modelpkgs
from factdesk.backends.llm.llama_cpp import LlamaCppSettings
from factdesk.settings import Settings

from common import save

PROMPT_TOKENS = 600
GENERATED_TOKENS = 100


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default="model-speed")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import llama_cpp
    from llama_cpp import Llama

    settings = Settings()
    options = LlamaCppSettings()
    llm = Llama(
        str(modelpkgs.artifact_path(settings.models_dir, "llm")),
        n_ctx=options.n_ctx,
        n_threads=options.n_threads,
        n_threads_batch=options.n_threads,
        n_batch=options.n_batch,
        verbose=False,
    )
    sample = json.loads(modelpkgs.artifact_path(settings.models_dir, "sample").read_text("utf-8"))
    text = " ".join(article["extract"] for article in list(sample.values())[:8])
    prompt = llm.tokenize(("Summarise the passages.\n" + text).encode())[:PROMPT_TOKENS]
    prompt_rates, generation_rates = [], []
    for _ in range(args.runs):
        llm.reset()
        started = time.perf_counter()
        llm.eval(prompt)
        prompt_rates.append(len(prompt) / (time.perf_counter() - started))
        started = time.perf_counter()
        out = llm.create_completion(prompt, max_tokens=GENERATED_TOKENS, temperature=0.0)
        generated = out["usage"]["completion_tokens"]
        generation_rates.append(generated / (time.perf_counter() - started))
    result = {
        "llama_build": llama_cpp.llama_print_system_info().decode().strip(),
        "threads": options.n_threads,
        "prompt_tokens": len(prompt),
        "prompt_tokens_per_s": round(statistics.median(prompt_rates), 1),
        "generated_tokens_per_s": round(statistics.median(generation_rates), 1),
        "runs": args.runs,
    }
    print(json.dumps(result, indent=2))
    save(args.name, result)


if __name__ == "__main__":
    main()
