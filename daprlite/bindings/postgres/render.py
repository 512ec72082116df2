"""A query's rows as daprd writes them: pgx's `rows.Values()` for each PostgreSQL type, then Go's
`json.Marshal` of the array of row arrays.

Results arrive in PostgreSQL's text format, and each type's text is written as the JSON of the
Go value pgx would have decoded (a table in docs/bindings/postgres.md). Types pgx has no codec
for reach the app as their text, as in daprd; a few pgx decodes into structs are text here too.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

from daprlite.bindings.postgres import pgtime
from daprlite.bindings.postgres.pgtime import LocalOffset
from daprlite.gocompat.floats import format_float, format_float32
from daprlite.gocompat.json import GoJSONError, encode, unmarshal
from daprlite.gocompat.timejson import YEAR_RANGE_ERROR

Render = Callable[[str], str]  # the value's text -> its JSON


class ReadError(Exception):
    """pgx could not decode a value (rows.Values failed): daprd's "error reading result"."""


class SerializeError(Exception):
    """Go's json.Marshal refused a decoded value: daprd's "error serializing results"."""


_NUMERIC_INFINITY = (
    "json: error calling MarshalJSON for type pgtype.Numeric: "
    "invalid character '<' looking for beginning of value"
)


def _integer(text: str) -> str:
    return str(int(text))


def _float4(text: str) -> str:
    return format_float32(float(text))


def _float8(text: str) -> str:
    return format_float(float(text))


def _numeric(text: str) -> str:
    """pgtype.Numeric.MarshalJSON: the digits with the column's scale, but zero is `0`."""
    if text == "NaN":
        return '"NaN"'
    if text in ("Infinity", "-Infinity"):
        raise SerializeError(_NUMERIC_INFINITY)
    return "0" if set(text) <= set("-0.") else text


def _text(text: str) -> str:
    return encode(text).decode()


def _boolean(text: str) -> str:
    return "true" if text == "t" else "false"


def _qchar(text: str) -> str:
    """`"char"` decodes to a Go byte: its number."""
    if not text:
        return "0"
    if text.startswith("\\") and len(text) == 4:
        return str(int(text[1:], 8))
    return str(text.encode()[0])


def _bytes_json(data: bytes) -> str:
    return '"' + base64.b64encode(data).decode() + '"'


def _bytea(text: str) -> str:
    if text.startswith("\\x"):
        return _bytes_json(bytes.fromhex(text[2:]))
    return _bytes_json(_bytea_escaped(text))  # bytea_output = escape


def _bytea_escaped(text: str) -> bytes:
    out, index, raw = bytearray(), 0, text.encode()
    while index < len(raw):
        if raw[index : index + 2] == b"\\\\":
            out.append(0x5C)
            index += 2
        elif raw[index : index + 1] == b"\\":
            out.append(int(raw[index + 1 : index + 4], 8))
            index += 4
        else:
            out.append(raw[index])
            index += 1
    return bytes(out)


def _uuid(text: str) -> str:
    """pgx decodes uuid into a [16]byte, which Go writes as an array of numbers."""
    return "[" + ",".join(str(b) for b in bytes.fromhex(text.replace("-", ""))) + "]"


def _json(text: str) -> str:
    try:
        return encode(unmarshal(text.encode())).decode()
    except GoJSONError as exc:
        raise ReadError(f"error reading result '{exc}': {exc}") from None


def _inet(text: str) -> str:
    """netip.Prefix's text: a host address gets its full mask, as pgx decodes it."""
    if "/" not in text:
        text += "/128" if ":" in text else "/32"
    return encode(text).decode()


def _macaddr(text: str) -> str:
    return _bytes_json(bytes.fromhex(text.replace(":", "").replace("-", "").replace(".", "")))


def _xml(text: str) -> str:
    return _bytes_json(text.encode())


def _date(text: str) -> str:
    return pgtime.date_json(text)


def _timestamp(text: str) -> str:
    return pgtime.timestamp_json(text)


# type OID -> renderer for the types pgx decodes to something other than their text.
SCALARS: dict[int, Render] = {
    16: _boolean,
    17: _bytea,
    18: _qchar,
    20: _integer,
    21: _integer,
    23: _integer,
    26: _integer,
    28: _integer,
    29: _integer,
    5069: _integer,
    114: _json,
    3802: _json,
    142: _xml,
    650: _inet,
    869: _inet,
    700: _float4,
    701: _float8,
    774: _macaddr,
    829: _macaddr,
    1082: _date,
    1083: pgtime.time_json,
    1114: _timestamp,
    1186: pgtime.interval_json,
    1700: _numeric,
    2950: _uuid,
}
TIMESTAMPTZ = 1184
# Array type OID -> element type OID, for the arrays pgx has codecs for (text-like elements
# included: their arrays become JSON arrays of strings).
ARRAYS: dict[int, int] = {
    1000: 16, 1001: 17, 1002: 18, 1003: 19, 1005: 21, 1007: 23, 1009: 25, 1011: 28, 1012: 29,
    1014: 1042, 1015: 1043, 1016: 20, 1021: 700, 1022: 701, 1028: 26, 1034: 1033, 1040: 829,
    1041: 869, 651: 650, 1115: 1114, 1182: 1082, 1183: 1083, 1185: 1184, 1187: 1186, 1231: 1700,
    143: 142, 199: 114, 2951: 2950, 271: 5069, 3807: 3802, 4073: 4072,
}  # fmt: skip


class Renderer:
    """Renders result values; `local_offset` is the sidecar's zone for timestamptz."""

    def __init__(self, local_offset: LocalOffset = pgtime.system_offset) -> None:
        self._local_offset = local_offset

    def value(self, oid: int, raw: bytes | None) -> str:
        if raw is None:
            return "null"
        # Invalid UTF-8 (a SQL_ASCII database) becomes U+FFFD per byte, as Go writes it.
        return self._render(oid, raw.decode("utf-8", "daprlite.gojson"))

    def _render(self, oid: int, text: str) -> str:
        try:
            if oid == TIMESTAMPTZ:
                return pgtime.timestamp_json(text, self._local_offset)
            if oid in ARRAYS:
                return self._array(ARRAYS[oid], text)
            render = SCALARS.get(oid)
            return render(text) if render else _text(text)
        except ValueError as exc:
            if str(exc) == YEAR_RANGE_ERROR or str(exc).startswith("json: unsupported value"):
                raise SerializeError(str(exc)) from None
            raise ReadError(f"error reading result '{exc}': {exc}") from None

    def _array(self, element: int, text: str) -> str:
        # pgx flattens every dimension into one list (ARRAY[[1,2],[3,4]] reads [1,2,3,4]).
        parts = [
            "null" if item is None else self._render(element, item) for item in array_items(text)
        ]
        return "[" + ",".join(parts) + "]"

    def rows(self, oids: list[int], rows: Iterator[list[bytes | None]]) -> bytes:
        """The JSON array of row arrays; raises ReadError or SerializeError as daprd would.

        daprd reads every row before it marshals, so a read error anywhere wins over a value
        Go cannot write.
        """
        out: list[str] = []
        refused: SerializeError | None = None
        for row in rows:
            cells = []
            for oid, raw in zip(oids, row, strict=True):
                try:
                    cells.append(self.value(oid, raw))
                except SerializeError as exc:
                    refused = refused or exc
                    cells.append("null")
            out.append("[" + ",".join(cells) + "]")
        if refused is not None:
            raise refused
        return ("[" + ",".join(out) + "]").encode()


def array_items(text: str) -> Iterator[str | None]:
    """The elements of PostgreSQL's array text, every dimension flattened; None for NULL."""
    if text.startswith("["):  # explicit bounds, e.g. [2:3]={1,2}
        text = text[text.index("=") + 1 :]
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char in "{},":
            index += 1
            continue
        if char == '"':
            index += 1
            chunk: list[str] = []
            while text[index] != '"':
                if text[index] == "\\":
                    index += 1
                chunk.append(text[index])
                index += 1
            index += 1
            yield "".join(chunk)
            continue
        end = index
        while end < length and text[end] not in ",}":
            end += 1
        item = text[index:end]
        yield None if item.upper() == "NULL" else item
        index = end
