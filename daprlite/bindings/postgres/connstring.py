"""Connection strings as daprd reads them: components-contrib merges the separate metadata fields
into the string, then pgx parses it (keyword/value or URL). The result is pgx's settings map.

Error texts are pgx's and daprd's; any password is redacted as pgx does, and the caller scrubs
every known secret again, since daprd's merge can split a password pgx then only half redacts.
"""

from __future__ import annotations

import contextlib
import getpass
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

URL_PREFIXES = ("postgres://", "postgresql://")
_SPACE = " \t\n\r\v\f"
# pgx reads these environment variables under its own names for the settings keys.
_ENV = {
    "PGHOST": "host",
    "PGPORT": "port",
    "PGDATABASE": "database",
    "PGUSER": "user",
    "PGPASSWORD": "password",
    "PGPASSFILE": "passfile",
    "PGAPPNAME": "application_name",
    "PGCONNECT_TIMEOUT": "connect_timeout",
    "PGSSLMODE": "sslmode",
    "PGSSLKEY": "sslkey",
    "PGSSLCERT": "sslcert",
    "PGSSLSNI": "sslsni",
    "PGSSLROOTCERT": "sslrootcert",
    "PGSSLPASSWORD": "sslpassword",
    "PGTARGETSESSIONATTRS": "target_session_attrs",
    "PGSERVICE": "service",
    "PGSERVICEFILE": "servicefile",
}


class ConnectionStringError(ValueError):
    """The text daprd's Init returns for this connection string (already redacted)."""


@dataclass(frozen=True, slots=True)
class ConnectionFields:
    """`connectionString` and the separate fields components-contrib merges into it."""

    connection_string: str = ""
    host: str = ""
    hostaddr: str = ""
    port: str = ""
    database: str = ""
    user: str = ""
    password: str = ""
    ssl_root_cert: str = ""

    def overrides(self) -> dict[str, str]:
        # The order daprd's Go map iteration happens to give is random; this one is fixed.
        pairs = (
            ("user", self.user),
            ("host", self.host),
            ("hostaddr", self.hostaddr),
            ("port", self.port),
            ("database", self.database),
            ("password", self.password),
            ("sslrootcert", self.ssl_root_cert),
        )
        return {key: value for key, value in pairs if value}


@dataclass(frozen=True, slots=True)
class Parsed:
    settings: dict[str, str]  # holds the password: never log it
    shown: str  # the merged connection string with its password redacted, for messages


def parse(fields: ConnectionFields) -> Parsed:
    """pgx's settings (defaults, environment, then the merged connection string)."""
    text = fields.connection_string
    if text.startswith(URL_PREFIXES):
        from_string, shown = _url_settings(text, fields)
    else:
        merged = merge_keyword_value(text, fields.overrides())
        # daprd appends the password field unquoted, so one with a space would be only half
        # covered by pgx's redaction: take it out whole first.
        shown = merged
        if fields.password:
            shown = shown.replace(f"password={fields.password}", "password=xxxxx")
        shown = redact(shown)
        try:
            from_string = keyword_value_settings(merged)
        except ValueError as exc:
            raise parse_error(shown, "failed to parse as keyword/value", str(exc)) from None
    return Parsed({**default_settings(), **_env_settings(), **from_string}, shown)


def merge_keyword_value(text: str, overrides: Mapping[str, str]) -> str:
    """components-contrib's buildDSNConnectionString: split on single spaces (a quoted value
    with a space breaks, as it does in daprd), replace the overridden keys, append the rest."""
    remaining = dict(overrides)
    parts: list[str] = []
    for part in text.split(" "):
        key, sep, value = part.partition("=")
        if not sep:
            continue
        parts.append(f"{key}={remaining.pop(key) if key in remaining else value}")
    parts.extend(f"{key}={value}" for key, value in remaining.items())
    merged = " ".join(parts).strip()
    if not merged:
        raise ConnectionStringError("failed to build connection string")
    return merged


def keyword_value_settings(text: str) -> dict[str, str]:
    """pgx's parseKeywordValueSettings; ValueError carries pgx's reason."""
    settings: dict[str, str] = {}
    rest = text
    while rest:
        eq = rest.find("=")
        if eq < 0:
            raise ValueError("invalid keyword/value")
        key = rest[:eq].strip(_SPACE)
        rest = rest[eq + 1 :].lstrip(_SPACE)
        if not rest:
            value = ""
        elif rest[0] != "'":
            end = 0
            while end < len(rest) and rest[end] not in _SPACE:
                if rest[end] == "\\":
                    end += 1
                    if end == len(rest):
                        raise ValueError("invalid backslash")
                end += 1
            value = _unescape(rest[:end])
            rest = rest[end + 1 :]
        else:
            rest = rest[1:]
            end = 0
            while end < len(rest) and rest[end] != "'":
                end += 2 if rest[end] == "\\" else 1
            if end >= len(rest):
                raise ValueError("unterminated quoted string in connection info string")
            value = _unescape(rest[:end])
            rest = rest[end + 1 :]
        key = "database" if key == "dbname" else key
        if not key:
            raise ValueError("invalid keyword/value")
        settings[key] = value
    return settings


def _unescape(value: str) -> str:
    return value.replace("\\\\", "\\").replace("\\'", "'")


def _url_settings(text: str, fields: ConnectionFields) -> tuple[dict[str, str], str]:
    """components-contrib's buildURLConnectionString, then pgx's parseURLSettings."""
    try:
        parts = urlsplit(text)
        userinfo, at, host = parts.netloc.rpartition("@")
    except ValueError as exc:
        raise ConnectionStringError(f"invalid URL connection string: {exc}") from None
    username, _, password = userinfo.partition(":") if at else ("", "", "")
    has_password = bool(at) and ":" in userinfo
    username, password = unquote(username), unquote(password)
    if fields.user:
        username = fields.user
    if fields.password:
        password, has_password = fields.password, True
    # daprd applies host, then hostaddr, then appends the port to whatever host it has.
    host = fields.hostaddr or fields.host or host
    if fields.port:
        host = f"{host}:{fields.port}"
    path = "/" + fields.database.lstrip("/") if fields.database else parts.path
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    if fields.ssl_root_cert:
        query = [(k, v) for k, v in query if k != "sslrootcert"]
        query.append(("sslrootcert", fields.ssl_root_cert))
    shown = _redacted_url(parts.scheme, username, has_password, host, path, query)

    settings: dict[str, str] = {}
    if username or has_password:
        settings["user"] = username
    if has_password:
        settings["password"] = password
    hosts, ports = [], []
    for item in host.split(","):
        if not item:
            continue
        if _ip_only(item):
            hosts.append(item.strip("[]"))
            continue
        name, port, problem = _split_host_port(item)
        if problem:
            raise parse_error(
                shown,
                "failed to parse as URL",
                f"failed to split host:port in '{item}', err: address {item}: {problem}",
            )
        if name:
            hosts.append(name)
        if port:
            ports.append(port)
    if hosts:
        settings["host"] = ",".join(hosts)
    if ports:
        settings["port"] = ",".join(ports)
    database = unquote(path).lstrip("/")
    if database:
        settings["database"] = database
    seen: set[str] = set()
    for key, value in query:
        if key in seen:
            continue  # Go's Query() keeps every value; pgx takes the first
        seen.add(key)
        settings["database" if key == "dbname" else key] = value
    return settings, shown


def _ip_only(host: str) -> bool:
    bare = host.strip("[]")
    return ":" not in host or _is_ipv6(bare)


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _split_host_port(item: str) -> tuple[str, str, str]:
    """Go's net.SplitHostPort: (host, port, problem)."""
    if item.startswith("["):
        close = item.find("]")
        if close < 0:
            return "", "", "missing ']' in address"
        if close + 1 == len(item) or item[close + 1] != ":":
            return "", "", "missing port in address"
        return item[1:close], item[close + 2 :], ""
    if item.count(":") > 1:
        return "", "", "too many colons in address"
    name, _, port = item.rpartition(":")
    return name, port, ""


def _redacted_url(
    scheme: str,
    user: str,
    has_password: bool,
    host: str,
    path: str,
    query: list[tuple[str, str]],
) -> str:
    userinfo = quote(user, safe="") + (":xxxxx" if has_password else "")
    at = "@" if userinfo else ""
    encoded = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(query))
    return f"{scheme}://{userinfo}{at}{host}{path}" + (f"?{encoded}" if encoded else "")


_QUOTED_PASSWORD = re.compile(r"password='[^']*'")
_PLAIN_PASSWORD = re.compile(r"password=[^ ]*")
_BROKEN_URL = re.compile(r":[^:@]+?@")


def redact(text: str) -> str:
    """pgx's redactPW for a keyword/value string."""
    text = _QUOTED_PASSWORD.sub("password=xxxxx", text)
    text = _PLAIN_PASSWORD.sub("password=xxxxx", text)
    return _BROKEN_URL.sub(":xxxxxx@", text)


def parse_error(shown: str, what: str, reason: str = "") -> ConnectionStringError:
    """pgx's ParseConfigError (`shown` is already redacted), as daprd wraps it."""
    suffix = f" ({reason})" if reason else ""
    return ConnectionStringError(
        f"failed to parse connection string: cannot parse `{shown}`: {what}{suffix}"
    )


def default_settings() -> dict[str, str]:
    """pgx's defaults: the first existing socket folder, port 5432, the OS user."""
    settings = {"host": _default_host(), "port": "5432", "target_session_attrs": "any"}
    with contextlib.suppress(KeyError, OSError):  # no name for this uid: libpq's own default
        settings["user"] = getpass.getuser()
    home = Path.home()
    settings["passfile"] = str(home / ".pgpass")
    cert, key = home / ".postgresql" / "postgresql.crt", home / ".postgresql" / "postgresql.key"
    if cert.exists() and key.exists():
        settings["sslcert"], settings["sslkey"] = str(cert), str(key)
    root = home / ".postgresql" / "root.crt"
    if root.exists():
        settings["sslrootcert"] = str(root)
    return settings


def _default_host() -> str:
    for folder in ("/var/run/postgresql", "/private/tmp", "/tmp"):
        if os.path.exists(folder):
            return folder
    return "localhost"


def _env_settings() -> dict[str, str]:
    return {key: os.environ[name] for name, key in _ENV.items() if os.environ.get(name)}
