"""Test app: one record out through a Kafka output binding with the Dapr Python SDK (gRPC),
then the sidecar's metadata printed as one JSON line for the test to check."""

from __future__ import annotations

import json
import os

from dapr.clients import DaprClient

BINDING = os.environ["BINDING_NAME"]
PAYLOAD = bytes.fromhex(os.environ["PAYLOAD_HEX"])
KEY = os.environ["PARTITION_KEY"]


def main() -> None:
    # The constructor blocks until /v1.0/healthz/outbound answers 2xx.
    with DaprClient() as client:
        response = client.invoke_binding(
            BINDING, "create", data=PAYLOAD, binding_metadata={"partitionKey": KEY}
        )
        print(f"INVOKED data={response.data!r}", flush=True)
        meta = client.get_metadata()
    components = [
        {"name": c.name, "type": c.type, "version": c.version, "capabilities": list(c.capabilities)}
        for c in meta.registered_components
    ]
    print("METADATA " + json.dumps({"id": meta.application_id, "components": components}))


if __name__ == "__main__":
    main()
