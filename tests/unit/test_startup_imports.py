"""pandas and pyarrow (95 MB resident, 0.5 s) load with the first uploaded table read, so
processes that never read one do not carry them."""

from __future__ import annotations

import subprocess
import sys


def test_the_service_starts_without_pandas_or_pyarrow() -> None:
    probe = ("import sys, perfledger.api.app, perfledger.api.cli, perfledger.scheduler.runner; "
             "print(sorted({'pandas', 'pyarrow'} & set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
