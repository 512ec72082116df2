"""The minimal app the input cases deliver to: an aiohttp server in its own process.

POST /<route> records when each message arrived and checks per-partition order (the body
carries the partition and the producer's per-partition sequence number); GET /stats reports,
POST /reset starts a new measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from typing import Any

from aiohttp import web


class Recorder:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.first = 0.0
        self.last = 0.0
        self.violations = 0  # a sequence number not above the previous one of its partition
        self.gaps = 0
        self.offset_violations = 0  # a Kafka offset not above the previous one of its partition
        self.latencies: list[float] = []
        self._last_seq: dict[int, int] = {}
        self._last_offset: dict[str, int] = {}

    def record(self, body: bytes, partition_header: str | None, offset_header: str | None) -> None:
        now = time.time()
        if partition_header is not None and offset_header is not None:
            # daprlite (and daprd) pass the record's coordinates as metadata headers.
            offset = int(offset_header)
            if offset <= self._last_offset.get(partition_header, -1):
                self.offset_violations += 1
            self._last_offset[partition_header] = offset
        message = json.loads(body)
        partition, seq = message["p"], message["s"]
        previous = self._last_seq.get(partition)
        if previous is not None:
            if seq <= previous:
                self.violations += 1
            elif seq != previous + 1:
                self.gaps += 1
        self._last_seq[partition] = seq
        if not self.count:
            self.first = now
        self.count += 1
        self.last = now
        self.latencies.append(now - message["t"])

    def stats(self, brief: bool) -> dict[str, Any]:
        return {
            "count": self.count,
            "first": self.first,
            "last": self.last,
            "violations": self.violations,
            "gaps": self.gaps,
            "offset_violations": self.offset_violations,
            "partitions": len(self._last_seq),
            "latencies": [] if brief else self.latencies,
        }


def build(route: str) -> web.Application:
    recorder = Recorder()

    async def deliver(request: web.Request) -> web.Response:
        headers = request.headers
        recorder.record(await request.read(), headers.get("__partition"), headers.get("__offset"))
        return web.Response(status=200)

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(recorder.stats(brief="brief" in request.query))

    async def reset(_request: web.Request) -> web.Response:
        recorder.reset()
        return web.Response(status=204)

    async def echo(request: web.Request) -> web.Response:
        await request.read()  # the round-trip probe: what a delivery costs the app, minus work
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(f"/{route}", deliver)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", reset)
    app.router.add_post("/echo", echo)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.app")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--route", default="bench-in")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.port, args.route))
    else:
        uvloop.run(serve(args.port, args.route))


async def serve(port: int, route: str) -> None:
    runner = web.AppRunner(build(route), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    main()
