"""Test app: receives a Kafka input binding through `dapr.ext.grpc` (`--app-protocol grpc`)
and prints one line per event, in the order the sidecar delivered them."""

from __future__ import annotations

import os

from dapr.clients.grpc._request import BindingRequest
from dapr.ext.grpc import App

BINDING = os.environ["BINDING_NAME"]
app = App()


@app.binding(BINDING)
def on_event(request: BindingRequest) -> None:
    print(f"GOT {request.text()} topic={request.binding_metadata.get('__topic')}", flush=True)


if __name__ == "__main__":
    app.run(int(os.environ["APP_PORT"]), "127.0.0.1")
