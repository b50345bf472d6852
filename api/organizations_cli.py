"""`perfledger orgs`: the organizations of this store, their names and model counts; and
naming one, so `--org` takes a name where it took an id."""

from __future__ import annotations

import argparse
import uuid
from typing import Any

from perfledger.api.bootstrap import build_container
from perfledger.api.settings import Settings
from perfledger.domain.application import PerfLedger
from perfledger.domain.errors import NotFound
from perfledger.projections.catalog.queries import models_per_organization

DEFAULT_NAME = "default"  # the first start's organization, unless named otherwise


def add_organizations_command(commands: Any) -> None:
    orgs = commands.add_parser(
        "orgs", help="list organizations, create or name one",
        description="Without an action, lists every organization that holds models or has a "
                    "name, with its id, name and model count. `--org` of token, api-key and "
                    f"demo takes a name as well as an id; '{DEFAULT_NAME}' is the first "
                    "start's organization unless another is named so.")
    actions = orgs.add_subparsers(dest="action")
    create = actions.add_parser("create", help="a new organization with this name")
    create.add_argument("name")
    name = actions.add_parser("name", help="give an organization (an id) a name")
    name.add_argument("org", help="the organization's id")
    name.add_argument("name")


def organizations(args: argparse.Namespace, settings: Settings) -> None:
    container = build_container(settings)
    try:
        ledger = container.ledger
        if args.action == "create":
            organization = str(uuid.uuid4())
            ledger.name_organization(organization, args.name)
            print(f"created organization {args.name}: {organization}")
            print(f"a token for it: perfledger token --org {args.name}")
            return
        if args.action == "name":
            ledger.name_organization(str(_uuid(args.org)), args.name)
            print(f"organization {args.org} is named {args.name}")
            return
        container.engine.catch_up("catalog", 60.0)
        _list(ledger.organization_names(), models_per_organization(container.database),
              settings.default_organization_id)
    finally:
        container.close()


def _list(names: dict[str, str], models: dict[str, int], default: str) -> None:
    known = {default, *names, *models}
    rows = sorted(known, key=lambda org: (org != default, names.get(org, "~"), org))
    print(f"{'id':36}  {'name':24}  models")
    for org in rows:
        name = names.get(org) or (DEFAULT_NAME if org == default else "")
        print(f"{org:36}  {name:24}  {models.get(org, 0)}")


def organization_id_of(given: str, ledger: PerfLedger | None, settings: Settings) -> str:
    """`--org` as an organization id: an id as it is, else a name (`perfledger orgs`)."""
    if not needs_lookup(given):
        return str(uuid.UUID(given))
    found = ledger.organization_named(given) if ledger is not None else None
    if found is None and given == DEFAULT_NAME:
        found = settings.default_organization_id
    if found is None:
        raise NotFound(f"No organization is named {given!r}; `perfledger orgs` lists them, "
                       "`perfledger orgs create NAME` makes one")
    return found


def needs_lookup(given: str) -> bool:
    """Whether `--org` names an organization (to look up) rather than giving its id."""
    try:
        uuid.UUID(given)
    except ValueError:
        return True
    return False


def _uuid(text: str) -> uuid.UUID:
    if needs_lookup(text):
        raise ValueError(f"{text!r} is not an organization id (a UUID)")
    return uuid.UUID(text)
