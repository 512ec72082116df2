"""A Kafka component whose SASL password comes from a `secretstores.local.file` store, under a
real `daprlite run` against the secured test broker: it sends and receives, and the password is
in no line the sidecar writes (at debug level), nor in /v1.0/metadata or `components list`."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.runner import DaprliteRun
from tests.integration.recording_app import RecordingApp
from tests.integration.test_kafka_auth import USER, SecuredBroker, secured  # noqa: F401

pytestmark = pytest.mark.kafka

PASSWORD = "alice-Secret-4711"  # the broker's password for USER (test_kafka_auth's fixture)

STORE = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: kafka-secrets
spec:
  type: secretstores.local.file
  version: v1
  metadata:
    - name: secretsFile
      value: secrets.json
    - name: multiValued
      value: "true"
"""

BINDING = """
apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: orders
spec:
  type: bindings.kafka
  version: v1
  metadata:
    - {{name: brokers, value: "{brokers}"}}
    - {{name: topics, value: {topic}}}
    - {{name: publishTopic, value: {topic}}}
    - {{name: consumerGroup, value: secrets-group}}
    - {{name: initialOffset, value: oldest}}
    - {{name: authType, value: password}}
    - {{name: saslUsername, value: {user}}}
    - name: saslPassword
      secretKeyRef: {{name: kafka-sasl, key: password}}
    - {{name: saslMechanism, value: SHA-512}}
    - {{name: disableTls, value: "true"}}
auth:
  secretStore: kafka-secrets
"""


def write_resources(folder: Path, brokers: str, topic: str) -> Path:
    resources = folder / "resources"
    resources.mkdir()
    (resources / "kafka.yaml").write_text(
        textwrap.dedent(BINDING).format(brokers=brokers, topic=topic, user=USER)
    )
    (resources / "secrets.yaml").write_text(textwrap.dedent(STORE))
    # The store's file name is relative: daprd (and daprlite) read it from the working dir.
    (folder / "secrets.json").write_text(json.dumps({"kafka-sasl": {"password": PASSWORD}}))
    return resources


async def test_sasl_password_from_a_secret_store_works_and_is_never_shown(
    secured: SecuredBroker,  # noqa: F811
    tmp_path: Path,
) -> None:
    topic = secured.topic()
    resources = write_resources(tmp_path, secured.address("SASL"), topic)
    app = RecordingApp(route="orders")
    await app.start()
    run = DaprliteRun(
        ["--app-id", "secrets-app", "--app-port", str(app.port), "--log-level", "debug",
         "--resources-path", str(resources)],
        cwd=tmp_path,
    )  # fmt: skip
    try:
        await asyncio.to_thread(run.wait_for, "You're up and running!", 1, 90.0)
        [line] = run.wait_for(r"HTTP Port: \d+")
        port = int(re.search(r"HTTP Port: (\d+)", line).group(1))  # type: ignore[union-attr]
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            request = {"operation": "create", "data": {"order": 1}}
            async with http.post("/v1.0/bindings/orders", json=request) as sent:
                assert sent.status == 204, await sent.text()
            await app.wait_for(1, timeout=60)
            async with http.get("/v1.0/metadata") as response:
                metadata = await response.text()
    finally:
        code = await asyncio.to_thread(run.stop)
        await app.stop()
    assert app.accepted_values() == [{"order": 1}]
    listed = {c["name"]: c.get("capabilities") for c in json.loads(metadata)["components"]}
    assert listed == {
        "kafka-secrets": ["MULTIPLE_KEY_VALUES_PER_SECRET"],
        "orders": ["INPUT_BINDING", "OUTPUT_BINDING"],
    }
    assert "Component loaded: kafka-secrets (secretstores.local.file/v1)" in run.output
    assert code == 143, run.output
    components_list = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "daprlite", "components", "list", "-d", str(resources), "-o",
         "json"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert [c["name"] for c in json.loads(components_list.stdout)] == ["orders", "kafka-secrets"]
    for shown in (run.output, metadata, components_list.stdout, components_list.stderr):
        assert PASSWORD not in shown


async def test_a_missing_secret_fails_the_binding_naming_the_field_not_a_value(
    secured: SecuredBroker,  # noqa: F811
    tmp_path: Path,
) -> None:
    resources = write_resources(tmp_path, secured.address("SASL"), "never-created")
    (tmp_path / "secrets.json").write_text(json.dumps({"other": {"password": PASSWORD}}))
    run = DaprliteRun(
        ["--app-id", "secrets-missing", "--log-level", "debug", "--resources-path", str(resources)],
        cwd=tmp_path,
    )
    code = await asyncio.to_thread(run.wait_exit, 60.0)
    assert code != 0, run.output
    assert "Error getting secret: secret kafka-sasl not found" in run.output
    assert "saslPassword" in run.output
    assert PASSWORD not in run.output
