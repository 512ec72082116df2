"""The body of `POST /v1.0/bindings/<name>`, decoded as daprd's Go struct decodes it.

daprd reads `OutputBindingRequest{metadata map[string]string; data any; operation string}`;
`data` is then re-encoded by `json.Marshal`, which is what the binding receives.
"""

from __future__ import annotations

from dataclasses import dataclass

from daprlite.api.binding_request_fast import fast_output_binding_request
from daprlite.gocompat.json import BigNumberError, GoJSONError, GoObject, encode, json_kind, parse


@dataclass(frozen=True, slots=True)
class OutputBindingBody:
    """The decoded `{data, metadata, operation}` body; `data` already re-encoded as Go does."""

    data: bytes
    metadata: dict[str, str]
    operation: str


def _field_error(kind: str, field: str, go_type: str) -> str:
    where = f"Go struct field OutputBindingRequest.{field}"
    return f"json: cannot unmarshal {kind} into {where} of type {go_type}"


def decode_output_binding_request(body: bytes) -> OutputBindingBody:
    """Decode daprd's `OutputBindingRequest{metadata map[string]string; data any; operation}`.

    Keys match fields case-insensitively and the last occurrence wins; unknown keys are
    ignored. Like Go, decoding goes on after a type error and the first one is reported.
    """
    plain = fast_output_binding_request(body)
    if plain is not None:
        return OutputBindingBody(*plain)
    return decode_output_binding_request_in_full(body)


def decode_output_binding_request_in_full(body: bytes) -> OutputBindingBody:
    """The general decoder, for every body; the fast path must agree with it where it applies."""
    value = parse(body)
    if value is None:
        return OutputBindingBody(b"null", {}, "")
    if not isinstance(value, GoObject):
        raise GoJSONError(
            f"json: cannot unmarshal {json_kind(value)} "
            "into Go value of type http.OutputBindingRequest"
        )
    data, operation = b"null", ""
    metadata: dict[str, str] | None = None
    errors: list[str] = []
    for key, item in value:
        field = key.lower() if key.isascii() else ""
        if field == "data":
            try:
                data = encode(item)
            except BigNumberError as exc:
                errors.append(_field_error(f"number {exc.literal}", "data", "float64"))
        elif field == "metadata":
            if item is None:
                metadata = None
            elif isinstance(item, GoObject):
                metadata = {} if metadata is None else metadata  # a repeated map is merged
                for name, text in item:
                    metadata[name] = text if isinstance(text, str) else ""
                    if text is not None and not isinstance(text, str):
                        errors.append(_field_error(json_kind(text), "metadata", "string"))
            else:
                errors.append(_field_error(json_kind(item), "metadata", "map[string]string"))
        elif field == "operation":
            if isinstance(item, str):
                operation = item
            elif item is not None:  # null leaves a Go string untouched
                errors.append(_field_error(json_kind(item), "operation", "string"))
    if errors:
        raise GoJSONError(errors[0])
    return OutputBindingBody(data, metadata or {}, operation)
