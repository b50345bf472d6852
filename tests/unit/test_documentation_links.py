"""The README and docs/ stand on their own: every relative link names a file of this
repository, and none leads out of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "bench" / "README.md"]
LINK = re.compile(r"\]\(([^)\s]+)\)")
# paths written as code that point above the repository, as links do
OUTSIDE = re.compile(r"`\.\./[^`]*`")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_names_a_file_inside_the_repository(page: Path) -> None:
    text = page.read_text()
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # an address or an anchor on the same page
        found = (page.parent / target.split("#")[0]).resolve()
        assert found.is_relative_to(ROOT), f"{target} leads out of the repository"
        assert found.exists(), f"{target} names nothing"
    for written in OUTSIDE.findall(text):
        found = (page.parent / written.strip("`")).resolve()
        assert found.is_relative_to(ROOT), f"{written} points out of the repository"
