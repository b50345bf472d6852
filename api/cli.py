"""The `perfledger` command: serve, worker, token, api-key, rebuild, demo, projections, gate,
webhook-echo, orgs."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import psycopg
from eventsourcing.persistence import PersistenceError
from rich.progress import TaskID

from perfledger.api.auth import ADMIN, mint_token
from perfledger.api.bootstrap import build_container
from perfledger.api.gate_cli import add_gate_command, gate
from perfledger.api.organizations_cli import (
    add_organizations_command,
    needs_lookup,
    organization_id_of,
    organizations,
)
from perfledger.api.process_settings import hand_over_the_interpreter_often, prepare_process
from perfledger.api.processes import serve, work
from perfledger.api.progress import progress_bar
from perfledger.api.projections_cli import projections
from perfledger.api.settings import Settings
from perfledger.api.webhook_echo import add_webhook_echo_command, webhook_echo
from perfledger.domain.aggregate import acting, set_acting_user
from perfledger.domain.errors import DomainError
from perfledger.domain.values import Caller
from perfledger.projections.catalog.queries import model_ids_named

ENVIRONMENT_HELP = (
    "Configuration comes from the environment: PERFLEDGER_DATA_DIR (default ./var), "
    "PERFLEDGER_DATABASE_URL (postgresql://..., default: embedded SQLite), "
    "PERFLEDGER_JWT_SECRET, PERFLEDGER_HOST, PERFLEDGER_PORT, PERFLEDGER_MAX_BODY_BYTES, "
    "PERFLEDGER_RESPONSE_CACHE_ENTRIES, PERFLEDGER_HEAVY_WORKERS, PERFLEDGER_HEAVY_QUEUE, "
    "PERFLEDGER_METRICS_TOKEN, PERFLEDGER_WEBHOOK_ALLOW, PERFLEDGER_MAX_TOKEN_SECONDS, "
    "PERFLEDGER_DATABASE_TIMEOUT_SECONDS, PERFLEDGER_HEADER_TIMEOUT_SECONDS, "
    "PERFLEDGER_BODY_TIMEOUT_SECONDS, PERFLEDGER_KEEP_ALIVE_SECONDS (see docs/operations.md)."
)

TOKEN_TTL = 7 * 24 * 3600  # a working week and then some; at most the service's maximum

def token(args: argparse.Namespace, settings: Settings) -> None:
    organization = args.org
    if needs_lookup(args.org):  # a name: the store knows it
        container = build_container(settings)
        try:
            organization = organization_id_of(args.org, container.ledger, settings)
        finally:
            container.close()
    if not 0 < args.ttl <= settings.max_token_seconds:
        raise SystemExit(f"--ttl must be 1 to {settings.max_token_seconds} seconds (the longest"
                         " lifetime the service accepts, PERFLEDGER_MAX_TOKEN_SECONDS)")
    print(
        mint_token(
            settings.jwt_secret,
            organization,
            args.scope or [ADMIN],
            args.sub,
            args.org_name,
            args.ttl,
        )
    )


def api_key(args: argparse.Namespace, settings: Settings) -> None:
    container = build_container(settings)
    try:
        if args.action == "create":
            caller = Caller(organization_id_of(args.org, container.ledger, settings))
            key_id, key = container.ledger.mint_api_key(caller, args.scope or [ADMIN])
            print(f"key id: {key_id} (revoke with `perfledger api-key revoke {key_id}`)")
            print(key)
        else:
            container.ledger.revoke_api_key(uuid.UUID(args.key_id))
            print(f"revoked {args.key_id}")
    finally:
        container.close()


def rebuild(args: argparse.Namespace, settings: Settings) -> None:
    container = build_container(settings)
    names = args.projections or list(container.engine.projections)
    unknown = set(names) - set(container.engine.projections)
    if unknown:
        sys.exit(
            f"unknown projection(s): {', '.join(sorted(unknown))}; "
            f"known: {', '.join(container.engine.projections)}"
        )
    try:
        with progress_bar() as progress:
            for name in names:
                task = progress.add_task(f"rebuilding {name}", total=None)

                def report(position: int, head: int, task_id: TaskID = task) -> None:
                    progress.update(task_id, completed=position, total=head)

                generation = container.engine.rebuild(name, report)
                progress.update(task, description=f"rebuilt {name} (generation {generation})")
    finally:
        container.close()


def demo(args: argparse.Namespace, settings: Settings) -> None:
    from perfledger.api.demo import DEMO_MODELS, load_demo
    from perfledger.api.demo_job import load_demo_job
    from perfledger.scheduler.evaluation import evaluate_monitors

    container = build_container(settings)
    job_id: int | None = None
    try:
        organization = (organization_id_of(args.org, container.ledger, settings) if args.org
                        else settings.default_organization_id)
        container.engine.catch_up("catalog", 600.0)
        model_ids = model_ids_named(container.database, organization, DEMO_MODELS)
        if model_ids:  # loaded already: twice would be two of each model
            print(f"The demo is in organization {organization} already; nothing was loaded"
                  " (`perfledger demo --org OTHER` loads it into another; `perfledger orgs"
                  " create NAME` makes one).")
        else:
            with progress_bar() as progress, acting("demo"):
                model_ids = load_demo(container, organization, progress)
                job_id = load_demo_job(container, organization, progress)
            with progress_bar() as progress:
                task = progress.add_task("projecting", total=None)
                container.engine.catch_up_all(budget_seconds=600)
                with acting("demo"):  # what the scheduler would find on its next evaluation
                    evaluate_monitors(container.engine, container.ledger)
                container.engine.catch_up_all(budget_seconds=60)
                progress.update(task, total=1, completed=1)
    finally:
        container.close()
    _print_demo_guide(settings, organization, model_ids, job_id)


def _print_demo_guide(settings: Settings, organization: str, model_ids: list[str],
                      job_id: int | None) -> None:
    if job_id is not None:
        print(f"Loaded 3 models and a job into organization {organization}:")
    for model_id in model_ids:
        print(f"  /api/v1/models/{model_id}/performance/summary")
    if job_id is not None:
        print(f"  POST /api/v2/metrics/job?job_id={job_id}")
    churn = f"/api/v1/models/{model_ids[0]}/performance"
    last_week = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%d")
    print("Production over the last month (churn-classifier; the apac region drifts in the last"
          " week, and the challenger v2 is scored on the same rows):")
    print(f"  GET {churn}/timeseries?tag.region=apac")
    print(f"  GET {churn}/segments?by=region&start={last_week}")
    print(f"  GET {churn}/compare?candidate=v2")
    print("Two monitors watch its daily accuracy; the one on apac has raised alerts:")
    print(f"  GET /api/v1/models/{model_ids[0]}/alerts?state=open")
    print(
        f"Read them with a token for that organization (`perfledger token --org {organization}`)."
    )
    print(f"Dashboard (sign in with that token): http://{settings.host}:{settings.port}"
          f"/ui/models/{model_ids[0]}?tag.region=apac")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="perfledger", description=ENVIRONMENT_HELP)
    commands = root.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser(
        "serve", help="run the HTTP service (and the scheduler)", description=ENVIRONMENT_HELP
    )
    serve_cmd.add_argument(
        "--no-scheduler", action="store_true", help="API only; run `perfledger worker` for the jobs"
    )
    serve_cmd.add_argument(
        "--scheduler", choices=("process", "thread"),
        help="run the scheduler in a process of its own (the default on PostgreSQL: the"
        " catch-up then keeps up with busy ingestion) or in a thread (SQLite's only way)")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    commands.add_parser(
        "worker",
        help="run the scheduler alone (one active per database)",
        description=ENVIRONMENT_HELP,
    )
    token_cmd = commands.add_parser(
        "token", help="print a signed bearer token", description=ENVIRONMENT_HELP
    )
    token_cmd.add_argument("--org", required=True,
                           help="organization id, or its name (`perfledger orgs`)")
    token_cmd.add_argument("--org-name")
    token_cmd.add_argument("--sub", default="admin", help="the user the token speaks for")
    token_cmd.add_argument(
        "--scope", action="append", help="repeatable; default organization:admin"
    )
    token_cmd.add_argument("--ttl", type=int, default=TOKEN_TTL,
                           help="seconds the token is valid (default 604800: 7 days)")
    key_cmd = commands.add_parser("api-key", help="create or revoke API keys")
    key_actions = key_cmd.add_subparsers(dest="action", required=True)
    create = key_actions.add_parser("create", description=ENVIRONMENT_HELP)
    create.add_argument("--org", required=True, help="organization id or name")
    create.add_argument("--scope", action="append")
    revoke = key_actions.add_parser("revoke", description=ENVIRONMENT_HELP)
    revoke.add_argument("key_id")
    rebuild_cmd = commands.add_parser(
        "rebuild", help="rebuild projections from position 0", description=ENVIRONMENT_HELP
    )
    rebuild_cmd.add_argument("projections", nargs="*", help="default: all")
    demo_cmd = commands.add_parser(
        "demo", help="load a small realistic data set", description=ENVIRONMENT_HELP
    )
    demo_cmd.add_argument("--org", help="organization id or name (default: the first-start"
                                        " one)")
    projections_cmd = commands.add_parser(
        "projections", help="list each projection's position, lag and quarantined events",
        description=ENVIRONMENT_HELP,
    )
    projections_actions = projections_cmd.add_subparsers(dest="action")
    retry = projections_actions.add_parser(
        "retry", help="apply a projection's quarantined events again (a rebuild, in log order)",
        description=ENVIRONMENT_HELP,
    )
    retry.add_argument("name", help="the projection, e.g. performance")
    add_gate_command(commands)
    add_webhook_echo_command(commands)
    add_organizations_command(commands)
    return root


COMMANDS = {
    "serve": serve,
    "worker": work,
    "token": token,
    "api-key": api_key,
    "rebuild": rebuild,
    "demo": demo,
    "projections": projections,
    "orgs": organizations,
}


def main(argv: Sequence[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.command == "gate":  # a client of a running service: no settings, no data dir
        sys.exit(gate(args))
    if args.command == "webhook-echo":  # a receiver of a running service's deliveries
        sys.exit(webhook_echo(args))
    prepare_process()
    set_acting_user("cli")  # what a command records names the CLI (the demo names itself)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        sys.exit(f"configuration error: {error}")
    # the catch-up thread waits less for the request handlers
    hand_over_the_interpreter_often(settings.switch_interval_ms)
    try:
        COMMANDS[args.command](args, settings)
    except (ValueError, DomainError) as error:
        sys.exit(f"error: {error}")
    except (psycopg.Error, PersistenceError) as error:
        where = settings.storage.database_url or settings.storage.sqlite_path
        sys.exit(
            f"cannot use the database at {where}: {error}\n"
            "Start the database server, or fix PERFLEDGER_DATABASE_URL / "
            "PERFLEDGER_DATA_DIR."
        )


if __name__ == "__main__":
    main()
