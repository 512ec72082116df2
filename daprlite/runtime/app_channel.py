"""The sidecar's line to the app: the channel contract, and its HTTP form (probe, deliver)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Protocol

import aiohttp

from daprlite.gocompat.headers import canonical_mime_header_key
from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError, EventHandler
from daprlite.model.errors import AppError
from daprlite.model.tracing import NO_TRACER, Tracer
from daprlite.resiliency.breaker import BreakerOpenError
from daprlite.resiliency.runner import PolicyRunner, PolicyTimeoutError, StatusError
from daprlite.serving.client import HTTPClient

if TYPE_CHECKING:
    import grpc

log = logging.getLogger("daprlite.runtime")

PROBE_TIMEOUT = 3.0  # daprd's --app-binding-options-timeout default
# Headers daprd never forwards from binding metadata (hop-by-hop ones and framing).
_DROPPED = frozenset(
    {
        "content-type", "content-length", "connection", "keep-alive", "te", "trailer",
        "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization",
        "proxy-connection", "grpc-trace-bin",
    }
)  # fmt: skip


_GO_CLIENT_HEADERS = {"User-Agent": "Go-http-client/1.1", "Accept-Encoding": "gzip"}


def route_of(component: Component) -> str:
    # daprd reads the exact key `route`; the default path is the component name.
    return component.metadata.get("route") or component.name


class AppCallRecorder(Protocol):
    """Told of every call to the app (observability.app_calls); None when metrics are off."""

    def http_call(
        self, method: str, route: str, status: int, sent: int, received: int, seconds: float
    ) -> None: ...

    def grpc_call(
        self, method: str, code: grpc.StatusCode, sent: int, received: int, seconds: float
    ) -> None: ...

    def grpc_delivery(
        self, method: str, code: grpc.StatusCode, data_in: int, data_out: int, seconds: float
    ) -> None: ...


class AppChannel(Protocol):
    """How input events reach the app (HTTP or gRPC)."""

    async def load_app_config(self, app_id: str) -> None:
        """Ask the app for its Dapr configuration, as daprd does once the app is up."""

    async def is_subscribed(self, component: Component) -> bool:
        """Whether the app wants this input binding's events."""

    def handler_for(self, component: Component, policy: PolicyRunner | None = None) -> EventHandler:
        """A handler that delivers one event and raises DeliveryError unless the app took it;
        `policy`: the component's inbound resiliency, around each call to the app."""

    async def close(self) -> None: ...


class HttpAppChannel:
    def __init__(
        self,
        port: int,
        address: str = "127.0.0.1",
        token: str | None = None,
        tracer: Tracer = NO_TRACER,
        calls: AppCallRecorder | None = None,
    ) -> None:
        self.port, self.address = port, address
        self._token = token
        self._tracer = tracer
        self._calls = calls
        self._session: aiohttp.ClientSession | None = None
        # Deliveries go through the lean client: one per partition in flight, the hot path.
        # No overall timeout (daprd has none either); redirects are not followed.
        self._deliveries = HTTPClient(address, port, connect_timeout=5.0)

    def _client(self) -> aiohttp.ClientSession:
        """For the probes (config, OPTIONS): rare calls, where aiohttp's timeouts help."""
        if self._session is None:
            # Keep-alive connections to the app, like daprd's pooled client; no overall
            # timeout on deliveries (daprd has none either), redirects are failures.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64),
                timeout=aiohttp.ClientTimeout(total=None, connect=5.0),
                auto_decompress=False,
                # The headers Go's http client adds to daprd's deliveries, and no others
                # (aiohttp would add `Accept: */*` and its own user agent).
                headers=_GO_CLIENT_HEADERS,
                skip_auto_headers=("Accept",),
            )
        return self._session

    async def load_app_config(self, app_id: str) -> None:
        """daprd's `GET /dapr/config` (actor settings, which daprlite has no use for): made
        all the same, so the app sees the calls it sees under daprd and dapr_http_client_*
        counts it. Whatever the answer, start-up goes on, as daprd's does."""
        started, status, received = time.perf_counter(), 500, -1
        headers = self._headers({"Content-Type": "application/json", "Dapr-App-Id": app_id})
        try:
            async with self._client().get(
                self._url("dapr/config"),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT),
                allow_redirects=False,
            ) as response:
                status, received = response.status, received_length(response.headers)
                await response.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.debug("GET /dapr/config on the app failed: %s", exc or type(exc).__name__)
        finally:
            if self._calls is not None:
                elapsed = time.perf_counter() - started
                self._calls.http_call("GET", "/dapr/config", status, 0, received, elapsed)

    async def is_subscribed(self, component: Component) -> bool:
        """daprd's rule: the app wants a binding when `OPTIONS /<route>` answers 2xx or 405.

        An app that does not answer raises AppError: daprd would log it and run on without
        its input bindings; daprlite stops with the reason instead of reading nothing silently.
        """
        route = route_of(component)
        started, status, received, elapsed = time.perf_counter(), 500, -1, None
        try:
            async with self._client().options(
                self._url(route),
                headers=self._headers({"content-type": "application/json"}),
                timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT),
                allow_redirects=False,
            ) as response:
                status, received = response.status, received_length(response.headers)
                elapsed = time.perf_counter() - started
                await response.read()
        except TimeoutError:
            raise AppError(
                f"the app accepted a connection on port {self.port} but did not answer "
                f"OPTIONS /{route.lstrip('/')} within {PROBE_TIMEOUT:g}s; is --app-port the port "
                "of its HTTP server (or is it a gRPC app: --app-protocol grpc)?"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise AppError(
                f"the app on port {self.port} broke off OPTIONS /{route.lstrip('/')}: "
                f"{exc or type(exc).__name__}; is --app-port the port of its HTTP server?"
            ) from exc
        finally:
            # daprd's probe goes through the same app channel, so it counts as a client call.
            if self._calls is not None:
                if elapsed is None:  # no answer: the time until the failure
                    elapsed = time.perf_counter() - started
                self._calls.http_call("OPTIONS", route, status, 0, received, elapsed)
        return 200 <= response.status < 300 or response.status == 405

    def handler_for(self, component: Component, policy: PolicyRunner | None = None) -> EventHandler:
        route = route_of(component)
        target = _target(route)
        name, tracer, calls = component.name, self._tracer, self._calls
        request = self._deliveries.request
        clock = time.perf_counter

        async def post(data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
            """One call to the app; each is a dapr_http_client_* call, retries included."""
            started = clock() if calls is not None else 0.0
            try:
                response = await request("POST", target, _GO_CLIENT_HEADERS | headers, data)
            except (OSError, ValueError):
                if calls is not None:
                    calls.http_call("POST", route, 500, len(data), -1, clock() - started)
                raise
            if calls is not None:
                received = received_length(response.headers)
                elapsed = clock() - started
                calls.http_call("POST", route, response.status, len(data), received, elapsed)
            return response.status, response.body

        async def deliver(event: BindingEvent) -> None:
            trace = tracer.input(name, "http", event.metadata)
            headers = self._headers(metadata_headers(event.metadata))
            headers["Content-Type"] = "application/json"
            # Set after the metadata, under the same canonical names: the delivery span's
            # context replaces the record's instead of travelling beside it.
            for key, value in trace.context().items():
                headers[canonical_mime_header_key(key)] = value
            try:
                if policy is None:
                    status, body = await post(event.data, headers)
                else:
                    answer = await _under_policy(policy, post, event.data, headers)
                    if answer is None:
                        trace.end(0, "response object is nil")
                        raise DeliveryError("error invoking app: response object is nil")
                    status, body = answer
            except (OSError, ValueError, PolicyTimeoutError) as exc:
                # ValueError: a header value that cannot be sent (a line break in it).
                trace.end(0, str(exc))
                raise DeliveryError(f"error invoking app: {exc}") from exc
            except BreakerOpenError as exc:
                trace.end(0, str(exc))
                raise DeliveryError(f"error invoking app: {exc}") from None
            if not 200 <= status < 300:
                text = body[:512].decode("utf-8", errors="replace")
                trace.end(status, text)
                raise DeliveryError(
                    "fails to send binding event to http app channel, status code: "
                    f"{status} body: {text}"
                )
            trace.end(status, None)

        return deliver

    def _url(self, route: str) -> str:
        return f"http://{self.address}:{self.port}{_target(route)}"

    def _headers(self, headers: dict[str, str]) -> dict[str, str]:
        if self._token:
            headers["dapr-api-token"] = self._token
        return headers

    async def close(self) -> None:
        await self._deliveries.close()
        if self._session is not None:
            await self._session.close()


def _target(route: str) -> str:
    """The request target of an app route, however many slashes it was written with."""
    return "/" + route.lstrip("/")


def received_length(headers: Mapping[str, str]) -> int:
    """The answer's size as daprd records it: its Content-Length, or -1 without one. Go's
    client unzips a gzip answer itself (it asked for gzip) and then drops the length."""
    length = headers.get("Content-Length", "")
    if not length.isdigit() or headers.get("Content-Encoding", "").lower() == "gzip":
        return -1
    return int(length)


async def _under_policy(
    policy: PolicyRunner,
    post: Callable[[bytes, dict[str, str]], Awaitable[tuple[int, bytes]]],
    data: bytes,
    headers: dict[str, str],
) -> tuple[int, bytes] | None:
    """daprd's inbound rule: inside the policies any status but 200 is a failure (so a 201 can
    be retried); once they give up, a retry policy leaves no answer to look at (None), and
    without one the last answer is judged as usual (a 201 is then a success)."""

    async def attempt() -> tuple[int, bytes]:
        status, body = await post(data, headers)
        if status != 200:
            raise StatusError(
                status,
                f"error sending binding event to application, status {status}",
                (status, body),
            )
        return status, body

    try:
        return await policy.run(attempt)
    except StatusError as exc:
        if policy.retry is not None:
            return None
        answer: tuple[int, bytes] = exc.answer  # type: ignore[assignment]
        return answer


def metadata_headers(metadata: Mapping[str, str]) -> dict[str, str]:
    """Binding metadata as HTTP headers, named and filtered the way daprd does."""
    headers: dict[str, str] = {}
    for raw_key, value in metadata.items():
        key = raw_key.lower()
        if key.endswith("-bin") or key in _DROPPED or key.startswith("proxy-"):
            continue
        if key.startswith("grpc-"):
            key = "dapr-" + key
        headers[canonical_mime_header_key(key)] = value
    return headers
