"""The public API: what `factdesk/__init__.py` exports, and the README's Python example."""

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import CORPUS

import factdesk
from factdesk.backends.embed.hashing import HashingEmbedder
from factdesk.backends.search.local import LocalIndex

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_public_api_is_declared_and_importable():
    for name in factdesk.__all__:
        assert getattr(factdesk, name) is not None
    assert {"Settings", "Desk", "run_check", "FactdeskError", "InputError"} <= set(factdesk.__all__)
    assert issubclass(factdesk.InputError, factdesk.FactdeskError)


def test_the_readme_python_example_runs(tmp_path, cli_env):
    section = README.split("### Use it from Python", 1)[1]
    example = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    index = LocalIndex(tmp_path / "home" / "index.sqlite3", HashingEmbedder())
    index.add(CORPUS)
    index.close()
    result = subprocess.run(
        [sys.executable, "-c", example],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert re.fullmatch(r"supported \d+%", first), first
    assert "# Was the Eiffel Tower built for the 1889 World's Fair?" in rest
