"""bindings.mqtt3 output: `create` publishes the request's data with QoS 1 to the request's
`topic` (or the component's), under client id `<consumerID>-producer`, connecting on first use
as daprd does. A 204 means the broker sent its PUBACK."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from daprlite.bindings.mqtt3.client import MqttConnection, MqttError
from daprlite.bindings.mqtt3.settings import Mqtt3Settings
from daprlite.model.component import Component
from daprlite.model.contracts import InvokeRequest, InvokeResponse
from daprlite.model.errors import BindingInvokeError

# The request metadata key naming the topic; daprd reads it with this exact case.
TOPIC_KEY = "topic"


class Mqtt3Output:
    def __init__(self) -> None:
        self._settings: Mqtt3Settings | None = None
        self._component = ""
        self._producer: MqttConnection | None = None
        self._connecting = asyncio.Lock()

    @staticmethod
    def check_metadata(component: Component) -> None:
        Mqtt3Settings.from_component(component)

    async def init(self, component: Component) -> None:
        # daprd does not connect here: a broker that is down surfaces at the first call.
        self._settings = Mqtt3Settings.from_component(component)
        self._component = component.log_name

    def operations(self) -> Sequence[str]:
        return ["create"]

    async def invoke(self, request: InvokeRequest) -> InvokeResponse | None:
        assert self._settings is not None
        producer = await self._connected()
        topic = request.metadata.get(TOPIC_KEY) or self._settings.topic
        try:
            await producer.publish(topic, request.data, self._settings.retain)
        except MqttError as exc:
            raise BindingInvokeError(f"failed to publish: {exc}") from exc
        return None

    async def _connected(self) -> MqttConnection:
        assert self._settings is not None
        async with self._connecting:
            if self._producer is None:
                producer = MqttConnection(
                    self._settings, self._settings.producer_id, self._component
                )
                try:
                    await producer.open()
                except MqttError as exc:
                    raise BindingInvokeError(
                        f"failed to create producer connection: {exc}"
                    ) from exc
                self._producer = producer
            return self._producer

    async def close(self) -> None:
        async with self._connecting:
            if self._producer is not None:
                await self._producer.close()
                self._producer = None
