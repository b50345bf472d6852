"""`perfledger gate`: a version's promotion gate for a CI step, asked of a running service
over HTTP. It prints each metric's threshold and value, and exits 0 when the gate passes, 1
when it fails, and 2 when the service could not answer."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

import httpx

PASSED, FAILED, UNANSWERED = 0, 1, 2
DEFAULT_URL = "http://127.0.0.1:8000"


def add_gate_command(commands: Any) -> None:
    gate = commands.add_parser(
        "gate", help="check a version against metric thresholds; exit 1 when it fails",
        description="Asks a running service for a version's gate check (GET .../performance"
                    "/gate) and exits 0 when every threshold is met, 1 when one is not, 2 when"
                    " the service could not answer. PERFLEDGER_URL and PERFLEDGER_TOKEN stand"
                    " in for --url and --token.")
    gate.add_argument("--model", required=True, help="the model's id")
    gate.add_argument("--version", help="default: the promoted version, else the latest trained")
    gate.add_argument("--split", default="test", help="dataset split (default test)")
    gate.add_argument("--min", action="append", default=[], metavar="METRIC=VALUE",
                      help="a lowest value allowed, e.g. accuracy=0.9 (repeatable)")
    gate.add_argument("--max", action="append", default=[], metavar="METRIC=VALUE",
                      help="a highest value allowed, e.g. log_loss=0.3 (repeatable)")
    gate.add_argument("--url", default=os.environ.get("PERFLEDGER_URL", DEFAULT_URL))
    gate.add_argument("--token", default=os.environ.get("PERFLEDGER_TOKEN"))
    gate.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")


def gate(args: argparse.Namespace) -> int:
    """The gate's verdict as an exit status, each check printed on its own line."""
    if not args.token:
        return _unanswered("give --token (or set PERFLEDGER_TOKEN): mint one with"
                           " `perfledger token --org <organization>`")
    params: dict[str, str] = {"dataset_split": args.split}
    if args.version:
        params["version_id"] = args.version
    for bound in ("min", "max"):
        for given in getattr(args, bound):
            metric, equals, value = given.partition("=")
            if not equals or not metric.strip() or not value.strip():
                return _unanswered(f"--{bound} wants METRIC=VALUE, not {given!r}")
            params[f"{bound}.{metric.strip()}"] = value.strip()
    url = f"{args.url.rstrip('/')}/api/v1/models/{args.model}/performance/gate"
    try:
        answer = httpx.get(url, params=params, timeout=args.timeout,
                           headers={"Authorization": f"Bearer {args.token}"})
    except httpx.HTTPError as error:
        return _unanswered(f"could not reach {args.url}: {error}")
    if answer.status_code != 200:
        return _unanswered(f"the service answered {answer.status_code}: {_reason(answer)}")
    verdict = answer.json()
    print(f"model {verdict['model_id']}, version {verdict['version_id']},"
          f" split {verdict['dataset_split']}")
    for check in verdict["checks"]:
        value = "none" if check["value"] is None else f"{check['value']:.6g}"
        print(f"  {'pass' if check['passed'] else 'FAIL'}  {check['metric']}"
              f" {'>=' if check['bound'] == 'min' else '<='} {check['threshold']:g}: {value}")
    print("gate passed" if verdict["passed"] else "gate FAILED")
    return PASSED if verdict["passed"] else FAILED


def _reason(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:300]
    return str(body.get("detail") or body)[:300] if isinstance(body, dict) else str(body)[:300]


def _unanswered(message: str) -> int:
    print(f"perfledger gate: {message}", file=sys.stderr)
    return UNANSWERED
