"""HTTP header names as Go's net/textproto writes them (`CanonicalMIMEHeaderKey`).

daprd sets every header through Go's `http.Header`, which stores names in this form: the
first letter and each letter after a `-` upper case, the rest lower case. A name holding a byte
that is not an HTTP token character (a space, `:`, anything non-ASCII) is left exactly as given.
"""

from __future__ import annotations

import functools
import re

# RFC 7230 tchar, the bytes Go's validHeaderFieldByte accepts.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", re.ASCII)


def is_token(name: str) -> bool:
    """Whether `name` is a valid header field name (Go's server drops a header that is not)."""
    return _TOKEN.fullmatch(name) is not None


@functools.lru_cache(maxsize=4096)  # every delivery asks again for the same few names
def canonical_mime_header_key(name: str) -> str:
    """Go's `textproto.CanonicalMIMEHeaderKey`: `x-corr-id` → `X-Corr-Id`, `x_y` → `X_y`."""
    if not is_token(name):
        return name
    out, upper = [], True
    for ch in name:
        out.append(ch.upper() if upper else ch.lower())
        upper = ch == "-"
    return "".join(out)
