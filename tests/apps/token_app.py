"""Test app for API tokens: calls the sidecar with and without `dapr-api-token` (HTTP and gRPC)
and reports whether the events delivered to it carry APP_API_TOKEN. It never prints a token.

Serves HTTP or the gRPC AppCallback service on APP_PORT, as APP_PROTOCOL (set by daprlite) says.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import grpc
from dapr.clients import DaprClient
from dapr.proto.runtime.v1 import appcallback_pb2, appcallback_pb2_grpc, dapr_pb2_grpc, metadata_pb2

BINDING = os.environ["BINDING_NAME"]
DAPR_TOKEN = os.environ["DAPR_API_TOKEN"]
APP_TOKEN = os.environ["APP_API_TOKEN"]
SIDECAR = f"http://127.0.0.1:{os.environ['DAPR_HTTP_PORT']}/v1.0"


def report(line: str) -> None:
    print(line, flush=True)


def http_status(method: str, path: str, token: str | None, body: bytes | None = None) -> int:
    request = urllib.request.Request(SIDECAR + path, data=body, method=method)
    if token is not None:
        request.add_header("dapr-api-token", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def check_sidecar() -> None:
    send = json.dumps({"operation": "create", "data": "via-http"}).encode()
    checks = {
        "healthz-outbound-no-token": http_status("GET", "/healthz/outbound", None),
        "metadata-no-token": http_status("GET", "/metadata", None),
        "metadata-wrong-token": http_status("GET", "/metadata", "wrong"),
        "metadata-token": http_status("GET", "/metadata", DAPR_TOKEN),
        "binding-no-token": http_status("POST", f"/bindings/{BINDING}", None, send),
        "binding-token": http_status("POST", f"/bindings/{BINDING}", DAPR_TOKEN, send),
    }
    for name, status in checks.items():
        report(f"CHECK {name}={status}")
    with grpc.insecure_channel(f"127.0.0.1:{os.environ['DAPR_GRPC_PORT']}") as channel:
        try:
            dapr_pb2_grpc.DaprStub(channel).GetMetadata(metadata_pb2.GetMetadataRequest())
            report("CHECK grpc-no-token=OK")
        except grpc.RpcError as exc:
            report(f"CHECK grpc-no-token={exc.code().name}")
    # The SDK picks DAPR_API_TOKEN up from the environment daprlite passed on.
    with DaprClient() as client:
        client.invoke_binding(BINDING, "create", data=b"via-grpc")
    report("CHECK grpc-sdk-token=OK")


class HttpApp(BaseHTTPRequestHandler):
    def do_OPTIONS(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        token_ok = self.headers.get("dapr-api-token") == APP_TOKEN
        report(f"DELIVERY token-ok={token_ok} data={body.decode()}")
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the app's output to the lines the test reads


class GrpcApp(appcallback_pb2_grpc.AppCallbackServicer):
    def ListInputBindings(self, request: Any, context: grpc.ServicerContext) -> Any:
        return appcallback_pb2.ListInputBindingsResponse(bindings=[BINDING])

    def OnBindingEvent(self, request: Any, context: grpc.ServicerContext) -> Any:
        token_ok = dict(context.invocation_metadata()).get("dapr-api-token") == APP_TOKEN
        report(f"DELIVERY token-ok={token_ok} data={request.data.decode()}")
        return appcallback_pb2.BindingEventResponse()


def main() -> None:
    port = int(os.environ["APP_PORT"])
    if os.environ.get("APP_PROTOCOL") == "grpc":
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        appcallback_pb2_grpc.add_AppCallbackServicer_to_server(GrpcApp(), server)
        server.add_insecure_port(f"127.0.0.1:{port}")
        server.start()
        check_sidecar()
        server.wait_for_termination()
    else:
        http = ThreadingHTTPServer(("127.0.0.1", port), HttpApp)
        threading.Thread(target=check_sidecar, daemon=True).start()
        http.serve_forever()


if __name__ == "__main__":
    main()
