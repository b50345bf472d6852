"""A bare Litestar app answering the summary route with a static JSON body: the baseline."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, get

SUMMARY_PATH = "/api/v1/models/{model_id:str}/performance/summary"


def create_app(body: dict[str, Any]) -> Litestar:
    @get(SUMMARY_PATH, sync_to_thread=False)
    def summary(model_id: str) -> dict[str, Any]:
        return body

    return Litestar(route_handlers=[summary], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-file", type=Path, required=True,
                        help="a JSON object to answer with (a real summary response)")
    args = parser.parse_args()
    body = msgspec.json.decode(args.body_file.read_bytes())
    uvicorn.run(create_app(body), host="127.0.0.1", port=args.port, workers=1,
                log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
