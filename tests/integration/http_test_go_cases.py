"""The request matrix of components-contrib's bindings/http/http_test.go, shared by the binding
tests (tests/integration/test_http_binding.py) and the API replay (tests/conformance).

Each case names the echo endpoint's answer: the body upper-cased (or the method without a
body, or header X-Input), with the status the request asks for in X-Status-Code.
"""

from __future__ import annotations

from dataclasses import dataclass

from daprlite.model.contracts import InvokeRequest


@dataclass(frozen=True)
class Case:
    """One TestCase of http_test.go; `ToInvokeRequest` always sets X-Status-Code and path."""

    input: str
    operation: str
    path: str
    status: int
    error: str = ""
    metadata: tuple[tuple[str, str], ...] = ()

    def request(self) -> InvokeRequest:
        metadata = dict(self.metadata)
        metadata["X-Status-Code"] = str(self.status)
        metadata["path"] = self.path
        return InvokeRequest(self.input.encode(), metadata, self.operation)


DEFAULT_BEHAVIOURS = {
    "get": Case("GET", "get", "/", 200),
    "request headers": Case("OVERRIDE", "get", "/", 200, metadata=(("X-Input", "override"),)),
    "post": Case("expected", "post", "/test", 201),
    "put": Case("expected", "put", "/test", 204),
    "patch": Case("expected", "patch", "/test", 206),
    "delete": Case("DELETE", "delete", "/", 200),
    "options": Case("OPTIONS", "options", "/", 200),
    "trace": Case("TRACE", "trace", "/", 200),
    "backward compatibility": Case("expected", "create", "/test", 200),
    "invalid operation": Case("notvalid", "notvalid", "/test", 400, "invalid operation: notvalid"),
    "internal server error": Case(
        "internal server error", "post", "/", 500, "received status code 500"
    ),
    "internal server error suppressed": Case(
        "internal server error", "post", "/", 500, metadata=(("errorIfNot2XX", "false"),)
    ),
    "redirect should not yield an error": Case(
        "show me the treasure!", "post", "/", 302, metadata=(("errorIfNot2XX", "false"),)
    ),
    "redirect results in an error if not suppressed": Case(
        "show me the treasure!", "post", "/", 302, "received status code 302"
    ),
}

NON_2XX_SUPPRESSED = {
    "internal server error": Case("internal server error", "post", "/", 500),
    "internal server error overridden": Case(
        "internal server error",
        "post",
        "/",
        500,
        "received status code 500",
        (("errorIfNot2XX", "true"),),
    ),
    "internal server error suppressed by request and component": Case(
        "internal server error", "post", "/", 500, metadata=(("errorIfNot2XX", "false"),)
    ),
    "trace": Case("TRACE", "trace", "/", 200),
    "backward compatibility": Case("expected", "create", "/test", 200),
}
