"""The run files of the sidecars this process runs: written once a sidecar's ports are known,
removed when it stops. The one place a `Sidecar` becomes a `daprlite list` entry."""

from __future__ import annotations

import dataclasses

from daprlite.multiapp.runner import TemplateRecord
from daprlite.process import runs
from daprlite.runtime.sidecar import Sidecar


def entry_for(sidecar: Sidecar, template: TemplateRecord | None = None) -> runs.RunEntry:
    """`sidecar` as `daprlite list` shows it; call it once the app has started.

    `template`: for an app of a Multi-App Run, where it came from and where its logs go.
    """
    cfg = sidecar.config
    entry = runs.new_entry(
        cfg.app_id,
        sidecar.http_port,
        sidecar.grpc_port,
        app_port=cfg.app_port or 0,
        command=" ".join(cfg.command),
        app_pid=(sidecar.app.pid or 0) if sidecar.app else 0,
        max_request_body_mb=cfg.max_body_bytes >> 20,
        metrics_port=sidecar.metrics_port,
    )
    if template is None:
        return entry
    return dataclasses.replace(entry, multi_app=True, **dataclasses.asdict(template))


class RunRecords:
    """Run files of this process's sidecars; `remove_all` in a `finally` leaves none behind."""

    def __init__(self) -> None:
        self._entries: dict[int, runs.RunEntry] = {}

    def add(self, sidecar: Sidecar, template: TemplateRecord | None = None) -> None:
        entry = entry_for(sidecar, template)
        runs.write_entry(entry)
        self._entries[id(sidecar)] = entry

    def remove(self, sidecar: Sidecar) -> None:
        entry = self._entries.pop(id(sidecar), None)
        if entry is not None:
            runs.remove_entry(entry)

    def remove_all(self) -> None:
        for entry in self._entries.values():
            runs.remove_entry(entry)
        self._entries.clear()
