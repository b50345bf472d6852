"""Where a webhook may post: https to public addresses, anything else only if the operator says so.

A tenant chooses its webhook URLs, and the server posts to them: without a check, a tenant
could make the server reach the operator's own network (databases, admin consoles, the cloud
metadata service at 169.254.169.254). So a URL must be `https://`, and every address its host
resolves to must be public. The operator lifts either rule for chosen hosts or networks with
`PERFLEDGER_WEBHOOK_ALLOW`, a comma list of host names and CIDRs, each with the ports it opens
(443 and 80 unless it names others): `http://` is then allowed to those hosts and ports, and
so are their private addresses.

DNS answers change, so the check runs when a webhook is registered and again right before each
send; `vet_destination` also returns the addresses it accepted, so the sender can connect to
exactly those instead of resolving the name a second time.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from perfledger.domain.errors import InvalidInput

ALLOW_VARIABLE = "PERFLEDGER_WEBHOOK_ALLOW"
MAX_URL_CHARS = 2048
DEFAULT_PORTS = {"https": 443, "http": 80}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

# A host name as the operator writes it: dot-separated labels of letters, digits, '-' and '_'
# (a name ending in a numeric label is a mistyped address: no top-level domain is numeric).
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
# IPv6 addresses that stand for an IPv4 one: the IPv4 address is what a connection reaches.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


Ports = frozenset[int] | None  # None: any port
# An entry without a port opens the web's own ports only: allowing a host is not opening
# every service on it.
WEB_PORTS: Ports = frozenset(DEFAULT_PORTS.values())


@dataclass(frozen=True)
class Allowed:
    """One entry of the allowance: a host name or a network, and the ports it opens."""

    target: str | IPNetwork
    ports: Ports

    def opens(self, port: int) -> bool:
        return self.ports is None or port in self.ports


@dataclass(frozen=True)
class Allowance:
    """Hosts and networks the operator lets webhooks reach despite the default rules."""

    entries: tuple[Allowed, ...]

    NONE: ClassVar[Allowance]

    @classmethod
    def parse(cls, text: str) -> Allowance:
        """Read a comma list of host names and CIDRs (or single addresses), each optionally
        with `:port` or `:*` (any port); without one, an entry opens ports 443 and 80.

        Whitespace around entries and empty entries are ignored. An entry that reads as an IP
        network or address is a network (an IPv6 one in brackets to carry a port:
        `[fd00::1]:8080`, `[fd00::/8]:*`); any other must be a plain host name (no scheme or
        wildcard). Raises ValueError naming the first entry that is neither.
        """
        entries: list[Allowed] = []
        for raw in text.split(","):
            entry = raw.strip()
            if entry:
                entries.append(_allowed(entry))
        return cls(tuple(entries))

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Allowance:
        """The allowance the operator set in `PERFLEDGER_WEBHOOK_ALLOW` (none when unset)."""
        source = os.environ if environ is None else environ
        return cls.parse(source.get(ALLOW_VARIABLE, ""))

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset(e.target for e in self.entries if isinstance(e.target, str))

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        return tuple(e.target for e in self.entries if not isinstance(e.target, str))

    def allows_host(self, host: str, port: int) -> bool:
        name = _normalized_host(host)
        return any(e.target == name and e.opens(port) for e in self.entries)

    def covers(self, address: IPAddress, port: int) -> bool:
        """Whether `address`, or the IPv4 address it stands for, is in an allowed network
        that opens `port`."""
        candidates = [address]
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            candidates.append(embedded)
        return any(not isinstance(e.target, str) and candidate in e.target and e.opens(port)
                   for candidate in candidates for e in self.entries)


def _allowed(entry: str) -> Allowed:
    target, ports = _split_port(entry)
    network = _network_entry(target, entry)
    if network is not None:
        return Allowed(network, ports)
    name = target.lower().removesuffix(".")
    if not _HOST_NAME.match(name) or name.rpartition(".")[2].isdigit():
        raise ValueError(
            f"{ALLOW_VARIABLE} entry {entry!r} is neither a host name nor an IP network "
            "(write e.g. 'hooks.internal', 'hooks.internal:8080' or '10.0.0.0/8', without a"
            " scheme)"
        )
    return Allowed(name, ports)


def _split_port(entry: str) -> tuple[str, Ports]:
    """The entry without its `:port` (or `:*`), and the ports it opens."""
    if entry.startswith("["):  # an IPv6 address or network, maybe with a port after it
        inside, bracket, rest = entry[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise ValueError(f"{ALLOW_VARIABLE} entry {entry!r} has an unclosed '['")
        return inside, _ports(rest[1:], entry) if rest else WEB_PORTS
    if entry.count(":") != 1:  # none, or an IPv6 address written without brackets
        return entry, WEB_PORTS
    target, _, port = entry.partition(":")
    return target, _ports(port, entry)


def _ports(text: str, entry: str) -> Ports:
    if text == "*":
        return None
    if text.isdigit() and 1 <= int(text) <= 65535:
        return frozenset({int(text)})
    raise ValueError(f"{ALLOW_VARIABLE} entry {entry!r} has port {text!r}; give 1 to 65535,"
                     " or * for any port")


Allowance.NONE = Allowance(())


@dataclass(frozen=True)
class Destination:
    """A URL that passed the checks, with the addresses a connection may use."""

    scheme: str
    host: str
    port: int
    addresses: tuple[str, ...]


def resolve_addresses(host: str, port: int) -> list[str]:
    """Every address (IPv4 and IPv6) `host` resolves to for TCP; OSError when there is none."""
    try:
        answers = socket.getaddrinfo(
            host, port, family=socket.AF_UNSPEC, type=socket.SOCK_STREAM,
            proto=socket.IPPROTO_TCP,
        )
    except UnicodeError as error:
        raise OSError(f"host name {host!r} cannot be encoded: {error}") from error
    addresses = list(dict.fromkeys(str(answer[4][0]) for answer in answers))
    if not addresses:
        raise OSError(f"host name {host!r} has no address")
    return addresses


def check_destination(
    url: str, allowance: Allowance, resolve: Resolver = resolve_addresses
) -> None:
    """Raise InvalidInput (field `url`) unless a webhook may post to `url`."""
    vet_destination(url, allowance, resolve)


def vet_destination(
    url: str, allowance: Allowance, resolve: Resolver = resolve_addresses
) -> Destination:
    """Check `url` as `check_destination` does and return the addresses it was accepted for."""
    scheme, host, port = _parse(url)
    host_allowed = allowance.allows_host(host, port)
    if scheme == "http" and not host_allowed and not allowance.networks:
        raise _refusal(_HTTP_REFUSED)
    addresses = _addresses(host, port, resolve)
    if scheme == "http" and not host_allowed and not all(
        allowance.covers(address, port) for address in addresses
    ):
        raise _refusal(_HTTP_REFUSED)
    if not host_allowed:
        for address in addresses:
            kind = forbidden_kind(address)
            if kind is not None and not allowance.covers(address, port):
                verb = "is" if _address_or_none(host) is not None else "resolves to"
                raise _refusal(
                    f"url's host '{host}' {verb} a {kind} address; webhooks reach public "
                    f"addresses only, unless the operator allows the host in {ALLOW_VARIABLE}"
                )
    return Destination(scheme, host, port, tuple(str(address) for address in addresses))


def forbidden_kind(address: IPAddress) -> str | None:
    """What makes `address` off limits to webhooks by default ('loopback', ...), or None."""
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return forbidden_kind(embedded)
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    kinds: Iterable[tuple[str, bool]] = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((kind for kind, applies in kinds if applies), None)


_HTTP_REFUSED = (
    f"url uses http://, which is allowed only to hosts the operator lists in {ALLOW_VARIABLE}; "
    "use an https:// URL"
)


def _parse(url: str) -> tuple[str, str, int]:
    if len(url) > MAX_URL_CHARS:
        raise _refusal(f"url is {len(url)} characters long; at most {MAX_URL_CHARS} are allowed")
    if any(char <= " " or char in "\x7f\\" for char in url):
        raise _refusal("url must not contain spaces, control characters or backslashes")
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise _refusal(
            f"url is not a valid URL ({error}); give e.g. https://example.com/hook"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise _refusal("url must start with https:// (or http:// to hosts the operator allows)")
    if "@" in parts.netloc:
        raise _refusal(
            "url must not carry credentials (user:password@host); receivers authenticate "
            "deliveries with the X-Perfledger-Signature header"
        )
    host = _normalized_host(parts.hostname or "")
    if not host:
        raise _refusal("url has no host; give an absolute URL such as https://example.com/hook")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        port = DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise _refusal("url's port must be a number from 1 to 65535")
    return scheme, host, port


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    literal = _address_or_none(host)
    if literal is not None:
        return [literal]
    try:
        answers = resolve(host, port)
    except OSError:
        raise _refusal(f"url's host '{host}' cannot be resolved; check the host name") from None
    addresses = [_address_or_none(answer) for answer in answers]
    if not addresses or None in addresses:
        raise _refusal(f"url's host '{host}' cannot be resolved; check the host name")
    return [address for address in addresses if address is not None]


def _network_entry(entry: str, written: str) -> IPNetwork | None:
    """The network `entry` names, None when it is no IP notation at all."""
    unbracketed = entry.removeprefix("[").removesuffix("]")
    address = _address_or_none(unbracketed)
    if address is not None:
        return ipaddress.ip_network(address)
    prefix, slash, _ = entry.partition("/")
    if not slash or _address_or_none(prefix) is None:
        return None
    try:
        return ipaddress.ip_network(entry)
    except ValueError as error:
        raise ValueError(
            f"{ALLOW_VARIABLE} entry {written!r} is not a valid network: {error}"
        ) from None


def _address_or_none(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 IPv6 address reaches, if it is one."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _normalized_host(host: str) -> str:
    return host.lower().removesuffix(".")


def _refusal(message: str) -> InvalidInput:
    return InvalidInput(message, {"field": "url"})
