"""Go 1.26's http.Client against fixed responses: the requests it sent and what the binding
returned. Printed by a Go program running daprd's HTTP binding logic on the standard library
against a server that answered these exact bytes; replayed by test_http_go_client.py.
The cases and Go's results are in http_go_matrix.json, one per line: operation, url, path,
request metadata, data, maxResponseBodySize; then Go's error, or its response metadata and
body; and every request it sent (method, target, headers but Host, body).

`PORT` stands for the server's port; `GZIP` for the gzip stream of b"hello gzip" (Go's own
bytes differ, so the lengths of raw gzip bodies follow the stream used here).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

GZIP = gzip.compress(b"hello gzip", mtime=0)
_N = str(len(GZIP)).encode()

RESPONSES: dict[str, bytes] = {
    "/basic": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nx-lower: a\r\nX-Multi: 1\r\n"
        b"x-multi: 2\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nx_under: u\r\n"
        b"X-Space:   padded  \r\nX-Empty:\r\nContent-Length: 5\r\n\r\nhello"
    ),
    "/reason": b"HTTP/1.1 200 Fine Thanks\r\nContent-Length: 0\r\n\r\n",
    "/noreason": b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
    "/noreason-space": b"HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n",
    "/teapot": b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 3\r\n\r\ntea",
    "/chunked": (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n5\r\nhello\r\n"
        b"0\r\nX-T: t\r\n\r\n"
    ),
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody-until-eof",
    "/keepalive": b"HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
    "/pragma": b"HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 0\r\n\r\n",
    "/gzip": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
    + _N
    + b"\r\n\r\n"
    + GZIP,
    "/gzip-upper": b"HTTP/1.1 200 OK\r\nContent-Encoding: GZIP\r\nContent-Length: "
    + _N
    + b"\r\n\r\n"
    + GZIP,
    "/gzip-bad": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 8\r\n\r\nnot gzip",
    "/gzip-empty": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 0\r\n\r\n",
    "/gzip-trunc": b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"
    + GZIP[:12],
    "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\nContent-Type: text/html\r\n\r\n",
    "/nocontent": b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
    "/dup-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "/trailer-plain": b"HTTP/1.1 200 OK\r\nTrailer: X-T\r\nContent-Length: 2\r\n\r\nok",
    "/http10": b"HTTP/1.0 200 OK\r\n\r\nold body",
    "/r301": b"HTTP/1.1 301 Moved Permanently\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n",
    "/r302": b"HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n",
    "/r303": b"HTTP/1.1 303 See Other\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n",
    "/r307": b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n",
    "/r308": b"HTTP/1.1 308 Permanent Redirect\r\nLocation: final?q=1\r\nContent-Length: 0\r\n\r\n",
    "/r302-noloc": b"HTTP/1.1 302 Found\r\nContent-Length: 4\r\n\r\ngone",
    "/r300": b"HTTP/1.1 300 Multiple Choices\r\nLocation: /final\r\nContent-Length: 0\r\n\r\n",
    "/r304": b"HTTP/1.1 304 Not Modified\r\nLocation: /final\r\n\r\n",
    "/loop": b"HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n",
    "/r302-otherhost": (
        b"HTTP/1.1 302 Found\r\nLocation: http://localhost:PORT/final\r\nContent-Length: 0\r\n\r\n"
    ),
    "/final": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nfinal",
    "/echo": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "/large": b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n01234567890123456789",
}
CLOSE_AFTER = frozenset({"/close", "/http10"})


def cases() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(
        (Path(__file__).parent / "http_go_matrix.json").read_text()
    )
    return loaded
