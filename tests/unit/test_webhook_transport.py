"""Posting a delivery to a real local HTTP server: statuses, redirects, refusals, failures."""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from perfledger.domain.monitoring.destinations import Allowance
from perfledger.scheduler.webhooks.signing import signed_headers, verify
from perfledger.scheduler.webhooks.transport import MAX_RESPONSE_BYTES, Outcome, send

LOOPBACK = Allowance.parse("127.0.0.0/8:*")
SECRET = "receiver-secret"
BODY = json.dumps({"alert": "drift", "model": "churn", "value": 0.31}).encode()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local webhook receiver: POST /status/<code> answers <code>; it records every request."""

    server: ThreadingHTTPServer
    received: list[Received] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class FakeResolver:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)

    def __call__(self, host: str, port: int) -> list[str]:
        return list(self.answers)


def start_receiver(tls: ssl.SSLContext | None = None) -> Receiver:
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(Received(self.path, dict(self.headers.items()), body))
            if self.path == "/slow":
                time.sleep(2)
            if self.path == "/trickle":  # each line well within the timeout, the whole not
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(20):
                    time.sleep(0.1)
                    self.wfile.write(b"X-Part: a\r\n")
                self.wfile.write(b"Content-Length: 0\r\n\r\n")
                return
            if self.path == "/large":
                self._answer(200, b"x" * (MAX_RESPONSE_BYTES * 64))
                return
            code = int(self.path.rsplit("/", 1)[1]) if self.path.startswith("/status/") else 200
            self._answer(code, b'{"ok": true}', {"Location": "/landed"} if code == 302 else {})

        def _answer(self, code: int, payload: bytes, extra: dict[str, str] | None = None) -> None:
            try:
                self.send_response(code)
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client stopped reading: that is the point of some tests

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return Receiver(server, received)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = start_receiver()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as opened:
        yield opened


def headers_for(body: bytes, delivery_id: str = "dlv-1") -> dict[str, str]:
    return signed_headers(body, SECRET, 1_700_000_000, delivery_id)


def test_a_2xx_is_delivered_with_the_body_and_signed_headers_as_sent(
    receiver: Receiver, client: httpx.Client
) -> None:
    sent_headers = headers_for(BODY, "dlv-7")
    outcome = send(client, receiver.url("/status/200"), BODY, sent_headers, LOOPBACK)
    assert outcome.status_code == 200
    assert outcome.delivered
    assert outcome.error is None
    assert 0 <= outcome.seconds < 10
    [request] = receiver.received
    assert request.path == "/status/200"
    assert request.body == BODY
    for name, value in sent_headers.items():
        assert request.headers[name] == value
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert verify(request.body, SECRET, request.headers["X-Perfledger-Signature"])
    assert not verify(request.body, "wrong", request.headers["X-Perfledger-Signature"])


@pytest.mark.parametrize("status", [201, 204])
def test_any_2xx_counts_as_delivered(
    receiver: Receiver, client: httpx.Client, status: int
) -> None:
    outcome = send(client, receiver.url(f"/status/{status}"), BODY, headers_for(BODY), LOOPBACK)
    assert (outcome.status_code, outcome.delivered) == (status, True)


@pytest.mark.parametrize("status", [500, 404, 429])
def test_an_error_status_is_reported_and_not_delivered(
    receiver: Receiver, client: httpx.Client, status: int
) -> None:
    outcome = send(client, receiver.url(f"/status/{status}"), BODY, headers_for(BODY), LOOPBACK)
    assert outcome.status_code == status
    assert not outcome.delivered
    assert outcome.error is not None and str(status) in outcome.error


def test_a_redirect_is_a_failure_and_is_not_followed(
    receiver: Receiver, client: httpx.Client
) -> None:
    following = httpx.Client(trust_env=False, follow_redirects=True)
    with following:
        outcome = send(following, receiver.url("/status/302"), BODY, headers_for(BODY), LOOPBACK)
    assert outcome.status_code == 302
    assert not outcome.delivered
    assert outcome.error == "redirect to /landed not followed"
    assert [request.path for request in receiver.received] == ["/status/302"]


def test_a_refused_destination_never_reaches_the_server(
    receiver: Receiver, client: httpx.Client
) -> None:
    outcome = send(client, receiver.url("/status/200"), BODY, headers_for(BODY), Allowance.NONE)
    assert outcome.status_code is None
    assert not outcome.delivered
    assert outcome.error is not None and outcome.error.startswith("refused: ")
    assert "http://" in outcome.error
    https_outcome = send(
        client, receiver.url("/status/200", scheme="https"), BODY, headers_for(BODY),
        Allowance.NONE,
    )
    assert https_outcome.error is not None and "loopback" in https_outcome.error
    assert receiver.received == []


def test_a_name_that_now_resolves_inside_is_refused_at_send_time(
    receiver: Receiver, client: httpx.Client
) -> None:
    rebound = FakeResolver("127.0.0.1")
    outcome = send(
        client, f"https://hooks.example.com:{receiver.port}/status/200", BODY, headers_for(BODY),
        Allowance.parse("10.0.0.0/8"), resolve=rebound,
    )
    assert outcome.error is not None and outcome.error.startswith("refused: ")
    assert receiver.received == []


def test_the_connection_goes_to_the_checked_address_with_the_url_host_kept(
    receiver: Receiver, client: httpx.Client
) -> None:
    # hooks.test exists only in this resolver: the post can reach the receiver only through
    # the address the check accepted, not by resolving the name again.
    outcome = send(
        client, receiver.url("/status/200", host="hooks.test"), BODY, headers_for(BODY),
        Allowance.parse("hooks.test:*"), resolve=FakeResolver("127.0.0.1"),
    )
    assert outcome.delivered, outcome.error
    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.test:{receiver.port}"


def test_an_unreachable_address_falls_back_to_the_next_one(
    receiver: Receiver, client: httpx.Client
) -> None:
    # The receiver listens on 127.0.0.1 only: 127.0.0.2 refuses the connection.
    outcome = send(
        client, receiver.url("/status/200", host="hooks.test"), BODY, headers_for(BODY),
        LOOPBACK, resolve=FakeResolver("127.0.0.2", "127.0.0.1"),
    )
    assert outcome.delivered, outcome.error
    assert len(receiver.received) == 1


def test_a_closed_port_gives_an_error_outcome_without_raising(client: httpx.Client) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = send(client, f"http://127.0.0.1:{port}/hook", BODY, headers_for(BODY), LOOPBACK)
    assert outcome == Outcome(None, outcome.error, outcome.seconds)
    assert outcome.error is not None and "ConnectError" in outcome.error
    assert not outcome.delivered


@pytest.mark.parametrize(("path", "timeout", "within"), [
    ("/slow", 0.3, 2),  # silent past the timeout
    ("/trickle", 0.5, 1),  # a line at a time, each wait shorter than the timeout
])
def test_a_receiver_without_a_complete_answer_in_time_is_cut_off_into_an_error_outcome(
    receiver: Receiver, client: httpx.Client, path: str, timeout: float, within: float
) -> None:
    outcome = send(
        client, receiver.url(path), BODY, headers_for(BODY), LOOPBACK, timeout=timeout
    )
    assert outcome.status_code is None
    assert outcome.error == f"no complete answer within {timeout:g} s"
    assert outcome.seconds < within


def test_a_huge_response_is_read_only_in_part(receiver: Receiver, client: httpx.Client) -> None:
    outcome = send(client, receiver.url("/large"), BODY, headers_for(BODY), LOOPBACK)
    assert outcome.delivered, outcome.error


def test_https_checks_the_certificate_against_the_url_host_not_the_address(
    tmp_path: Path,
) -> None:
    trust, serving = tls_contexts(tmp_path, "hooks.test")
    tls_receiver = start_receiver(serving)
    try:
        with httpx.Client(verify=trust, trust_env=False) as tls_client:
            url = tls_receiver.url("/status/200", host="hooks.test", scheme="https")
            allowance = Allowance.parse("hooks.test:*")
            pinned = FakeResolver("127.0.0.1")
            outcome = send(tls_client, url, BODY, headers_for(BODY), allowance, resolve=pinned)
            assert outcome.delivered, outcome.error
            impostor = tls_receiver.url("/status/200", host="other.test", scheme="https")
            failed = send(
                tls_client, impostor, BODY, headers_for(BODY), Allowance.parse("other.test:*"),
                resolve=pinned,
            )
            assert not failed.delivered
            assert failed.error is not None and "certificate" in failed.error.lower()
    finally:
        tls_receiver.server.shutdown()
        tls_receiver.server.server_close()
    assert [request.path for request in tls_receiver.received] == ["/status/200"]


def tls_contexts(directory: Path, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A client context trusting a fresh self-signed certificate for `host`, and the server's."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_file = directory / "receiver.pem"
    key_file = directory / "receiver.key"
    certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    serving = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serving.load_cert_chain(certificate_file, key_file)
    trust = ssl.create_default_context(cafile=str(certificate_file))
    return trust, serving
