"""Webhook URLs reach public https addresses only, unless the operator's allowance says more."""

from __future__ import annotations

import ipaddress

import pytest

from perfledger.domain.errors import InvalidInput
from perfledger.domain.monitoring.destinations import (
    Allowance,
    check_destination,
    resolve_addresses,
    vet_destination,
)

PUBLIC_V4 = "93.184.216.34"
PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946"


class FakeResolver:
    """Answers `answers` for any name, and remembers each (host, port) it was asked."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return list(self.answers)


def unresolvable(host: str, port: int) -> list[str]:
    raise OSError(f"no such host {host}")


def refusal(url: str, allowance: Allowance = Allowance.NONE, *answers: str) -> str:
    """The message check_destination refuses `url` with (the test fails if it accepts it)."""
    with pytest.raises(InvalidInput) as caught:
        check_destination(url, allowance, FakeResolver(*answers))
    assert caught.value.details == {"field": "url"}
    return caught.value.message


def test_https_to_a_public_address_is_accepted_and_resolved_with_the_url_port() -> None:
    resolve = FakeResolver(PUBLIC_V4, PUBLIC_V6)
    destination = vet_destination(
        "https://Hooks.Example.com:8443/alerts?x=1", Allowance.NONE, resolve
    )
    assert resolve.asked == [("hooks.example.com", 8443)]
    assert destination.scheme == "https"
    assert destination.host == "hooks.example.com"
    assert destination.port == 8443
    assert destination.addresses == (PUBLIC_V4, PUBLIC_V6)
    check_destination("https://example.com/hook", Allowance.NONE, resolve)
    assert resolve.asked[-1] == ("example.com", 443)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),  # cloud metadata service
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 of 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("::", "unspecified"),
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused(address: str, kind: str) -> None:
    message = refusal("https://hooks.example.com/hook", Allowance.NONE, address)
    assert f"resolves to a {kind} address" in message
    assert "PERFLEDGER_WEBHOOK_ALLOW" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3:8443/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[fd00::1]:9000/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_ip_literals_are_judged_without_resolving(url: str) -> None:
    resolve = FakeResolver(PUBLIC_V4)
    with pytest.raises(InvalidInput, match=r"is a [a-z-]+ address"):
        check_destination(url, Allowance.NONE, resolve)
    assert resolve.asked == []


def test_an_ip_literal_public_address_is_accepted() -> None:
    check_destination(f"https://{PUBLIC_V4}/hook", Allowance.NONE, unresolvable)
    check_destination(f"https://[{PUBLIC_V6}]:8443/hook", Allowance.NONE, unresolvable)


def test_a_name_with_one_public_and_one_private_address_is_refused() -> None:
    message = refusal("https://mixed.example.com/", Allowance.NONE, PUBLIC_V4, "192.168.0.10")
    assert "private" in message


def test_http_to_a_public_host_is_refused_unless_the_operator_allows_it() -> None:
    message = refusal("http://hooks.example.com/hook", Allowance.NONE, PUBLIC_V4)
    assert "https://" in message
    resolve = FakeResolver(PUBLIC_V4)
    check_destination(
        "http://hooks.example.com/hook", Allowance.parse("hooks.example.com"), resolve
    )
    check_destination(
        "http://hooks.example.com/hook", Allowance.parse("93.184.216.0/24"), resolve
    )


def test_http_needs_every_address_inside_the_allowed_networks() -> None:
    refusal("http://hooks.example.com/", Allowance.parse("93.184.216.0/24"), PUBLIC_V4, PUBLIC_V6)
    refusal("http://other.example.com/", Allowance.parse("hooks.example.com"), PUBLIC_V4)


def test_loopback_is_reachable_when_the_operator_allows_its_network_or_its_name() -> None:
    check_destination("http://127.0.0.1:8080/hook", Allowance.parse("127.0.0.0/8:8080"),
                      unresolvable)
    refusal("http://127.0.0.1:8080/hook", Allowance.parse("10.0.0.0/8:8080"))
    resolve = FakeResolver("127.0.0.1", "::1")
    check_destination("http://localhost:8080/hook", Allowance.parse("localhost:*"), resolve)
    check_destination("https://LOCALHOST./hook", Allowance.parse("localhost"), resolve)


def test_an_allowed_network_exempts_only_the_addresses_inside_it() -> None:
    allowance = Allowance.parse("10.0.0.0/8")
    inside = FakeResolver("10.9.8.7", PUBLIC_V4)
    check_destination("https://hooks.internal/", allowance, inside)
    check_destination("https://[::ffff:10.0.0.1]/", allowance, unresolvable)
    message = refusal("https://hooks.internal/", allowance, "10.9.8.7", "192.168.0.1")
    assert "private" in message


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@hooks.example.com/hook",
        "https://token@hooks.example.com/hook",
        "https://:secret@hooks.example.com/hook",
    ],
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    assert "credentials" in refusal(url, Allowance.NONE, PUBLIC_V4)


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.com/", "file:///etc/passwd", "gopher://hooks.example.com/",
     "hooks.example.com/hook", "javascript:alert(1)"],
)
def test_schemes_other_than_http_and_https_are_refused(url: str) -> None:
    assert "https://" in refusal(url, Allowance.NONE, PUBLIC_V4)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https:///hook", "no host"),
        ("https://hooks.example.com:0/", "port"),
        ("https://hooks.example.com:65536/", "port"),
        ("https://hooks.example.com:http/", "port"),
        ("https://hooks.example.com/" + "a" * 2048, "at most 2048"),
        ("https://hooks.example.com\\@10.0.0.1/", "backslash"),
        ("https://hooks.example.com/a b", "spaces"),
        ("https://[::1/", "not a valid URL"),
    ],
)
def test_malformed_urls_are_refused_with_the_problem_named(url: str, words: str) -> None:
    assert words in refusal(url, Allowance.NONE, PUBLIC_V4)


def test_a_url_of_exactly_2048_characters_is_accepted() -> None:
    url = "https://hooks.example.com/"
    url += "a" * (2048 - len(url))
    resolve = FakeResolver(PUBLIC_V4)
    check_destination(url, Allowance.NONE, resolve)


def test_an_unresolvable_host_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot be resolved") as caught:
        check_destination("https://nowhere.invalid/hook", Allowance.NONE, unresolvable)
    assert caught.value.details == {"field": "url"}
    assert "cannot be resolved" in refusal("https://empty.example.com/")  # resolves to nothing


def test_the_real_resolver_answers_addresses_and_raises_oserror_for_unknown_names() -> None:
    addresses = resolve_addresses("localhost", 80)
    assert addresses
    assert all(ipaddress.ip_address(address).is_loopback for address in addresses)
    assert resolve_addresses("127.0.0.1", 443) == ["127.0.0.1"]
    with pytest.raises(OSError):
        resolve_addresses("nowhere.invalid", 443)


def test_parsing_the_allowance_keeps_names_and_networks_apart() -> None:
    allowance = Allowance.parse("localhost, 10.0.0.0/8 ,,::1")
    assert allowance.hosts == frozenset({"localhost"})
    assert allowance.networks == (
        ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128"),
    )
    parsed = Allowance.parse(" Hooks.Internal. , 192.168.1.7, [fd00::1], fd00::/8 ")
    assert parsed.hosts == frozenset({"hooks.internal"})
    assert parsed.networks == (
        ipaddress.ip_network("192.168.1.7/32"), ipaddress.ip_network("fd00::1/128"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert Allowance.parse("") == Allowance.parse(" , ,") == Allowance.NONE
    assert Allowance.NONE.hosts == frozenset() and Allowance.NONE.networks == ()


@pytest.mark.parametrize(
    "entry",
    ["10.0.0.0/33", "10.0.0.1/8", "999.1.1.1", "https://hooks.internal", "hooks.internal:0",
     "hooks.internal:http", "hooks.internal:70000", "[fd00::1", "[fd00::1]8080", "*.internal",
     "bad host", "under/score"],
)
def test_an_invalid_allowance_entry_is_rejected_by_name(entry: str) -> None:
    with pytest.raises(ValueError) as caught:
        Allowance.parse(f"localhost, {entry}")
    assert repr(entry) in str(caught.value)


def test_the_allowance_is_read_from_the_environment_variable() -> None:
    environ = {"PERFLEDGER_WEBHOOK_ALLOW": "hooks.internal,10.0.0.0/8"}
    allowance = Allowance.from_environment(environ)
    assert allowance.hosts == frozenset({"hooks.internal"})
    assert allowance.networks == (ipaddress.ip_network("10.0.0.0/8"),)
    assert Allowance.from_environment({}) == Allowance.NONE


@pytest.mark.parametrize(("entry", "url", "allowed"), [
    ("127.0.0.1", "http://127.0.0.1/hook", True),
    ("127.0.0.1", "https://127.0.0.1/hook", True),
    ("127.0.0.1", "http://127.0.0.1:5432/", False),  # an entry without a port opens 80, 443
    ("127.0.0.1:5432", "http://127.0.0.1:5432/", True),
    ("127.0.0.1:5432", "http://127.0.0.1:5433/", False),
    ("127.0.0.1:5432", "http://127.0.0.1/", False),
    ("127.0.0.0/8:*", "http://127.0.0.1:6379/", True),
    ("[::1]:8080", "http://[::1]:8080/", True),
    ("[::1]:8080", "http://[::1]:8081/", False),
    ("[fd00::/8]:*", "https://[fd00::5]:9000/", True),
    ("localhost:8080", "http://localhost:8080/", True),
    ("localhost", "http://localhost:8080/", False),
])
def test_an_allowance_entry_opens_only_its_ports(entry: str, url: str, allowed: bool) -> None:
    resolve = FakeResolver("127.0.0.1")
    if allowed:
        check_destination(url, Allowance.parse(entry), resolve)
    else:
        refusal(url, Allowance.parse(entry), "127.0.0.1")
