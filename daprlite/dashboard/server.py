"""The dashboard's aiohttp app: the page and its static files, the JSON API the page polls, the
tail/log/spans proxies to the sidecars, and the send form's proxy to an output binding."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from daprlite.dashboard import logs, send, traces, views
from daprlite.dashboard.discovery import Sidecar, SidecarClient, Unreachable
from daprlite.dashboard.poller import Poller

STATIC = Path(__file__).with_name("static")
SEND_TIMEOUT_SECONDS = 35.0  # past the Kafka binding's 30 s publishTimeout
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
# The page loads nothing from elsewhere, and nothing else may frame it or read its answers.
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_POLLER = web.AppKey("poller", Poller)
_CLIENT = web.AppKey("client", SidecarClient)
_LOOPBACK_ONLY = web.AppKey("loopback_only", bool)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_app(
    poller: Poller, client: SidecarClient, *, loopback_only: bool = True
) -> web.Application:
    """`loopback_only`: the server listens on a loopback address, so a request naming another
    host (DNS rebinding from a web page) is refused."""
    app = web.Application(middlewares=[_guard])
    app[_POLLER], app[_CLIENT], app[_LOOPBACK_ONLY] = poller, client, loopback_only
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC, follow_symlinks=False)
    app.router.add_get("/api/apps", _apps)
    app.router.add_get("/api/bindings", _bindings)
    app.router.add_get("/api/partitions", _partitions)
    app.router.add_get("/api/tail", _tail)
    app.router.add_get("/api/log", _log)
    app.router.add_get("/api/traces", _traces)
    app.router.add_get("/api/traces/{trace_id}", _trace)
    app.router.add_post("/api/send", _send)
    return app


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.app[_LOOPBACK_ONLY] and hostname(request.host) not in _LOOPBACK_NAMES:
        return _error(403, "the dashboard answers only requests for 127.0.0.1 or localhost")
    if request.method == "POST":
        # A web page elsewhere can post a form to localhost, but not JSON without asking first,
        # and its Origin would not be ours.
        origin = request.headers.get("Origin")
        if request.content_type != "application/json" or (
            origin is not None and origin.split("://", 1)[-1] != request.host
        ):
            return _error(403, "send requests come from the dashboard's own page, as JSON")
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(_SECURITY_HEADERS)
        raise
    response.headers.update(_SECURITY_HEADERS)
    return response


def hostname(host: str | None) -> str:
    """`127.0.0.1:8080` -> `127.0.0.1`, `[::1]:8080` -> `[::1]`."""
    host = host or ""
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _index(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def _apps(request: web.Request) -> web.Response:
    poller = request.app[_POLLER]
    return web.json_response({"now": time.time(), "apps": views.apps_view(poller.apps)})


async def _bindings(request: web.Request) -> web.Response:
    poller = request.app[_POLLER]
    return web.json_response({"bindings": views.bindings_view(poller.apps)})


async def _partitions(request: web.Request) -> web.Response:
    poller = request.app[_POLLER]
    return web.json_response(views.partitions_view(poller.apps, time.time()))


def _sidecar(request: web.Request, key: str) -> Sidecar:
    state = request.app[_POLLER].apps.get(key)
    if state is None:
        raise web.HTTPNotFound(
            text='{"error": "no running app with that key"}', content_type="application/json"
        )
    return state.sidecar


def _observability(sidecar: Sidecar) -> str:
    base = sidecar.observability
    if base is None:
        raise web.HTTPConflict(
            text='{"error": "this app runs with metrics off (--enable-metrics=false)"}',
            content_type="application/json",
        )
    return base


def _after(request: web.Request) -> str:
    after = request.query.get("after", "0")
    return after if after.isdigit() else "0"


async def _tail(request: web.Request) -> web.Response:
    sidecar = _sidecar(request, request.query.get("app", ""))
    client = request.app[_CLIENT]
    try:
        doc = await client.json(
            f"{_observability(sidecar)}/daprlite/v1/tail", {"after": _after(request)}
        )
    except Unreachable as exc:
        return _error(502, str(exc))
    binding = request.query.get("binding", "")
    messages = [
        views.tail_message(m)
        for m in doc.get("messages") or []
        if not binding or m.get("binding") == binding
    ]
    return web.json_response({"next": doc.get("next", 0), "messages": messages})


async def _log(request: web.Request) -> web.Response:
    sidecar = _sidecar(request, request.query.get("app", ""))
    doc = await logs.read(request.app[_CLIENT], sidecar, int(_after(request)))
    return web.json_response(doc)


async def _all_spans(request: web.Request) -> tuple[dict[str, list[dict[str, Any]]], list[Any]]:
    """Every sidecar's kept spans, merged; and per app whether tracing is on."""
    client = request.app[_CLIENT]
    sidecars = [s.sidecar for s in request.app[_POLLER].apps.values()]

    async def spans_of(sidecar: Sidecar) -> dict[str, Any]:
        base = sidecar.observability
        if base is None:
            return {"appId": sidecar.app_id, "tracing": False, "spans": [], "error": "metrics off"}
        try:
            doc = await client.json(f"{base}/daprlite/v1/spans")
        except Unreachable as exc:
            return {"appId": sidecar.app_id, "tracing": False, "spans": [], "error": str(exc)}
        return {"appId": sidecar.app_id, "tracing": bool(doc.get("tracing")),
                "spans": doc.get("spans") or [], "error": ""}  # fmt: skip

    docs = await asyncio.gather(*(spans_of(s) for s in sidecars))
    merged = traces.merge((d["appId"], d["spans"]) for d in docs)
    apps = [{"appId": d["appId"], "tracing": d["tracing"], "error": d["error"]} for d in docs]
    return merged, apps


async def _traces(request: web.Request) -> web.Response:
    merged, apps = await _all_spans(request)
    return web.json_response({"apps": apps, "traces": traces.summaries(merged)})


async def _trace(request: web.Request) -> web.Response:
    merged, _ = await _all_spans(request)
    trace_id = request.match_info["trace_id"]
    spans = merged.get(trace_id)
    if not spans:
        return _error(404, "no span of that trace is kept by a running sidecar")
    return web.json_response(
        {"summary": traces.summary(trace_id, spans), "spans": traces.waterfall(spans)}
    )


async def _send(request: web.Request) -> web.Response:
    try:
        form = await request.json()
        if not isinstance(form, dict):
            raise send.FormError("the form must be a JSON object")
        binding = str(form.get("binding") or "")
        if not binding:
            raise send.FormError("choose an output binding")
        body = send.binding_request(form)
    except send.FormError as exc:
        return _error(400, str(exc))
    except ValueError:
        return _error(400, "the form is not JSON")
    sidecar = _sidecar(request, str(form.get("app") or ""))
    try:
        status, text, headers = await request.app[_CLIENT].post_binding(
            sidecar, binding, body, SEND_TIMEOUT_SECONDS
        )
    except Unreachable as exc:
        return _error(502, str(exc))
    return web.json_response(send.response_view(status, text, headers))


def bind(address: str, port: int) -> socket.socket:
    """A listening socket on address:port (0: a free port); OSError if it cannot be had."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(sock: socket.socket, ready: Callable[[str], None], stop: asyncio.Event) -> None:
    """Serve the dashboard on `sock` until `stop` is set; `ready` gets the page's URL."""
    host, port = sock.getsockname()[:2]
    async with SidecarClient() as client:
        poller = Poller(client)
        await poller.refresh()  # the first page already shows the running apps
        poller.start()
        app = make_app(poller, client, loopback_only=host in ("127.0.0.1", "::1"))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            shown = f"[{host}]" if ":" in host else host
            ready(f"http://{shown}:{port}")
            await stop.wait()
        finally:
            await poller.stop()
            await runner.cleanup()
