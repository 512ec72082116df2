"""The HTTP component's metadata, read the way daprd's HTTP binding reads it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.quantity import byte_size
from daprlite.model.component import Component

log = logging.getLogger("daprlite.bindings.http")

DEFAULT_MAX_RESPONSE_BODY = 100 << 20  # 100Mi
RENEGOTIATION = ("RenegotiateNever", "RenegotiateOnceAsClient", "RenegotiateFreelyAsClient")
_TRUTHY = frozenset({"y", "yes", "true", "t", "on", "1"})


def truthy(value: str) -> bool:
    """dapr/kit's IsTruthy: a few words mean true, anything else (even `banana`) false."""
    return value.strip().lower() in _TRUTHY


@dataclass(frozen=True, slots=True)
class HTTPSettings:
    url: str
    response_timeout: float | None  # seconds; None = no limit, as in daprd
    max_response_body: int  # bytes; <= 0 = no limit
    error_if_not_2xx: bool
    security_token_header: str
    security_token: str = field(repr=False)
    root_ca: str = field(repr=False)  # PEM text or a file path, as given
    client_cert: str = field(repr=False)
    client_key: str = field(repr=False)
    renegotiation: str  # "" or one of RENEGOTIATION

    @classmethod
    def from_component(cls, component: Component) -> HTTPSettings:
        meta = MetadataReader(component)
        _refuse_case_duplicates(meta, component)
        timeout: float | None = None
        if meta.explicit("responseTimeout"):
            # A bare number is seconds (dapr/kit's rule); zero or less times every call out at
            # once, as it does in daprd.
            timeout = meta.duration("responseTimeout", 0.0, bare_unit="s")
            if timeout <= 0:
                log.warning(
                    "component %s: responseTimeout %s makes every request time out at once "
                    "(as in daprd); leave it out for no timeout",
                    component.name,
                    meta.text("responseTimeout"),
                )
        renegotiation = meta.text("MTLSRenegotiation") or ""
        if renegotiation and renegotiation not in RENEGOTIATION:
            # daprd compares the exact spelling.
            raise meta.error(
                "MTLSRenegotiation",
                f"is not a valid renegotiation value: {renegotiation} "
                f"(use one of {', '.join(RENEGOTIATION)})",
            )
        url = meta.text("url") or ""
        if not url:
            log.warning(
                "component %s: no url is set, so every request will fail (daprd starts such a "
                "component too)",
                component.name,
            )
        return cls(
            url=url,
            response_timeout=timeout,
            max_response_body=_max_body(meta),
            error_if_not_2xx=_error_if_not_2xx(component),
            security_token_header=meta.text("securityTokenHeader") or "",
            security_token=meta.text("securityToken") or "",
            root_ca=meta.text("MTLSRootCA") or "",
            client_cert=meta.text("MTLSClientCert") or "",
            client_key=meta.text("MTLSClientKey") or "",
            renegotiation=renegotiation,
        )


def _max_body(meta: MetadataReader) -> int:
    text = meta.text("maxResponseBodySize")
    if not text:
        return DEFAULT_MAX_RESPONSE_BODY
    try:
        return byte_size(text.strip())
    except ValueError as exc:
        raise meta.error(
            "maxResponseBodySize", f"is not a valid byte size such as 1024, 10Ki or 100Mi: {exc}"
        ) from None


def _error_if_not_2xx(component: Component) -> bool:
    # daprd reads this one key by its exact spelling, so `errorifnot2xx: "false"` is ignored
    # there: daprlite ignores it too, and says so.
    value = component.metadata.get("errorIfNot2XX", "")
    for key in component.metadata:
        if key != "errorIfNot2XX" and key.lower() == "errorifnot2xx":
            log.warning(
                "component %s: metadata %r is ignored; daprd reads only the exact spelling "
                "errorIfNot2XX",
                component.name,
                key,
            )
    return truthy(value) if value else True


def _refuse_case_duplicates(meta: MetadataReader, component: Component) -> None:
    """daprd's decoder refuses two keys that differ only in letter case."""
    seen: dict[str, str] = {}
    for key in component.metadata:
        lowered = key.lower()
        if lowered in seen:
            raise meta.error(key, f"is duplicate in the metadata (also given as {seen[lowered]})")
        seen[lowered] = key
