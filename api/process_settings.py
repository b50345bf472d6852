"""Settings of the interpreter and the C allocator for a long-running perfledger process.

The catch-up thread shares the interpreter with the request handlers. It waits for the
database dozens of times a page, and after each wait it needs the interpreter lock back;
a handler decoding a batch holds it for up to the switch interval (5 ms by default) before
handing it over, so under steady ingestion most of a page went by in those hand-overs. At
1 ms, `bench/live.py` kept the summary within 1.7 s (p95) of 40k rows sent a second to 9.1M rows
where at 5 ms it fell 54 s behind (bench/RESULTS.md). The price is read throughput beside
ingestion in the same process; PERFLEDGER_SWITCH_INTERVAL_MS sets it (docs/operations.md).

The worker holds each busy series' scores as sorted arrays and merges them as rows come
(projections/performance/ranks.py): arrays of a few hundred kilobytes to tens of megabytes,
made and freed all the time. glibc serves a block below its mmap threshold from its heaps,
and raises that threshold (up to 32 MB) whenever a larger block is freed, so after the first
merges these arrays live in the heaps, which fragment and seldom shrink: 7.7M scores held
twice grew a process by 27 bytes per score instead of 16. A threshold fixed at 1 MB maps each
larger block on its own and hands it back to the kernel when it is freed; the same run then
grew by 16 bytes per score, in the same time, and catch-up ran as fast.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
import sys

MMAP_THRESHOLD_BYTES = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def prepare_process() -> None:
    """What every perfledger process sets first, before it reads its settings (which may
    write the signing secret): files readable by its user alone, the allocator's threshold,
    and the log's format."""
    # Every file the service creates (the database, its journal, uploads, the secret) is
    # readable by its user alone, from its creation.
    os.umask(0o077)
    map_large_blocks_apart()  # held score arrays go back to the kernel when freed
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def hand_over_the_interpreter_often(milliseconds: int) -> None:
    sys.setswitchinterval(milliseconds / 1000)


def map_large_blocks_apart() -> bool:
    """Fixes glibc's mmap threshold for this process; False where the C library is not
    glibc (musl, macOS), which keep their own ways."""
    if platform.libc_ver()[0] != "glibc":
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
