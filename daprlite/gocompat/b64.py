"""Go's `base64.StdEncoding.DecodeString`: padded standard alphabet, CR and LF skipped anywhere,
and (not being strict) no check that the unused low bits of the last character are zero.
"""

from __future__ import annotations

import binascii
import re

_PADDED = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def std_decode(s: bytes) -> bytes | None:
    """The decoded bytes, or None where Go returns a CorruptInputError."""
    text = s.replace(b"\r", b"").replace(b"\n", b"")
    if _PADDED.fullmatch(text) is None:
        return None
    return binascii.a2b_base64(text)
