"""API tokens end to end: DAPR_API_TOKEN guards the sidecar's HTTP and gRPC APIs, APP_API_TOKEN
rides on every delivery to the app (HTTP header or gRPC metadata), and neither is ever logged."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.e2e.runner import DaprliteRun
from tests.support.components import write_component

APPS = Path(__file__).resolve().parents[1] / "apps"
BINDING = "guarded"
DAPR_TOKEN = "dapr-tok-5e1d7c0a"
APP_TOKEN = "app-tok-93b2f4e8"


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_tokens_guard_the_api_and_reach_the_app(
    tmp_path, kafka_broker, kafka_topic, unused_tcp_port, protocol
) -> None:
    topic = kafka_topic()
    components = write_component(tmp_path / "components", BINDING, kafka_broker.bootstrap, topic)
    run = DaprliteRun(
        ["--app-id", f"tokens-{protocol}", "--app-port", str(unused_tcp_port),
         "--app-protocol", protocol, "--log-level", "debug",
         "--components-path", str(components), "--", sys.executable, str(APPS / "token_app.py")],
        cwd=tmp_path,
        env={"BINDING_NAME": BINDING, "DAPR_API_TOKEN": DAPR_TOKEN, "APP_API_TOKEN": APP_TOKEN},
    )  # fmt: skip
    try:
        run.wait_for(r"== APP == CHECK grpc-sdk-token=", timeout=90)
        deliveries = run.wait_for(r"== APP == DELIVERY ", count=2, timeout=60)
    finally:
        run.stop()
    checks = dict(re.findall(r"== APP == CHECK (\S+)=(\S+)", run.output))
    assert checks == {
        "healthz-outbound-no-token": "204",
        "metadata-no-token": "401",
        "metadata-wrong-token": "401",
        "metadata-token": "200",
        "binding-no-token": "401",
        "binding-token": "204",
        "grpc-no-token": "UNAUTHENTICATED",
        "grpc-sdk-token": "OK",
    }, run.output
    # Only the two authorised sends reached Kafka and came back, each with the app token.
    assert sorted(line.split("== APP == ", 1)[1] for line in deliveries) == [
        'DELIVERY token-ok=True data="via-http"',
        "DELIVERY token-ok=True data=via-grpc",
    ], run.output
    assert run.output.count("== APP == DELIVERY ") == 2, run.output
    assert DAPR_TOKEN not in run.output and APP_TOKEN not in run.output
