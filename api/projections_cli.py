"""`perfledger projections`: each projection's position, lag and quarantine; retry after a fix."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.progress import TaskID
from rich.table import Table

from perfledger.api.bootstrap import build_container
from perfledger.api.progress import progress_bar
from perfledger.api.settings import Settings
from perfledger.projections.quarantine import live_quarantine


def projections(args: argparse.Namespace, settings: Settings) -> None:
    container = build_container(settings)
    engine = container.engine
    try:
        if args.action == "retry":
            if args.name not in engine.projections:
                known = ", ".join(engine.projections)
                sys.exit(f"unknown projection '{args.name}'; known: {known}")
            with progress_bar() as progress:
                task = progress.add_task(f"re-applying {args.name} from position 0", total=None)

                def report(position: int, head: int, task_id: TaskID = task) -> None:
                    progress.update(task_id, completed=position, total=head)

                left = engine.retry_quarantined(args.name, report)
            print(f"{args.name}: rebuilt with every quarantined event applied again in log order;"
                  f" {left} still quarantined")
            return
        console = Console()
        table = Table("projection", "generation", "position", "visible", "lag (events)",
                      "quarantined")
        for status in engine.status():
            table.add_row(status.name, str(status.generation), f"{status.position:,}",
                          f"{status.visible:,}", f"{status.lag:,}", str(status.quarantined))
        console.print(table)
        for entry in live_quarantine(container.database):
            console.print(f"[red]quarantined[/red] {entry.name} position {entry.position}"
                          f" ({entry.topic}, organization {entry.organization_id},"
                          f" {entry.recorded_at}): {entry.error}", markup=True, highlight=False)
        if any(status.quarantined for status in engine.status()):
            console.print("After fixing the cause, run `perfledger projections retry NAME`.")
    finally:
        container.close()
