"""The contracts every binding type implements, and the values that cross them.

A binding type is one class. daprd creates a separate instance for each direction a component
is used in, and so does daprlite: `init` is called once per instance, then either `invoke`
(output) or `start` (input), and finally `close`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from daprlite.model.component import Component
from daprlite.model.observer import Observer

Direction = Literal["input", "output"]
# W3C trace context of a request or event (`traceparent`, `tracestate`), empty when none.
TraceContext = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class InvokeRequest:
    data: bytes
    metadata: Mapping[str, str]
    operation: str
    context: TraceContext = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InvokeResponse:
    data: bytes = b""
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BindingEvent:
    """One message read by an input binding, on its way to the app."""

    data: bytes
    metadata: Mapping[str, str]
    context: TraceContext = field(default_factory=dict)


# Delivers one event to the app. Returns normally when the app accepted it (2xx); raises
# DeliveryError when it did not. The binding decides what a failure means (retry, skip).
EventHandler = Callable[[BindingEvent], Awaitable[None]]


class DeliveryError(Exception):
    """The app did not accept an event; the message says why, as daprd words it."""


class OutputBinding(Protocol):
    async def init(self, component: Component) -> None:
        """Validate metadata and connect. Raises MetadataError or ComponentInitError."""

    def operations(self) -> Sequence[str]:
        """The operations `invoke` accepts, e.g. ["create"]."""

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        """Do one operation. None means "nothing to return" (HTTP 204).

        Raises BindingInvokeError when the work failed; must not hang without bound.
        """

    async def close(self) -> None:
        """Finish or fail what is in flight, then release connections."""


class InputBinding(Protocol):
    async def init(self, component: Component) -> None:
        """Validate metadata and connect. Raises MetadataError or ComponentInitError."""

    async def start(self, handler: EventHandler, observer: Observer) -> None:
        """Begin reading; return once reading is *ready* (e.g. partitions assigned).

        Events then flow to `handler` from background tasks until `close`, each through a
        bindings.delivery.Deliverer (which reports to `observer`). A message is acknowledged to
        the source only after `handler` returned for it.
        """

    async def close(self) -> None:
        """Stop reading, let the event in flight finish, acknowledge what was handled."""


@runtime_checkable
class ReportsStatus(Protocol):
    """Optional for an input binding: where its delivery stands, for /v1.0/metadata.

    The mapping is the binding's own vocabulary (Kafka: `{"partitions": [...]}`); the runtime
    only files it under the component's name.
    """

    def status(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True, slots=True)
class StreamLag:
    """Where one ordered stream of an input binding stands against its source (metrics)."""

    topic: str  # the source's name (Kafka: the topic)
    partition: str  # its ordered shard ("" when it has none)
    lag: int | None  # messages at the source not yet handled; None while not known
    stalled: bool  # a message keeps failing and holds the stream up


@runtime_checkable
class ReportsLag(Protocol):
    """Optional for an input binding: its streams' lag, asked for on the event loop at each
    metrics scrape (never per message), so the metrics need not know the binding's type."""

    def lag(self) -> Sequence[StreamLag]: ...


@runtime_checkable
class ChecksMetadata(Protocol):
    """Optional for a binding class: its metadata checked without connecting to anything, for
    `daprlite components validate`. Raises MetadataError (file:line) like `init` would."""

    @staticmethod
    def check_metadata(component: Component) -> None: ...


class TypeCatalogue(Protocol):
    """What the component loader asks of the binding registry."""

    def supported_types(self) -> list[str]: ...

    def supports(self, type_name: str, version: str) -> bool: ...


# One secret: its keys and values (a single-valued store gives one key, the secret's name).
Secret = Mapping[str, str]


class SecretStore(Protocol):
    """A secret store type (`secretstores.*`): `init` once, then any number of reads, `close`.

    Values it returns are secrets: they go to the API caller and into component metadata, never
    into a log line or an error message.
    """

    async def init(self, component: Component, working_dir: Path) -> None:
        """Validate metadata and load or connect; `working_dir` is what daprd would run in (a
        relative file name is taken from there). Raises MetadataError or ComponentInitError."""

    def features(self) -> Sequence[str]:
        """What `/v1.0/metadata` lists as the store's capabilities (e.g.
        MULTIPLE_KEY_VALUES_PER_SECRET)."""

    async def get_secret(self, name: str, metadata: Mapping[str, str]) -> Secret:
        """The secret `name`. Raises SecretStoreError (daprd's text, e.g. "secret x not found")."""

    async def bulk_get_secret(self, metadata: Mapping[str, str]) -> Mapping[str, Secret]:
        """Every secret, by name. Raises SecretStoreError."""

    async def close(self) -> None:
        """Release what `init` opened."""
