"""What a dashboard may ask a sidecar beyond its metrics: recent spans, the live tail, the app's
recent output, and where each input binding's delivery stands. Served on the metrics port under
`/daprlite/v1/` (see server.py); plain values only, secret-looking headers already masked."""

from __future__ import annotations

from typing import Any

from daprlite.model.store import CompStore
from daprlite.model.tracing import Tracer
from daprlite.observability.app_log import AppLog
from daprlite.observability.tail import MessageTail


class Introspection:
    def __init__(
        self, app_id: str, store: CompStore, tracer: Tracer, tail: MessageTail, app_log: AppLog
    ) -> None:
        self.app_id, self._store, self._tracer = app_id, store, tracer
        self.tail, self.app_log = tail, app_log
        self.tracing = False  # set by the sidecar: whether spans are being recorded

    def spans(self) -> dict[str, Any]:
        return {"appId": self.app_id, "tracing": self.tracing, "spans": self._tracer.recent_spans()}

    def messages(self, after: int) -> dict[str, Any]:
        return {"appId": self.app_id, **self.tail.since(after)}

    def log(self, after: int) -> dict[str, Any]:
        return {"appId": self.app_id, **self.app_log.since(after)}

    def status(self) -> dict[str, Any]:
        return {
            "appId": self.app_id,
            # What /v1.0/metadata leaves out: where each component came from and its scopes.
            "components": [
                {"name": c.name, "file": c.where(), "scopes": list(c.scopes)}
                for c in self._store.components
            ],
            "initErrors": list(self._store.init_errors),
            "inputBindings": self._store.input_status(),
        }
