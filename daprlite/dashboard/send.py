"""The send form: its fields turned into a Dapr output-binding request, and the sidecar's answer
turned into what the page shows (status, body, `metadata.*` headers, secrets masked)."""

from __future__ import annotations

import json
from typing import Any

from daprlite.model.redaction import masked

BODY_PREVIEW = 4096


class FormError(ValueError):
    """A field the page sent cannot make a request; the message says which and why."""


def data_value(text: str) -> Any:
    """The `data` field: JSON when it parses as JSON, otherwise the text as a JSON string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def metadata_lines(text: str) -> dict[str, str]:
    """`key=value` lines (blank lines ignored) -> metadata; a line without `=` is an error."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise FormError(f"metadata line {number} is not key=value")
        found[key.strip()] = value.strip()
    return found


def binding_request(form: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /v1.0/bindings/<name> from the form's operation, data and metadata."""
    operation = str(form.get("operation") or "create").strip()
    body: dict[str, Any] = {"operation": operation}
    data = str(form.get("data") or "")
    if data:
        body["data"] = data_value(data)
    metadata = metadata_lines(str(form.get("metadata") or ""))
    if metadata:
        body["metadata"] = metadata
    return body


def response_view(status: int, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """What the page shows of the sidecar's answer: daprd returns an output binding's response
    metadata as `metadata.<key>` headers."""
    metadata = {k: v for k, v in headers.items() if k.lower().startswith("metadata.")}
    return {
        "status": status,
        "body": body[:BODY_PREVIEW],
        "truncated": len(body) > BODY_PREVIEW,
        "metadata": masked(metadata),
    }
