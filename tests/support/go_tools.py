"""Where the Go wrapper tools under tools/ (built by their build.sh) leave their binaries: one
folder per version of the module each wraps, in ${DAPRLITE_CACHE:-~/.cache/daprlite}."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools"


class ToolMissing(RuntimeError):
    pass


def pinned_version(wrapper: str, module: str) -> str:
    """The version of `module` that tools/<wrapper>/go.mod requires (the cache key)."""
    go_mod = TOOLS / wrapper / "go.mod"
    # `require M vX` alone, or the same line inside a require ( ... ) block.
    pattern = rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)"
    found = re.search(pattern, go_mod.read_text(), re.MULTILINE)
    if not found:
        raise ToolMissing(f"{go_mod} does not require {module}")
    return found.group(1)


def cached_binary(wrapper: str, module: str, override_env: str) -> Path:
    """$<override_env> if set, else the binary tools/<wrapper>/build.sh caches."""
    explicit = os.environ.get(override_env)
    if explicit:
        candidate = Path(explicit)
    else:
        cache = Path(os.environ.get("DAPRLITE_CACHE", Path.home() / ".cache" / "daprlite"))
        candidate = cache / f"{wrapper}-{pinned_version(wrapper, module)}" / wrapper
    if not os.access(candidate, os.X_OK):
        raise ToolMissing(
            f"no {wrapper} at {candidate}; build it with tools/{wrapper}/build.sh "
            "(`make test-k8s` does)"
        )
    return candidate
