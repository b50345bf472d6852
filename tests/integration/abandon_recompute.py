"""Takes up the queued recompute requests and freezes mid-request, waiting to be killed."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.scheduler import tasks


def main(marker: Path) -> None:
    container = build_container(Settings.from_env())

    def freeze(*_: Any) -> dict[str, Any]:
        marker.write_text("request started, not finished")
        time.sleep(600)
        return {}

    tasks.recompute_cached = freeze  # type: ignore[assignment]
    tasks.process_recompute_requests(
        tasks.TaskContext(container.engine, container.ledger, container.positions))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
