"""The scheduler's own tables: what it did, not what happened (that is in the event log).

Monitor evaluations and webhook deliveries live here; they are not projections, since a
rebuild from the log must not evaluate again or send again.
"""

from __future__ import annotations

from perfledger.projections.database import Database
from perfledger.scheduler.evaluation import EVALUATION_SCHEMA
from perfledger.scheduler.webhooks.outbox import OUTBOX_SCHEMA


def install_scheduler_tables(database: Database) -> None:
    with database.transaction() as tx:
        for statement in (*EVALUATION_SCHEMA, *OUTBOX_SCHEMA):
            tx.execute(statement)
