"""bindings.localstorage output: create, get, list and delete files under `rootPath`.

Every call runs in a worker thread (asyncio.to_thread): resolving the name, the unquote and
base64 rule on the data and the file I/O, so a large file never holds up the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from collections.abc import Sequence

from daprlite.bindings.localstorage.files import (
    FileError,
    list_files,
    read_file,
    remove,
    write_file,
)
from daprlite.bindings.localstorage.payload import file_content
from daprlite.bindings.localstorage.rootpath import RootPathError, validate_root_path
from daprlite.bindings.localstorage.securejoin import JoinError, relative_to, secure_join
from daprlite.components.metadata import MetadataReader
from daprlite.gocompat.json import encode
from daprlite.gocompat.oserror import path_error
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError, ComponentInitError

log = logging.getLogger("daprlite.bindings.localstorage")

# daprd reads this request-metadata key exactly as spelled (no case folding).
FILE_NAME = "fileName"
# A name read back from the disk may hold bytes that are not UTF-8 (kept by Python as lone
# surrogates); in a message Go shows each such byte as U+FFFD.
_SURROGATE = re.compile("[\udc80-\udcff]")


class LocalStorageOutput:
    def __init__(self) -> None:
        self._root = ""

    @staticmethod
    def check_metadata(component: Component) -> None:
        meta = MetadataReader(component)
        try:
            validate_root_path(meta.text("rootPath") or "")
        except RootPathError as exc:
            raise meta.error("rootPath", exc.reason) from None

    async def init(self, component: Component) -> None:
        meta = MetadataReader(component)
        try:
            root = await asyncio.to_thread(validate_root_path, meta.text("rootPath") or "")
        except RootPathError as exc:
            raise meta.error("rootPath", exc.reason) from None
        try:
            await asyncio.to_thread(os.makedirs, root, 0o777, True)
        except OSError as exc:
            failure = path_error("mkdir", exc.filename or root, exc)
            raise ComponentInitError(
                component.log_name,
                f"unable to create directory specified by 'rootPath' {root}: {failure}",
            ) from None
        self._root = root

    def operations(self) -> Sequence[str]:
        return ["create", "get", "list", "delete"]  # daprd's order, as its error lists them

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        assert self._root, "init() first"
        name = request.metadata.get(FILE_NAME, "")
        if not name and request.operation == "create":
            name = str(uuid.uuid4())
        try:
            return await asyncio.to_thread(self._run, request.operation, name, request.data)
        except (FileError, JoinError) as exc:
            raise BindingInvokeError(_SURROGATE.sub("\ufffd", str(exc))) from None

    def _run(self, operation: str, name: str, data: bytes) -> InvokeResponse | None:
        try:
            path = secure_join(self._root, name)
        except JoinError as exc:
            raise JoinError(f"error getting absolute path for file {name}: {exc}") from None
        if operation == "create":
            write_file(self._root, path, file_content(data))
            log.debug("wrote file: %s", path)
            return InvokeResponse(encode({"fileName": relative_to(self._root, path)}))
        if operation == "get":
            return InvokeResponse(read_file(self._root, path))
        if operation == "delete":
            remove(self._root, path)
            return None
        if operation == "list":
            # Go marshals a nil slice (no files) as null.
            return InvokeResponse(encode(list_files(self._root, path) or None))
        raise FileError(f"unsupported operation {operation}")

    async def close(self) -> None:
        return None
