"""Go's time.LoadLocation and time.Local: which tz database file a zone name reads, the error
when none does, and the name time.Local goes by (`Local`, the `TZ` value, or `UTC`).

Both read files: call them off the event loop (asyncio.to_thread).
"""

from __future__ import annotations

import errno
import functools
import io
import os
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from daprlite.gocompat.gotime import UTC, Location

# Go's platformZoneSources on Linux and the BSDs, searched in this order.
_SOURCES = (
    "/usr/share/zoneinfo/",
    "/usr/share/lib/zoneinfo/",
    "/usr/lib/locale/TZ/",
    "/etc/zoneinfo",
)
_MAX_FILE = 10 << 20  # Go refuses bigger zone files


class LocationError(ValueError):
    """time.LoadLocation refused the name; the message is Go's error text."""


def load_location(name: str, environ: Mapping[str, str] | None = None) -> Location:
    """time.LoadLocation(name): `""` and `UTC` are UTC, `Local` is time.Local, any other name
    a file under $ZONEINFO or the system's zoneinfo folders."""
    env = os.environ if environ is None else environ
    if name in ("", "UTC"):
        return UTC
    if name == "Local":
        return local_location(env)
    if ".." in name or name[0] in "/\\":
        raise LocationError("time: invalid location name")
    first_error = ""
    folder = env.get("ZONEINFO", "")
    if folder:
        # Go also reads a zip file here; daprlite reads folders only.
        zone, first_error = _load(name, (folder,))
        if zone is not None:
            return zone
    zone, error = _load(name, _SOURCES)
    if zone is not None:
        return zone
    raise LocationError(first_error or error or f"unknown time zone {name}")


def local_location(environ: Mapping[str, str] | None = None) -> Location:
    """time.Local as a Go program started with this environment sees it (cached for ours)."""
    if environ is None or environ is os.environ:
        return _process_local()
    return _resolve_local(environ)


@functools.cache
def _process_local() -> Location:
    return _resolve_local(os.environ)


def _resolve_local(environ: Mapping[str, str]) -> Location:
    # Go's initLocal: no TZ reads /etc/localtime; TZ="" is UTC; TZ=[:]/path reads that file;
    # TZ=[:]name a zone name; whatever cannot be read falls back to UTC, named so.
    tz = environ.get("TZ")
    zone: Location | None = None
    name = "UTC"
    if tz is None:
        zone, _ = _load("localtime", ("/etc",))
        name = "Local"
    elif tz:
        tz = tz.removeprefix(":")
        if tz.startswith("/"):
            zone, _ = _load(tz, ("",))
            name = "Local" if tz == "/etc/localtime" else tz
        elif tz and tz != "UTC":
            zone, _ = _load(tz, _SOURCES)
            name = tz
    if zone is None:
        return Location("UTC", UTC.zone, local=True)
    return Location(name, zone.zone, local=True)


def _load(name: str, sources: tuple[str, ...]) -> tuple[Location | None, str]:
    """The zone `name` from the first source that has it, else the first error that was not
    "no such file" (Go's loadLocation)."""
    first_error = ""
    for source in sources:
        path = f"{source}/{name}" if source else name
        try:
            with open(path, "rb") as file:
                data = file.read(_MAX_FILE + 1)
        except FileNotFoundError:
            continue
        except OSError as exc:
            first_error = first_error or _errno_text(exc.errno)
            continue
        except ValueError:  # a NUL in the name: the kernel would say EINVAL
            first_error = first_error or _errno_text(errno.EINVAL)
            continue
        if len(data) > _MAX_FILE:
            first_error = first_error or f"time: file {path} is too large"
            continue
        try:
            zone = ZoneInfo.from_file(io.BytesIO(data), key=name)
        except ValueError:
            first_error = first_error or "malformed time zone information"
            continue
        return Location(name, zone), ""
    return None, first_error


def _errno_text(number: int | None) -> str:
    # Go's syscall error texts are the C library's, starting in lower case.
    text = os.strerror(number or errno.EIO)
    return text[:1].lower() + text[1:]
