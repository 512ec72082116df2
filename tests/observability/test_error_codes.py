"""dapr_error_code_total: read from `spec.metrics.recordErrorCodes`, counted per error answer of a
real sidecar (HTTP and gRPC APIs, a fake output binding), absent unless asked for."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
import grpc
import pytest
from dapr.proto.runtime.v1 import binding_pb2, dapr_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from daprlite.components.configuration import ConfigurationError, read_configuration
from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes

HEAD = "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: c\n"


def test_record_error_codes_is_read_and_off_by_default(tmp_path: Path) -> None:
    file = tmp_path / "config.yaml"
    file.write_text(HEAD + "spec:\n  metrics:\n    enabled: true\n    recordErrorCodes: true\n")
    config = read_configuration(file)
    assert (config.metrics_enabled, config.record_error_codes) == (True, True)
    file.write_text(HEAD + "spec:\n  metrics:\n    enabled: true\n")
    assert read_configuration(file).record_error_codes is False
    file.write_text(HEAD + "spec:\n  metrics:\n    recordErrorCodes: 'yes'\n")
    with pytest.raises(ConfigurationError) as bad:
        read_configuration(file)
    assert [(p.line, p.message) for p in bad.value.problems] == [
        (7, "metrics.recordErrorCodes must be true or false")
    ]


def error_counts(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.labels["error_code"], s.labels["category"]): s.value
        for family in text_string_to_metric_families(text)
        if family.name == "dapr_error_code"  # the parser drops the counter's _total
        for s in family.samples
        if s.labels.get("app_id") == "errs"
    }


async def provoke_errors(sidecar: Sidecar) -> None:
    base = f"http://127.0.0.1:{sidecar.http_port}/v1.0"
    async with aiohttp.ClientSession() as session:
        for body, status in (
            (b"{not json", 400),  # ERR_MALFORMED_REQUEST
            (b'{"operation":"nope"}', 500),  # unsupported operation: ERR_INVOKE_OUTPUT_BINDING
        ):
            async with session.post(f"{base}/bindings/orders", data=body) as r:
                assert r.status == status
        async with session.post(f"{base}/bindings/missing", json={"operation": "create"}) as r:
            assert r.status == 500
        async with session.get(f"{base}/healthz", params={"appid": "other"}) as r:
            assert r.status == 500  # ERR_HEALTH_APPID_NOT_MATCH
        async with session.post(f"{base}/bindings/orders", json={"operation": "create"}) as r:
            assert r.status in (200, 204)  # a success counts nothing
    async with grpc.aio.insecure_channel(f"127.0.0.1:{sidecar.grpc_port}") as channel:
        stub = dapr_pb2_grpc.DaprStub(channel)
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.InvokeBinding(binding_pb2.InvokeBindingRequest(name="orders", operation="x"))


@pytest.mark.parametrize("record", [True, False])
async def test_each_error_answer_counts_by_code_and_category(tmp_path: Path, record: bool) -> None:
    (tmp_path / "fake.yaml").write_text(fakes.component_yaml())
    config = RunConfig(app_id="errs", components_paths=(tmp_path,), record_error_codes=record)
    sidecar = Sidecar(config, registry=fakes.registry(), printer=Printer(io.StringIO()))
    try:
        await sidecar.startup()
        await provoke_errors(sidecar)
        assert sidecar.metrics is not None
        text = sidecar.metrics.render()
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()
    if not record:
        assert "dapr_error_code_total" not in text  # daprd's default: the view is not registered
        return
    assert "# TYPE dapr_error_code_total counter" in text
    assert error_counts(text) == {
        ("ERR_MALFORMED_REQUEST", "common"): 1,
        ("ERR_INVOKE_OUTPUT_BINDING", "binding"): 3,  # two over HTTP, one over gRPC
        ("ERR_HEALTH_APPID_NOT_MATCH", "health"): 1,
    }


async def test_metrics_off_records_no_error_codes(tmp_path: Path) -> None:
    config = RunConfig(
        app_id="errs", components_paths=(tmp_path,), record_error_codes=True, enable_metrics=False
    )
    sidecar = Sidecar(config, registry=fakes.registry(), printer=Printer(io.StringIO()))
    assert sidecar.metrics is None
    assert sidecar.api._on_error_code is None
