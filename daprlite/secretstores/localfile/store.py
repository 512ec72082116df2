"""secretstores.local.file: `secretsFile` (JSON; a relative name is taken from daprd's working
directory), `nestedSeparator` (default ":") and `multiValued`, read once at init as daprd does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.oserror import path_error
from daprlite.model.component import Component
from daprlite.model.contracts import Secret
from daprlite.model.errors import ComponentInitError, SecretStoreError
from daprlite.secretstores.localfile.document import (
    DocumentError,
    Secrets,
    multi_valued,
    read_document,
    single_valued,
)

log = logging.getLogger("daprlite.secretstores.local.file")

MULTIPLE_KEY_VALUES = "MULTIPLE_KEY_VALUES_PER_SECRET"
# kit's IsTruthy, which daprd's metadata decoder uses for booleans: anything else is false.
_TRUTHY = frozenset({"y", "yes", "true", "t", "on", "1"})


class LocalFileStore:
    def __init__(self) -> None:
        self._secrets: Secrets = {}
        self._features: tuple[str, ...] = ()

    async def init(self, component: Component, working_dir: Path) -> None:
        meta = MetadataReader(component)
        given = meta.text("secretsFile")
        if not given:
            raise meta.error("secretsFile", "is required (daprd: missing local secrets file)")
        separator = meta.text("nestedSeparator") or ":"
        multi = (meta.text("multiValued") or "").strip().lower() in _TRUTHY
        path = working_dir / given  # an absolute name stays as it is
        try:
            raw = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            where = "" if Path(given).is_absolute() else f" (from {working_dir})"
            raise ComponentInitError(
                component.log_name, path_error("open", given, exc) + where
            ) from None
        try:
            document = read_document(raw)
        except DocumentError as exc:
            raise ComponentInitError(component.log_name, f"{given}: {exc}") from None
        if multi:
            self._secrets, duplicates = multi_valued(document, separator)
            self._features = (MULTIPLE_KEY_VALUES,)
        else:
            self._secrets, duplicates = single_valued(document, separator)
        for name in duplicates:
            # daprd stops reading the file at a repeated name (in Go's random map order).
            log.warning(
                "%s: secret name %s appears twice once nested keys are joined with %r; "
                "the first one is kept",
                component.where(),
                name,
                separator,
            )

    def features(self) -> Sequence[str]:
        return self._features

    async def get_secret(self, name: str, metadata: Mapping[str, str]) -> Secret:
        value = self._secrets.get(name)
        if value is None:
            raise SecretStoreError(f"secret {name} not found")
        return {name: value} if isinstance(value, str) else dict(value)

    async def bulk_get_secret(self, metadata: Mapping[str, str]) -> Mapping[str, Secret]:
        return {
            name: {name: value} if isinstance(value, str) else dict(value)
            for name, value in self._secrets.items()
        }

    async def close(self) -> None:
        self._secrets = {}
