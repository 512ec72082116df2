"""Secret-looking header values are never shown: the sidecar masks them, and so does the page's
server, in case a sidecar (or another version of one) did not."""

from __future__ import annotations

import re
from collections.abc import Mapping

MASK = "******"

_SECRET_NAME = re.compile(
    r"password|passwd|secret|token|auth|credential|cookie|apikey|api-key|api_key|signature|private",
    re.IGNORECASE,
)


def looks_secret(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def mask_headers(headers: Mapping[str, object]) -> dict[str, str]:
    """The headers as text, with the value of every secret-looking name replaced by MASK."""
    return {str(k): MASK if looks_secret(str(k)) else str(v) for k, v in headers.items()}
