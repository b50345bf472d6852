"""The design card's folders install as one package, `perfledger`, and nothing else."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("domain", "projections", "api", "scheduler")


def test_every_folder_of_code_is_a_listed_package() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    folders = {
        path.parent for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    expected = {"perfledger." + ".".join(folder.relative_to(ROOT).parts) for folder in folders}
    assert expected == listed
    assert all((folder / "__init__.py").exists() for folder in folders)
