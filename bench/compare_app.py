"""The app bench.compare_metrics puts beside each sidecar: it takes the input binding's events over
HTTP (aiohttp) or gRPC (dapr.ext.grpc), appends one line per attempt to a file, and refuses the
events marked `"fail": "once"` (the first time) or `"fail": "always"`."""

from __future__ import annotations

import argparse
import json
import threading
from pathlib import Path


class Attempts:
    """Each delivery attempt as one JSON line; decides whether the app takes it."""

    def __init__(self, record: Path) -> None:
        self._record = record
        self._lock = threading.Lock()  # the gRPC app serves from a thread pool
        self._seen: dict[str, int] = {}

    def take(self, body: bytes) -> bool:
        try:
            message = json.loads(body)
        except ValueError:
            message = {}
        key = str(message.get("id", "?"))
        fail = message.get("fail")
        with self._lock:
            seen = self._seen[key] = self._seen.get(key, 0) + 1
            accepted = not (fail == "always" or (fail == "once" and seen == 1))
            with self._record.open("a") as out:
                out.write(json.dumps({"id": key, "attempt": seen, "ok": accepted}) + "\n")
        return accepted


def serve_http(port: int, route: str, attempts: Attempts) -> None:
    from aiohttp import web

    async def deliver(request: web.Request) -> web.Response:
        return web.Response(status=200 if attempts.take(await request.read()) else 500)

    async def probe(_request: web.Request) -> web.Response:
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(f"/{route}", deliver)
    app.router.add_route("OPTIONS", f"/{route}", probe)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


def serve_grpc(port: int, route: str, attempts: Attempts) -> None:
    from dapr.clients.grpc._request import BindingRequest
    from dapr.ext.grpc import App

    app = App()

    @app.binding(route)
    def on_event(request: BindingRequest) -> None:
        if not attempts.take(request.data):
            raise RuntimeError("refused by the compare app")

    app.run(port, "127.0.0.1")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare_app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--protocol", choices=("http", "grpc"), default="http")
    parser.add_argument("--route", required=True)
    parser.add_argument("--record", type=Path, required=True)
    args = parser.parse_args()
    serve = serve_grpc if args.protocol == "grpc" else serve_http
    serve(args.port, args.route, Attempts(args.record))


if __name__ == "__main__":
    main()
