"""A wheel built from the checkout installs one package, `perfledger`, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_perfledger_and_no_generic_top_level_package(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--quiet", "--wheel-dir", str(tmp_path)],
                   check=True, capture_output=True)
    [wheel] = tmp_path.glob("perfledger-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"perfledger"}
    assert "perfledger/api/cli.py" in names and "perfledger/domain/registry/model.py" in names
