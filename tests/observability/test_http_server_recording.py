"""dapr_http_server_* recorded from within the API's error middleware: every answer counts,
also those the token check refuses and those the catch-all gives (with path="")."""

from __future__ import annotations

import io
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from daprlite.model.config import RunConfig
from daprlite.process.printer import Printer
from daprlite.runtime.sidecar import Sidecar
from tests.runtime import fakes


async def test_every_answer_is_recorded_with_its_status(tmp_path: Path) -> None:
    (tmp_path / "fake.yaml").write_text(fakes.component_yaml())
    config = RunConfig(app_id="srv", components_paths=(tmp_path,), api_token="t0ken")
    sidecar = Sidecar(config, registry=fakes.registry(), printer=Printer(io.StringIO()))
    body = b'{"operation":"create","data":{"n":1}}'
    try:
        await sidecar.startup()
        base = f"http://127.0.0.1:{sidecar.http_port}"
        async with aiohttp.ClientSession() as session:
            auth = {"dapr-api-token": "t0ken"}
            async with session.post(f"{base}/v1.0/bindings/orders", data=body, headers=auth) as r:
                assert r.status == 204
            async with session.post(f"{base}/v1.0/bindings/orders", data=body) as r:
                assert r.status == 401  # refused by the token check, inside the recorder
            async with session.get(f"{base}/v1.0/state/x", headers=auth) as r:
                assert r.status == 404  # the catch-all: ERR_API_UNIMPLEMENTED
        assert sidecar.metrics is not None
        text = sidecar.metrics.render()
    finally:
        await sidecar.shutdown()
        fakes.EVENTS.clear()
    families = {f.name: f for f in text_string_to_metric_families(text)}
    counted = {
        (s.labels["method"], s.labels["path"], s.labels["status"]): s.value
        for s in families["dapr_http_server_request_count"].samples
    }
    assert counted == {
        ("POST", "/v1.0/bindings/orders", "204"): 1,
        ("POST", "/v1.0/bindings/orders", "401"): 1,
        ("GET", "", "404"): 1,
    }
    latency = {s.name: s.value for s in families["dapr_http_server_latency"].samples
               if s.labels.get("status") == "204" and s.name.endswith("_count")}  # fmt: skip
    assert latency == {"dapr_http_server_latency_count": 1}
    request_bytes = [
        s.value for s in families["dapr_http_server_request_bytes"].samples
        if s.name.endswith("_sum")
    ]  # fmt: skip
    assert request_bytes == [2 * len(body)]
