"""The Dapr API without a transport: the HTTP and gRPC adapters both translate to these calls.

Errors come out as BindingError (with daprd's texts) or APIError; adapters only render them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from daprlite import DAPR_RUNTIME_COMPAT
from daprlite.api import errors
from daprlite.model.config import RunConfig
from daprlite.model.contracts import (
    InvokeRequest,
    InvokeResponse,
    OutputBinding,
    Secret,
    SecretStore,
)
from daprlite.model.errors import (
    BindingError,
    BindingInvokeError,
    BindingNotFoundError,
    SecretStoreError,
    UnsupportedOperationError,
)
from daprlite.model.observer import NO_OBSERVER, Observer
from daprlite.model.readiness import Readiness
from daprlite.model.store import CompStore
from daprlite.model.tracing import NO_TRACER, Tracer
from daprlite.resiliency.breaker import BreakerOpenError
from daprlite.resiliency.provider import Resiliency
from daprlite.resiliency.runner import PolicyTimeoutError

log = logging.getLogger("daprlite.api")

# The preview features daprd 1.18 turns on by default (pkg/config defaultFeatures), which its
# metadata lists even without a Configuration file; daprd's order varies (a Go map): sorted here.
ENABLED_FEATURES = ("HotReload", "WorkflowsRemoteActivityReminder")


class DaprAPI:
    def __init__(
        self,
        config: RunConfig,
        store: CompStore,
        readiness: Readiness,
        on_shutdown: Callable[[], None] = lambda: None,
        observer: Observer = NO_OBSERVER,
        tracer: Tracer = NO_TRACER,
        on_error_code: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self._observer = observer
        # Told the Dapr error code of every error answer (dapr_error_code_total); None: off.
        self._on_error_code = on_error_code
        # The adapters start a span per call (their names and attributes differ by transport).
        self.tracer = tracer
        self.app_id = config.app_id
        self.store = store
        self.readiness = readiness
        self._on_shutdown = on_shutdown
        # Outbound policies; the runtime replaces it once the Resiliency resources are loaded.
        self.resiliency = Resiliency()

    def answered_error(self, error_code: str) -> None:
        """An adapter answered a call with this Dapr error code (daprd's RecordErrorCode)."""
        if self._on_error_code is not None:
            self._on_error_code(error_code)

    async def invoke_binding(self, name: str, request: InvokeRequest) -> InvokeResponse | None:
        """Run one operation on an output binding, checked in daprd's order.

        Raises BindingError; its text is what daprd puts after "error invoking output binding
        <name>: ".
        """
        # daprd times and counts every call that reaches its binding sender, so a refused
        # operation or an unknown name is a failed call in dapr_component_output_binding_*.
        started = time.perf_counter()
        try:
            binding = self._checked(name, request)
            # Looked up only for a binding that exists, as daprd does (and so that names a
            # client makes up are never remembered).
            resiliency = self.resiliency
            policy = resiliency.outbound(name) if resiliency.active else None
            if policy is None:
                response = await binding.invoke(request)
            else:
                response = await policy.run(lambda: binding.invoke(request))
        except (PolicyTimeoutError, BreakerOpenError) as exc:
            failure = BindingInvokeError(str(exc))
            self._observed(name, request, started, str(failure))
            raise failure from None
        except BindingError as exc:
            self._observed(name, request, started, str(exc))
            raise
        except Exception as exc:
            # A binding broke its contract (only BindingInvokeError may escape); the client still
            # gets daprd's error shape, and the traceback goes to the log for whoever fixes it.
            log.exception("output binding %s failed unexpectedly", name)
            failure = BindingInvokeError(str(exc) or type(exc).__name__)
            self._observed(name, request, started, str(failure))
            raise failure from exc
        self._observed(name, request, started, None)
        return response

    def _checked(self, name: str, request: InvokeRequest) -> OutputBinding:
        """The binding that takes `request`, or the BindingError daprd answers first."""
        # daprd checks the operation before it looks the binding up.
        if not request.operation:
            raise BindingError("operation field is missing from request")
        binding = self.store.output(name)
        if binding is None:
            raise BindingNotFoundError(name)
        supported = list(binding.operations())
        if request.operation not in supported:
            raise UnsupportedOperationError(name, request.operation, supported)
        return binding

    def _observed(
        self, name: str, request: InvokeRequest, started: float, error: str | None
    ) -> None:
        self._observer.output_invoked(name, request, time.perf_counter() - started, error)

    async def get_secret(self, store_name: str, key: str, metadata: Mapping[str, str]) -> Secret:
        """One secret of a store, checked in daprd's order. Raises APIError."""
        secrets = self._secret_store(store_name)
        if not self._secret_allowed(store_name, key):
            raise errors.secret_permission_denied(key, store_name)
        try:
            return await secrets.get_secret(key, metadata)
        except SecretStoreError as exc:
            raise errors.secret_get(key, store_name, str(exc)) from None

    async def bulk_get_secret(
        self, store_name: str, metadata: Mapping[str, str]
    ) -> dict[str, Secret]:
        """Every secret of a store that the store's scope allows. Raises APIError."""
        secrets = self._secret_store(store_name)
        try:
            found = await secrets.bulk_get_secret(metadata)
        except SecretStoreError as exc:
            raise errors.bulk_secret_get(store_name, str(exc)) from None
        return {
            name: secret for name, secret in found.items() if self._secret_allowed(store_name, name)
        }

    def _secret_store(self, name: str) -> SecretStore:
        if not self.store.secret_stores:
            raise errors.secret_stores_not_configured()
        secrets = self.store.secret_store(name)
        if secrets is None:
            raise errors.secret_store_not_found(name)
        return secrets

    def _secret_allowed(self, store_name: str, key: str) -> bool:
        # The last scope given for a store is the one daprd keeps; without one, all is allowed.
        scope = next(
            (s for s in reversed(self.config.secret_scopes) if s.store_name == store_name), None
        )
        return scope is None or scope.allows(key)

    def metadata(self) -> dict[str, Any]:
        """daprd's `GET /v1.0/metadata` document, keys in daprd's order, empty ones omitted."""
        doc: dict[str, Any] = {
            "id": self.app_id,
            "runtimeVersion": DAPR_RUNTIME_COMPAT,
            "enabledFeatures": list(ENABLED_FEATURES),
        }
        components = []
        for info in self.store.describe():
            entry: dict[str, Any] = {"name": info.name, "type": info.type}
            if info.version:
                entry["version"] = info.version
            if info.capabilities:
                entry["capabilities"] = list(info.capabilities)
            components.append(entry)
        if components:
            doc["components"] = components
        # daprd sets its version after copying the stored values, so a PUT cannot override it.
        extended = dict(self.readiness.extended, daprRuntimeVersion=DAPR_RUNTIME_COMPAT)
        doc["extended"] = dict(sorted(extended.items()))  # a Go map: written with sorted keys
        connection: dict[str, Any] = {}
        if self.config.app_port:
            connection["port"] = self.config.app_port
        connection["protocol"] = self.config.app_protocol
        connection["channelAddress"] = self.config.app_channel_address
        doc["appConnectionProperties"] = connection
        # Actors are not part of daprlite; daprd reports this when no placement is configured.
        doc["actorRuntime"] = {"runtimeStatus": "DISABLED", "hostReady": False}
        # Beyond daprd: where input delivery stands (a partition held up by a failing message
        # shows its offset, attempts and last error). Clients that do not know it ignore it.
        inputs = self.store.input_status()
        if inputs:
            doc["daprlite"] = {"inputBindings": inputs}
        return doc

    def set_metadata(self, key: str, value: str) -> None:
        """`PUT /v1.0/metadata/{key}`: the dapr CLI records appCommand, cliPID, ... this way."""
        if key:  # daprd ignores an empty key
            self.readiness.extended[key] = value

    def healthz(self, app_id: str | None = None) -> None:
        """Return when the sidecar is fully up (app reachable); raise APIError otherwise."""
        if not (self.readiness.outbound_ready and self.readiness.app_ready):
            raise errors.health_not_ready(["runtime"])
        if app_id is not None and app_id != self.app_id:
            raise errors.health_app_id_mismatch()

    def outbound_healthz(self) -> None:
        """Return when output bindings can be used; raise APIError otherwise."""
        if not self.readiness.outbound_ready:
            raise errors.outbound_health_not_ready()

    def request_shutdown(self) -> None:
        self._on_shutdown()
