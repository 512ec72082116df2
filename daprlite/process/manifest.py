"""Files daprlite writes on the user's behalf, recorded with their SHA-256 in a manifest, so that
a later `init` or `uninstall` replaces or removes only a file still as daprlite wrote it."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".init-manifest.json"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one write or removal did, by absolute path."""

    done: list[Path] = field(default_factory=list)  # written (or removed)
    current: list[Path] = field(default_factory=list)  # already as daprlite would write it
    kept: list[Path] = field(default_factory=list)  # changed or made by the user: left alone


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(home: Path) -> dict[str, str]:
    try:
        recorded = json.loads((home / MANIFEST).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    if not isinstance(recorded, dict):
        return {}
    return {str(k): str(v) for k, v in recorded.items()}


def _write_manifest(home: Path, recorded: Mapping[str, str]) -> None:
    path = home / MANIFEST
    if not recorded:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
    os.replace(tmp, path)


def _on_disk(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes())
    except FileNotFoundError:
        return None


def write_files(home: Path, files: Mapping[str, str]) -> Outcome:
    """Write each file (path relative to `home`) that is missing or still as daprlite last
    wrote it; a file the user changed or made is kept and reported, never overwritten."""
    recorded = _read_manifest(home)
    outcome = Outcome()
    for relative, text in files.items():
        path = home / relative
        wanted = text.encode()
        found = _on_disk(path)
        if found == _digest(wanted):
            recorded[relative] = found
            outcome.current.append(path)
            continue
        if found is not None and recorded.get(relative) != found:
            outcome.kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(wanted)
        os.replace(tmp, path)
        recorded[relative] = _digest(wanted)
        outcome.done.append(path)
    _write_manifest(home, recorded)
    return outcome


def remove_files(home: Path) -> Outcome:
    """Remove every recorded file still as daprlite wrote it, then the folders that leaves
    empty; a changed file stays and is reported. The manifest goes with the last of them."""
    recorded = _read_manifest(home)
    outcome = Outcome()
    for relative, digest in sorted(recorded.items()):
        path = home / relative
        found = _on_disk(path)
        if found is None:
            continue
        if found != digest:
            outcome.kept.append(path)
            continue
        path.unlink()
        outcome.done.append(path)
        with contextlib.suppress(OSError):  # only when empty: the user's own files stay
            if path.parent != home:
                path.parent.rmdir()
    _write_manifest(home, {})
    return outcome
