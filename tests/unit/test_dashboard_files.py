"""The dashboard's static files install with the package, and every file they load exists."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "api" / "ui" / "static"
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?from\s+["'](\.{1,2}/[^"']+)["']""", re.M)
STATIC_URL = re.compile(r"""["'](/ui/static/[^"']+)["']""")


def _listed(relative: str, patterns: list[str]) -> bool:
    """setuptools' globs: `*` stays within one folder."""
    parts = relative.split("/")
    return any(len(p.split("/")) == len(parts) and all(
        fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, p.split("/"), strict=True))
        for p in patterns)


def test_every_static_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = config["package-data"]["perfledger.api.ui"]
    files = [path.relative_to(STATIC.parent).as_posix() for path in STATIC.rglob("*")
             if path.is_file()]
    assert files and [f for f in files if not _listed(f, patterns)] == []


def test_every_module_the_pages_import_exists() -> None:
    for module in STATIC.rglob("*.js"):
        if "vendor" in module.parts:
            continue
        for target in IMPORT.findall(module.read_text()):
            assert (module.parent / target).resolve().is_file(), f"{module}: {target}"
    for url in STATIC_URL.findall((STATIC / "index.html").read_text()):
        assert (STATIC / url.removeprefix("/ui/static/")).is_file(), url


def test_the_bundled_chart_library_ships_with_its_licence() -> None:
    licence = (STATIC / "vendor" / "uplot" / "LICENSE").read_text()
    assert "MIT License" in licence and "Leon Sorokin" in licence
