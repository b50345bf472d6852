"""`perfledger webhook-echo`: a local receiver for trying webhooks out. It prints each
delivery (its event, its delivery id, whether its signature holds) and its JSON body, and
answers 200, so the service counts it delivered."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO

from perfledger.scheduler.webhooks.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

DEFAULT_PORT = 9000
MAX_BODY_BYTES = 1024 * 1024


def add_webhook_echo_command(commands: Any) -> None:
    echo = commands.add_parser(
        "webhook-echo", help="a local webhook receiver that prints each delivery",
        description="Listens on 127.0.0.1 (--port, default 9000) and prints every delivery "
                    "it receives. Point a webhook at it with http://127.0.0.1:9000/ after "
                    "allowing that address: PERFLEDGER_WEBHOOK_ALLOW=127.0.0.1:9000 on the "
                    "service. With --secret (the webhook's, from its creation answer), it "
                    "checks each signature.")
    echo.add_argument("--port", type=int, default=DEFAULT_PORT)
    echo.add_argument("--host", default="127.0.0.1")
    echo.add_argument("--secret", help="the webhook's secret, to check signatures")


def echo_server(host: str, port: int, secret: str | None, out: TextIO) -> ThreadingHTTPServer:
    """The receiver, bound and not yet serving: `serve_forever` runs it."""
    lock = threading.Lock()

    class Delivery(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 <= length <= MAX_BODY_BYTES:
                self.send_error(413, "body too large for webhook-echo")
                return
            body = self.rfile.read(length)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with lock:
                out.write(describe(dict(self.headers), body, secret) + "\n")
                out.flush()

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer((host, port), Delivery)


def describe(headers: dict[str, str], body: bytes, secret: str | None) -> str:
    """One delivery as webhook-echo prints it: a heading line, then the body."""
    try:
        parsed: Any = json.loads(body)
        shown = json.dumps(parsed, indent=2, sort_keys=True)
        event = parsed.get("type", "?") if isinstance(parsed, dict) else "?"
    except ValueError:
        shown, event = body.decode("utf-8", "replace"), "?"
    signed = headers.get(SIGNATURE_HEADER, "")
    if secret is None:
        check = "signature not checked (give --secret)"
    elif signed and verify(body, secret, signed):
        check = "signature valid"
    else:
        check = "SIGNATURE INVALID"
    return (f"== {event} · delivery {headers.get(DELIVERY_HEADER, '?')} · sent at "
            f"{headers.get(TIMESTAMP_HEADER, '?')} · {check}\n{shown}")


def webhook_echo(args: argparse.Namespace) -> int:
    try:
        server = echo_server(args.host, args.port, args.secret, sys.stdout)
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error.strerror}; choose another "
              "--port", file=sys.stderr)
        return 2
    print(f"webhook-echo listening on http://{args.host}:{server.server_port}/ "
          "(Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
