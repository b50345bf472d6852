"""With the allocator set as perfledger's processes set it, arrays the size of held score
levels go back to the kernel when freed, even with small blocks allocated between them."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

# Arrays of 2 MB made one after another with a small block kept after each, then freed: in
# glibc's heaps the small blocks pin the space between them; mapped apart, it is unmapped.
FRAGMENTING = """
import sys
import numpy as np
from perfledger.api.process_settings import map_large_blocks_apart

def resident_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6

if sys.argv[1] == "set":
    assert map_large_blocks_apart()
freed = np.ones(1 << 19)  # a first large free (4 MB) raises glibc's own threshold to its size
del freed
before = resident_mb()
arrays, pins = [], []
for _ in range(100):
    arrays.append(np.ones(1 << 18))  # 2 MB, written so its pages are resident
    pins.append(bytearray(4096))
del arrays
print(resident_mb() - before)
"""


def retained_mb(mode: str) -> float:
    out = subprocess.run([sys.executable, "-c", FRAGMENTING, mode], capture_output=True,
                         text=True, check=True).stdout
    return float(out.strip())


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator")
def test_freed_arrays_leave_the_process():
    assert retained_mb("set") < 20  # of the 200 MB the arrays took
