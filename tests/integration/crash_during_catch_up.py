"""Runs catch-up and freezes inside the second page's transaction, waiting to be killed."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.projections.performance.projection import PerformanceProjection


def main(marker: Path) -> None:
    container = build_container(Settings.from_env())
    container.engine.page_size = 2
    original = PerformanceProjection.apply
    pages = 0

    def apply_then_freeze(self: PerformanceProjection, tx: Any, t: Any, events: Any) -> None:
        nonlocal pages
        original(self, tx, t, events)
        pages += 1
        if pages == 2:
            marker.write_text("rows written, transaction open")
            time.sleep(600)

    PerformanceProjection.apply = apply_then_freeze  # type: ignore[method-assign]
    container.engine.catch_up("performance", budget_seconds=600)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
