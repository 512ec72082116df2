"""What `create` writes for the request data, by daprd's rule: a Go string literal is unquoted
(over HTTP a JSON string arrives as `"text"`), then text that is valid padded base64 is decoded.
So short words such as `test` are decoded too; docs/bindings/localstorage.md lists when.
"""

from __future__ import annotations

from daprlite.gocompat.b64 import std_decode
from daprlite.gocompat.strconv import unquote


def file_content(data: bytes) -> bytes:
    unquoted = unquote(data)
    if unquoted is not None:
        data = unquoted
    decoded = std_decode(data)
    return data if decoded is None else decoded
