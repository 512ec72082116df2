"""Which binding types exist, which directions and versions each has, and how to create them.

Types are registered by import string, one line each, so that adding one never touches the
runtime and an unused type costs no import at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from daprlite.model.component import Component
from daprlite.model.contracts import ChecksMetadata, Direction, InputBinding, OutputBinding
from daprlite.model.type_table import FIRST_VERSIONS, TypeTable, load_class


@dataclass(frozen=True, slots=True)
class BindingType:
    input_class: str | None  # "module:Class"
    output_class: str | None
    versions: frozenset[str] = FIRST_VERSIONS
    # Loggers of the type's client library that chatter about states they recover from on
    # their own: shown only at --log-level debug (errors always).
    noisy_loggers: tuple[str, ...] = ()

    @property
    def directions(self) -> tuple[Direction, ...]:
        found: list[Direction] = []
        if self.input_class:
            found.append("input")
        if self.output_class:
            found.append("output")
        return tuple(found)


BUILTINS: Mapping[str, BindingType] = {
    "bindings.kafka": BindingType(
        input_class="daprlite.bindings.kafka.consumer:KafkaInput",
        output_class="daprlite.bindings.kafka.producer:KafkaOutput",
        noisy_loggers=("daprlite.bindings.kafka.client",),
    ),
    "bindings.localstorage": BindingType(
        input_class=None,
        output_class="daprlite.bindings.localstorage.output:LocalStorageOutput",
    ),
    # One implementation under daprd's two names.
    **dict.fromkeys(
        ("bindings.postgres", "bindings.postgresql"),
        BindingType(None, "daprlite.bindings.postgres.output:PostgresOutput"),
    ),
    "bindings.cron": BindingType(
        input_class="daprlite.bindings.cron.binding:CronInput", output_class=None
    ),
    "bindings.http": BindingType(
        input_class=None, output_class="daprlite.bindings.http.output:HTTPOutput"
    ),
    **dict.fromkeys(
        ("bindings.mqtt3", "bindings.mqtt"),
        BindingType(
            "daprlite.bindings.mqtt3.reader:Mqtt3Input",
            "daprlite.bindings.mqtt3.output:Mqtt3Output",
        ),
    ),
    "bindings.redis": BindingType(
        input_class=None, output_class="daprlite.bindings.redis.output:RedisOutput"
    ),
    "bindings.rabbitmq": BindingType(
        input_class="daprlite.bindings.rabbitmq.input:RabbitMQInput",
        output_class="daprlite.bindings.rabbitmq.output:RabbitMQOutput",
        noisy_loggers=("aiormq", "aio_pika"),
    ),
}


class BindingRegistry(TypeTable[BindingType]):
    """The binding types of a run; the loader sees it as a TypeCatalogue."""

    def __init__(self, types: Mapping[str, BindingType] = BUILTINS) -> None:
        super().__init__(types)

    def directions(self, type_name: str) -> tuple[Direction, ...]:
        return self.kind(type_name).directions

    def check(self, component: Component) -> None:
        """Check `component`'s metadata as each of its type's classes can without connecting;
        raises the first ComponentError (MetadataError names file:line)."""
        kind = self.kind(component.type)
        for target in (kind.input_class, kind.output_class):
            if target:
                cls = load_class(target)
                if isinstance(cls, ChecksMetadata):
                    cls.check_metadata(component)

    def noisy_loggers(self) -> tuple[str, ...]:
        return tuple(name for kind in self._types.values() for name in kind.noisy_loggers)

    def create_input(self, type_name: str) -> InputBinding:
        target = self.kind(type_name).input_class
        assert target, f"{type_name} has no input side"
        instance: InputBinding = load_class(target)()
        return instance

    def create_output(self, type_name: str) -> OutputBinding:
        target = self.kind(type_name).output_class
        assert target, f"{type_name} has no output side"
        instance: OutputBinding = load_class(target)()
        return instance
