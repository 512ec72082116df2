"""The sidecar's calls to its app as daprd records them: dapr_http_client_* for an HTTP app
(deliveries and the OPTIONS probe), and for a gRPC app the client family plus the delivery in
the server family. Real app servers on loopback; the scrape read with a real parser."""

from __future__ import annotations

import grpc
import pytest
from aiohttp import web
from dapr.proto.runtime.v1 import appcallback_pb2, appcallback_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from daprlite.model.component import Component
from daprlite.model.contracts import BindingEvent, DeliveryError
from daprlite.observability.app_calls import AppCallMetrics, metric_path
from daprlite.observability.metrics import Metrics
from daprlite.runtime.app_channel import HttpAppChannel
from daprlite.runtime.app_channel_grpc import GrpcAppChannel

ON_EVENT = "/dapr.proto.runtime.v1.AppCallback/OnBindingEvent"
LIST = "/dapr.proto.runtime.v1.AppCallback/ListInputBindings"


def component(route: str | None = None) -> Component:
    metadata = {"route": route} if route else {}
    return Component("orders", "bindings.kafka", "v1", metadata, None, 1)  # type: ignore[arg-type]


def series(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (sample name, sorted labels); counters under the family's own name."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            name = family.name if family.type == "counter" else s.name
            out[(name, tuple(sorted(s.labels.items())))] = s.value
    return out


def labels(**pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pairs.items()))


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("orders", "/orders"),
        ("/orders", "/orders"),
        ("//in//orders", "/in/orders"),
        ("v1/state/store/key", "/v1/state/store"),
        ("v1/secrets/vault/name", "/v1/secrets/vault"),
        ("v1/actors/Kind/7/method/m", "/v1/actors/Kind/{id}/method"),
        ("actors/Kind/7/method/m", "actors/Kind/{id}/method/m"),  # daprd's own missing slash
        ("healthz", "/healthz"),
    ],
)
def test_path_label_as_daprd_makes_it(route: str, label: str) -> None:
    assert metric_path(route) == label


async def http_app(routes: web.RouteTableDef) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.add_routes(routes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


async def test_http_app_deliveries_and_probe() -> None:
    routes = web.RouteTableDef()

    @routes.post("/orders")
    async def orders(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if body == b'"chunked"':
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            await response.write(b"ok")
            await response.write_eof()
            return response
        return web.Response(status=500 if body == b'"bad"' else 200, body=b"abc")

    runner, port = await http_app(routes)
    metrics = Metrics("receiver")
    channel = HttpAppChannel(port, calls=AppCallMetrics(metrics))
    try:
        # aiohttp answers OPTIONS on a POST-only route with 405: subscribed, as daprd reads it.
        assert await channel.is_subscribed(component())
        deliver = channel.handler_for(component())
        await deliver(BindingEvent(b'{"n":1}', {}))
        await deliver(BindingEvent(b'{"n":22}', {}))
        await deliver(BindingEvent(b'"chunked"', {}))
        with pytest.raises(DeliveryError):
            await deliver(BindingEvent(b'"bad"', {}))
    finally:
        await channel.close()
        await runner.cleanup()
    got = series(metrics.render())
    post_200 = labels(app_id="receiver", method="POST", path="/orders", status="200")
    assert got[("dapr_http_client_completed_count", post_200)] == 3
    post_500 = labels(app_id="receiver", method="POST", path="/orders", status="500")
    assert got[("dapr_http_client_completed_count", post_500)] == 1
    probe = labels(app_id="receiver", method="OPTIONS", path="/orders", status="405")
    assert got[("dapr_http_client_completed_count", probe)] == 1
    assert got[("dapr_http_client_roundtrip_latency_count", post_200)] == 3
    # Sent bytes: the event data, with daprd's always-empty status label.
    sent = labels(app_id="receiver", method="POST", path="/orders", status="")
    assert got[("dapr_http_client_sent_bytes_count", sent)] == 4
    assert got[("dapr_http_client_sent_bytes_sum", sent)] == 7 + 8 + 9 + 5
    probe_sent = labels(app_id="receiver", method="OPTIONS", path="/orders", status="")
    assert got[("dapr_http_client_sent_bytes_sum", probe_sent)] == 0
    # Received: Content-Length of each answer, -1 for the chunked one (as daprd records it);
    # the probe's 405 body is aiohttp's "405: Method Not Allowed" (23 bytes).
    received = labels(app_id="receiver")
    assert got[("dapr_http_client_received_bytes_count", received)] == 5
    assert got[("dapr_http_client_received_bytes_sum", received)] == 3 + 3 + 3 - 1 + 23


async def test_http_app_that_is_gone_counts_as_500() -> None:
    runner, port = await http_app(web.RouteTableDef())
    await runner.cleanup()  # nothing listens on the port any more
    metrics = Metrics("receiver")
    channel = HttpAppChannel(port, calls=AppCallMetrics(metrics))
    try:
        with pytest.raises(DeliveryError):
            await channel.handler_for(component("in/orders"))(BindingEvent(b"{}", {}))
    finally:
        await channel.close()
    got = series(metrics.render())
    failed = labels(app_id="receiver", method="POST", path="/in/orders", status="500")
    assert got[("dapr_http_client_completed_count", failed)] == 1
    assert got[("dapr_http_client_received_bytes_sum", labels(app_id="receiver"))] == -1


class Callback(appcallback_pb2_grpc.AppCallbackServicer):
    async def ListInputBindings(self, request, context):
        return appcallback_pb2.ListInputBindingsResponse(bindings=["orders"])

    async def OnBindingEvent(self, request, context):
        if request.data == b"bad":
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no")
        return appcallback_pb2.BindingEventResponse(data=b"ack!")


async def test_grpc_app_client_family_and_server_quirk() -> None:
    server = grpc.aio.server()
    appcallback_pb2_grpc.add_AppCallbackServicer_to_server(Callback(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    metrics = Metrics("receiver")
    channel = GrpcAppChannel(port, calls=AppCallMetrics(metrics))
    event = BindingEvent(b"hello", {"k": "v"})
    try:
        assert await channel.is_subscribed(component())
        deliver = channel.handler_for(component())
        await deliver(event)
        with pytest.raises(DeliveryError):
            await deliver(BindingEvent(b"bad", {}))
    finally:
        await channel.close()
        await server.stop(None)
    got = series(metrics.render())
    request = appcallback_pb2.BindingEventRequest(name="orders", data=b"hello", metadata={"k": "v"})
    reply = appcallback_pb2.BindingEventResponse(data=b"ack!")
    ok = labels(app_id="receiver", grpc_client_method=ON_EVENT, grpc_client_status="OK")
    refused = labels(
        app_id="receiver", grpc_client_method=ON_EVENT, grpc_client_status="InvalidArgument"
    )
    listed = labels(app_id="receiver", grpc_client_method=LIST, grpc_client_status="OK")
    assert got[("dapr_grpc_io_client_completed_rpcs", ok)] == 1
    assert got[("dapr_grpc_io_client_completed_rpcs", refused)] == 1
    assert got[("dapr_grpc_io_client_completed_rpcs", listed)] == 1
    assert got[("dapr_grpc_io_client_roundtrip_latency_count", ok)] == 1
    sized = labels(app_id="receiver", grpc_client_method=ON_EVENT)
    bad_request = appcallback_pb2.BindingEventRequest(name="orders", data=b"bad")
    assert got[("dapr_grpc_io_client_sent_bytes_per_rpc_sum", sized)] == (
        request.ByteSize() + bad_request.ByteSize()
    )
    assert got[("dapr_grpc_io_client_received_bytes_per_rpc_sum", sized)] == reply.ByteSize()
    # The server family, daprd's quirk: the delivery again, sized by its data only.
    server_ok = labels(app_id="receiver", grpc_server_method=ON_EVENT, grpc_server_status="OK")
    server_bad = labels(
        app_id="receiver", grpc_server_method=ON_EVENT, grpc_server_status="InvalidArgument"
    )
    assert got[("dapr_grpc_io_server_completed_rpcs", server_ok)] == 1
    assert got[("dapr_grpc_io_server_completed_rpcs", server_bad)] == 1
    assert got[("dapr_grpc_io_server_server_latency_count", server_ok)] == 1
    server_sized = labels(app_id="receiver", grpc_server_method=ON_EVENT)
    assert got[("dapr_grpc_io_server_received_bytes_per_rpc_sum", server_sized)] == 5 + 3
    assert got[("dapr_grpc_io_server_sent_bytes_per_rpc_sum", server_sized)] == 4
