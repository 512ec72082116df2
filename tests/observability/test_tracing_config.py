"""Tracing settings as daprd 1.18.1 reads them: otel.headers/timeout and stdout in the file, the
OTEL_EXPORTER_OTLP_* fallback, `baggage` into the binding's metadata (checked as Go's parser
does), the stdout exporter's log lines, and headers reaching a real OTLP receiver."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import pytest
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc

from daprlite.components.configuration import ConfigurationError, read_configuration
from daprlite.gocompat.baggage import baggage_error
from daprlite.model.config import RunConfig, RunConfigError
from daprlite.model.contracts import BindingEvent, InvokeRequest
from daprlite.model.observer import NoObserver
from daprlite.model.tracing import (
    OtelEnvironmentError,
    TracingSpec,
    otel_from_environment,
)
from daprlite.observability.tracing import OtelTracer
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes
from tests.support.otlp import OtlpReceiver
from tests.support.wait import eventually

HEAD = "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: c\n"


def read(tmp_path: Path, spec: str) -> TracingSpec | None:
    file = tmp_path / "config.yaml"
    file.write_text(HEAD + "spec:\n" + spec)
    return read_configuration(file).tracing


def test_otel_headers_timeout_and_stdout_from_the_file(tmp_path: Path) -> None:
    spec = read(
        tmp_path,
        "  tracing:\n    stdout: true\n    otel:\n      endpointAddress: localhost:4318\n"
        "      protocol: http\n      headers:\n        - x-api-key=s3cr3t\n"
        "        - no-equals-is-skipped\n        - b=1=2\n      timeout: 1500ms\n",
    )
    assert spec is not None
    assert spec.otel_headers == (("x-api-key", "s3cr3t"), ("b", "1=2"))
    assert (spec.otel_timeout, spec.stdout, spec.sampling_rate_given) == (1.5, True, False)
    assert "s3cr3t" not in repr(spec)  # a credential never reaches a log line


def test_file_forms_daprds_loader_refuses(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as bad:
        read(
            tmp_path,
            "  tracing:\n    stdout: 1\n    otel:\n      headers:\n"
            "        - {name: x-api-key, value: s3cr3t}\n      timeout: 10\n",
        )
    problems = [(p.line, p.message) for p in bad.value.problems]
    assert problems == [
        (7, "tracing.stdout must be true or false"),
        (10, 'each tracing.otel.headers entry must be "name=value" text'),
        (11, 'tracing.otel.timeout must be a duration such as "10s"'),
    ]
    assert "s3cr3t" not in str(bad.value)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
             "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            TracingSpec(1.0, otel_endpoint="collector:4318", otel_protocol="http",
                        sampling_rate_given=False),
        ),
        (  # the traces variable wins; no protocol means grpc; only "true" is insecure
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "a:1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "b:2",
             "OTEL_EXPORTER_OTLP_INSECURE": "true"},
            TracingSpec(1.0, otel_endpoint="b:2", otel_protocol="grpc", otel_is_secure=False,
                        sampling_rate_given=False),
        ),
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "a:1", "OTEL_EXPORTER_OTLP_INSECURE": "True"},
            TracingSpec(1.0, otel_endpoint="a:1", otel_protocol="grpc", sampling_rate_given=False),
        ),
        (  # headers %-unescaped and trimmed; the timeout is in milliseconds
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "a:1", "OTEL_EXPORTER_OTLP_HEADERS": "k=a%20b , j = c",
             "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2500"},
            TracingSpec(1.0, otel_endpoint="a:1", otel_protocol="grpc",
                        otel_headers=(("k", "a b"), ("j", "c")), otel_timeout=2.5,
                        sampling_rate_given=False),
        ),
    ],
)  # fmt: skip
def test_the_environment_fallback_with_no_configuration(
    environ: dict[str, str], expected: TracingSpec | None
) -> None:
    got = otel_from_environment(None, environ)
    assert got == expected
    if expected is not None:
        assert got is not None and got.otel_headers == expected.otel_headers


def test_the_file_wins_and_its_rate_is_kept() -> None:
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": "env:1", "OTEL_EXPORTER_OTLP_HEADERS": "k=v"}
    from_file = TracingSpec(0.5, otel_endpoint="file:1", otel_protocol="http")
    assert otel_from_environment(from_file, env) is from_file  # daprd returns early
    no_endpoint = TracingSpec(0.5, zipkin_endpoint="http://z:9411/api/v2/spans")
    got = otel_from_environment(no_endpoint, env)
    assert got is not None
    assert (got.sampling_rate, got.otel_endpoint, got.zipkin_endpoint) == (
        0.5, "env:1", "http://z:9411/api/v2/spans",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OTEL_EXPORTER_OTLP_HEADERS", "no-equals", "an entry has no '='"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=secret", "invalid header name 'bad name'"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1s", "is not a number"),
    ],
)
def test_bad_environment_values_stop_the_run(name: str, value: str, message: str) -> None:
    with pytest.raises(OtelEnvironmentError, match=message):
        otel_from_environment(None, {name: value})
    with pytest.raises(RunConfigError) as bad:
        RunConfig.create(app_id="a", environ={name: value})
    assert "tracing from the environment" in str(bad.value) and "secret" not in str(bad.value)


@pytest.mark.parametrize(
    ("baggage", "error"),
    [
        ("userId=alice", None),
        ("a=1, b=2;p=3;flag", None),
        ("k=%41%42", None),
        ("noequals", 'invalid baggage list-member: "noequals"'),
        ("k k=v", 'invalid key: "k k"'),
        ("k=a b", 'invalid value: "a b"'),
        ("k=%zz", 'invalid value: invalid URL escape "%zz"'),
        ("k=v;bad prop", 'invalid baggage list-member property: "bad prop"'),
        ("bad,also=ok,k k=v", 'invalid baggage list-member: "bad"\ninvalid key: "k k"'),
        (",".join(f"k{i}=v" for i in range(65)), "too many list-members in baggage-string"),
    ],
)
def test_baggage_as_gos_parser_reads_it(baggage: str, error: str | None) -> None:
    assert baggage_error(baggage) == error


class Seen(NoObserver):
    def __init__(self) -> None:
        self.requests: list[InvokeRequest] = []

    def output_invoked(
        self, binding: str, request: InvokeRequest, seconds: float, error: str | None
    ) -> None:
        self.requests.append(request)

    def input_delivered(
        self, binding: str, event: BindingEvent, attempt: int, seconds: float, error: str | None
    ) -> None:
        pass


async def test_baggage_goes_into_the_binding_metadata_http_and_grpc(tmp_path: Path) -> None:
    (tmp_path / "fake.yaml").write_text(fakes.component_yaml())
    seen = Seen()
    config = RunConfig(app_id="bag", components_paths=(tmp_path,), enable_metrics=False)
    sidecar = Sidecar(config, fakes.registry(), Printer(io.StringIO()), observer=seen)
    url_base = "http://127.0.0.1:{}/v1.0/bindings/orders"
    body = b'{"operation":"create","metadata":{"baggage":"from=body"}}'
    try:
        await sidecar.startup()
        url = url_base.format(sidecar.http_port)
        async with aiohttp.ClientSession() as session:
            headers = [("baggage", "userId=alice"), ("baggage", "tier=gold")]
            async with session.post(url, data=body, headers=headers) as r:
                assert r.status == 204
            async with session.post(url, data=body, headers={"baggage": "k k=v"}) as r:
                assert r.status == 400
                assert await r.json() == {
                    "errorCode": "ERR_MALFORMED_REQUEST",
                    "message": 'invalid baggage header: invalid key: "k k"',
                }
        async with grpc.aio.insecure_channel(f"127.0.0.1:{sidecar.grpc_port}") as channel:
            stub = dapr_pb2_grpc.DaprStub(channel)
            request = binding_pb2.InvokeBindingRequest(name="orders", operation="create")
            await stub.InvokeBinding(request, metadata=(("baggage", "g=1"),))
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.InvokeBinding(request, metadata=(("baggage", "nope"),))
            assert refused.value.code() == grpc.StatusCode.UNKNOWN
            assert refused.value.details() == 'invalid baggage list-member: "nope"'
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()
    # The refused calls never reached the binding; the header joins and wins over the body's.
    assert [r.metadata["baggage"] for r in seen.requests] == ["userId=alice,tier=gold", "g=1"]


async def test_stdout_writes_each_span_to_the_log(caplog: Any) -> None:
    tracer = OtelTracer("logged", TracingSpec(1.0, stdout=True))
    caplog.set_level(logging.INFO, logger="daprlite.runtime.trace")
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    trace = tracer.input("orders", "http", {"traceparent": parent})
    trace.end(200, None)
    await tracer.close()  # flushes the batch processor
    lines = [r.getMessage() for r in caplog.records if r.name == "daprlite.runtime.trace"]
    assert len(lines) == 1
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC"
    assert re.fullmatch(
        r"\[bindings/orders\] Trace: 4bf92f3577b34da6a3ce929d0e0e4736 Span: "
        rf"00f067aa0ba902b7/[0-9a-f]{{16}} Time: \[{stamp} ->  {stamp}\] Annotations: \[\]",
        lines[0],
    ), lines[0]


async def test_otel_headers_reach_the_receiver() -> None:
    receiver = OtlpReceiver()
    await receiver.start()
    try:
        spec = TracingSpec(1.0, otel_endpoint=f"127.0.0.1:{receiver.port}", otel_protocol="http",
                           otel_is_secure=False, otel_headers=(("x-api-key", "s3cr3t"),),
                           otel_timeout=2.0)  # fmt: skip
        tracer = OtelTracer("with-headers", spec)
        tracer.input("orders", "http", {}).end(200, None)
        await tracer.close()
        await eventually(lambda: receiver.spans, "one exported span")
    finally:
        await receiver.stop()
    assert receiver.headers[0]["x-api-key"] == "s3cr3t"
