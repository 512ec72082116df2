"""secretstores.local.env: each secret is one environment variable of the sidecar, read when
asked for; `prefix` (case-sensitive, as on Linux and macOS) is put before the name and taken off
bulk results. APP_API_TOKEN and DAPR_* are never given out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from daprlite.components.metadata import MetadataReader
from daprlite.model.component import Component
from daprlite.model.contracts import Secret

log = logging.getLogger("daprlite.secretstores.local.env")


class LocalEnvStore:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        # daprd reads its own environment; tests hand in one of their own.
        self._environ = os.environ if environ is None else environ
        self._prefix = ""

    async def init(self, component: Component, working_dir: Path) -> None:
        self._prefix = MetadataReader(component).text("prefix") or ""

    def features(self) -> Sequence[str]:
        return ()

    async def get_secret(self, name: str, metadata: Mapping[str, str]) -> Secret:
        variable = self._prefix + name
        if allowed(variable):
            return {name: self._environ.get(variable, "")}
        log.warning("Access to env var %s is forbidden", name)
        return {name: ""}

    async def bulk_get_secret(self, metadata: Mapping[str, str]) -> Mapping[str, Secret]:
        prefix = self._prefix
        found: dict[str, Secret] = {}
        for variable, value in self._environ.items():
            # With a prefix, only longer names that start with it (daprd's bounds check).
            if prefix and (len(variable) <= len(prefix) or not variable.startswith(prefix)):
                continue
            if allowed(variable):
                name = variable[len(prefix) :]
                found[name] = {name: value}
        return found

    async def close(self) -> None:
        pass


def allowed(variable: str) -> bool:
    """daprd's rule: the sidecar's own token and configuration are not secrets to hand out."""
    upper = variable.upper()
    return upper != "APP_API_TOKEN" and not upper.startswith("DAPR_")
