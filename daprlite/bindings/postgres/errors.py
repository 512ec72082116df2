"""Driver failures worded as pgx words them, so daprlite's messages read as daprd's do.

A server error is pgx's PgError text (`ERROR: <message> (SQLSTATE <code>)`); a failed connect
gets pgx's prefix (`failed to connect to `user=... database=...`:`) before libpq's reason.
"""

from __future__ import annotations

import re

import psycopg

# The server's text when the number of parameters sent differs from the statement's.
_PARAM_COUNT = re.compile(r"bind message supplies (\d+) parameters, but .* requires (\d+)")
# psycopg's own prefixes before libpq's connection message.
_PSYCOPG_PREFIXES = ("connection failed: ", "connection is bad: ")
_SEVERITY = re.compile(r"\b(FATAL|ERROR|PANIC):  ")


def driver_error(exc: psycopg.Error, operation: str) -> str:
    """The text after daprd's `error executing query: `."""
    diag = exc.diag
    if exc.sqlstate == "08P01" and diag.message_primary:
        counts = _PARAM_COUNT.search(diag.message_primary)
        if counts:
            # pgx counts the parameters before it sends anything, and says so in its words.
            sent, wanted = counts.groups()
            if operation == "exec":
                return "mismatched param and argument count"
            return f"expected {wanted} arguments, got {sent}"
    if exc.sqlstate and diag.message_primary:
        severity = diag.severity or "ERROR"
        return f"{severity}: {diag.message_primary} (SQLSTATE {exc.sqlstate})"
    return _libpq_text(str(exc))


def connect_error(exc: psycopg.Error, user: str, database: str) -> str:
    """pgx's ConnectError text around libpq's reason (one attempt a line, as pgx writes)."""
    prefix = f"failed to connect to `user={user} database={database}`:"
    details = _libpq_text(str(exc)).split("\n")
    if len(details) > 1:
        return prefix + "\n\t" + "\n\t".join(details)
    return f"{prefix} {details[0]}"


def _libpq_text(text: str) -> str:
    for prefix in _PSYCOPG_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    # libpq writes "FATAL:  reason" with two spaces and hint lines indented by a tab.
    lines = [_SEVERITY.sub(r"\1: ", line.strip()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)
