"""A wheel built from the checkout installs one package, `perfledger`, and nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_perfledger_and_no_generic_top_level_package(tmp_path: Path) -> None:
    # Built from a copy: setuptools writes its build tree beside the sources, and CI runs the
    # suite on two Pythons at once from one checkout (two builds there would collide).
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "*.egg-info", "__pycache__", ".venv", "var", "node_modules"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
                            "--quiet", "--wheel-dir", str(tmp_path)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = tmp_path.glob("perfledger-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"perfledger"}
    assert "perfledger/api/cli.py" in names and "perfledger/domain/registry/model.py" in names
